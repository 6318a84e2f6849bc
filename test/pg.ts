// A throwaway PostgreSQL server for tests: initdb into a temporary directory, start it on a free
// port (TCP on 127.0.0.1, its unix socket in the same directory), hand out one fresh database per
// caller, delete everything on stop. When the postgres binaries are missing, tests skip with the
// reason. WARDEN_TEST_PG_URL (e.g. from scripts/pg-test-server.sh) points at a server to use
// instead of starting one. initdb refuses to run as root: as root it runs as the postgres user.
import { execFile, execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export interface TestPostgres {
  /** The server's maintenance database (postgres). */
  url: string;
  /** A new, empty database on the server; its URL. */
  createDatabase(name?: string): Promise<string>;
  stop(): Promise<void>;
}

/** The directory holding initdb and pg_ctl, newest version first; undefined if none. */
export function postgresBinDir(): string | undefined {
  if (process.env.PG_BIN && existsSync(join(process.env.PG_BIN, "initdb"))) return process.env.PG_BIN;
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0]!, "bin") : undefined;
}

/** Why PostgreSQL tests cannot run here, or undefined when they can. */
export function postgresUnavailable(): string | undefined {
  if (process.env.WARDEN_TEST_PG_URL) return undefined;
  if (!postgresBinDir()) return "PostgreSQL binaries not found (apt-get install postgresql, set PG_BIN, or set WARDEN_TEST_PG_URL): PostgreSQL tests skipped";
  if (process.getuid?.() === 0 && !userId("postgres")) return "running as root and there is no postgres user to run initdb as: PostgreSQL tests skipped";
  return undefined;
}

function userId(name: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

let counter = 0;

export async function startTestPostgres(): Promise<TestPostgres> {
  const given = process.env.WARDEN_TEST_PG_URL;
  if (given) return handle(given, async () => undefined);

  const bin = postgresBinDir();
  if (!bin) throw new Error(postgresUnavailable());
  const dir = mkdtempSync(join(tmpdir(), "warden-pg-"));
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? userId("postgres") : undefined;
  if (asRoot && !owner) throw new Error(postgresUnavailable());
  if (owner) chownSync(dir, owner.uid, owner.gid);
  // Asynchronously: initdb takes seconds, and a test worker whose event loop is blocked that
  // long loses its connection to vitest.
  const run = (cmd: string, args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const [file, argv] = owner ? ["runuser", ["-u", "postgres", "--", join(bin, cmd), ...args]] : [join(bin, cmd), args];
      execFile(file as string, argv as string[], { cwd: dir }, (err, _stdout, stderr) => (err ? reject(Object.assign(err, { stderr })) : resolve()));
    });
  const data = join(dir, "data");
  try {
    await run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${String((e as { stderr?: string }).stderr || e)}`);
  }
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      // A throwaway server: no fsync (the tests are about locking and chains, not power loss).
      const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50`;
      await run("pg_ctl", ["-D", data, "-o", opts, "-l", join(dir, "server.log"), "-w", "-t", "60", "start"]);
      break;
    } catch (e) {
      if (attempt >= 2) {
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`pg_ctl start failed: ${String((e as { stderr?: string }).stderr || e)}`);
      }
    }
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return handle(url, async () => {
    try {
      await run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

function handle(url: string, stop: () => Promise<void>): TestPostgres {
  return {
    url,
    async createDatabase(name = `t_${process.pid}_${Date.now().toString(36)}_${counter++}`) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      const u = new URL(url);
      u.pathname = `/${name}`;
      return u.toString();
    },
    stop,
  };
}
