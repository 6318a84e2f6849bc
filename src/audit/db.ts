// One small interface over the two stores Warden runs on: SQLite (better-sqlite3, the embedded
// default) and PostgreSQL (pg, for many instances sharing one store). The audit trail is built on
// it; governance state (approvals, tickets, kill switch, notify queue) reuses it.
//
// The portable subset of SQL that works on both, as written by callers:
//   - placeholders `$1`, `$2`, ... (translated to `?` for SQLite; a `$n` may repeat);
//   - column types TEXT, INTEGER (64-bit on SQLite, use BIGINT on PostgreSQL via `db.types.int`),
//     DOUBLE PRECISION/REAL via `db.types.real`; booleans as INTEGER 0/1; JSON as TEXT;
//   - `INSERT ... ON CONFLICT (...) DO NOTHING | DO UPDATE SET x = excluded.x`, `RETURNING`,
//     `CREATE TABLE|INDEX IF NOT EXISTS`, `LIMIT n`, `COALESCE`, `NOT EXISTS (...)`;
//   - no `FOR UPDATE` in portable code: write transactions already serialise on SQLite; on
//     PostgreSQL lock what you read with `db.forUpdate` appended to the SELECT (empty on SQLite).
// 64-bit integers come back as JS numbers on both (PostgreSQL's int8 is parsed; values beyond
// 2^53 throw rather than lose precision).
//
// Concurrency: `transaction(fn, "write")` is BEGIN IMMEDIATE on SQLite (takes the database's
// write lock up front, so two processes never interleave read-then-write) and BEGIN on
// PostgreSQL (lock rows with `... ${db.forUpdate}` or `LOCK TABLE`). Inside one process a SQLite
// connection runs one transaction at a time; other queries wait for it. Write transactions that
// arrive while one is running are committed together (group commit, see groupCommitter): each
// still sees the writes of those before it and settles only once the group is durable.
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";

export type Dialect = "sqlite" | "postgres";
export type Row = Record<string, unknown>;
/** "read": a consistent snapshot; "write": holds the write lock from the start. */
export type TxMode = "read" | "write";

/** What queries run on: the store itself or a transaction in progress (same methods). */
export interface Queryable {
  readonly dialect: Dialect;
  /** Rows of a statement (empty for statements that return none, unless they use RETURNING). */
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement and returns how many rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Runs several `;`-separated statements without parameters (DDL). */
  exec(sql: string): Promise<void>;
  /** ` FOR UPDATE` on PostgreSQL, "" on SQLite: append to a SELECT inside a write transaction. */
  readonly forUpdate: string;
  /** Dialect-specific column types for CREATE TABLE. */
  readonly types: { int: string; real: string; blob: string };
}

export interface Db extends Queryable {
  /** Where the store is: `sqlite:/abs/path` or the postgres URL without its password. */
  readonly location: string;
  /**
   * Runs fn inside a transaction: COMMIT when it resolves, ROLLBACK when it throws. Use the
   * Queryable fn receives, not the Db, for the statements of the transaction. Not re-entrant.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, mode?: TxMode): Promise<T>;
  /**
   * PostgreSQL only: a session lock that shows another process, on any host, that this one is
   * alive. `holdLock` takes the named lock on a connection of its own and keeps it until
   * `release` (or the process's death, which ends the session), taking it again if the session
   * is lost meanwhile (`held` is false from the loss until then); `lockHeld` tells whether some
   * session holds it now. Absent on SQLite.
   */
  holdLock?(name: string): Promise<HeldLock>;
  lockHeld?(name: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Whether an error means "the store is busy, try again": SQLite's lock held by another process
 * past the busy timeout, PostgreSQL's serialization failure, deadlock or lock timeout. Nothing
 * was committed by the transaction that failed so.
 */
export function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === "SQLITE_BUSY" || code === "SQLITE_BUSY_SNAPSHOT" || code === "SQLITE_LOCKED" || code === "40001" || code === "40P01" || code === "55P03";
}

/**
 * Runs a write transaction, retrying it while the store is busy (with growing pauses) for up to
 * `patienceMs`. For writes that must not be lost to contention, such as the outcome of an action
 * that already ran: fn must be safe to run again (it is, when it only reads and writes through tx).
 */
export async function transactPatiently<T>(db: Db, fn: (tx: Queryable) => Promise<T>, patienceMs = 120_000): Promise<T> {
  const start = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction(fn, "write");
    } catch (e) {
      if (!isBusy(e) || Date.now() - start > patienceMs) throw e;
      await new Promise((r) => setTimeout(r, Math.min(1000, 10 * 2 ** attempt) * (0.5 + Math.random())));
    }
  }
}

/** A session lock this process holds (Db.holdLock). */
export interface HeldLock {
  /** Whether the lock's session is up now (false after it was lost, until it is taken again). */
  held(): boolean;
  release(): Promise<void>;
}

export interface OpenOptions {
  /** SQLite: how long to wait for another process's lock before SQLITE_BUSY (ms, default 10 s). */
  busyTimeoutMs?: number;
  /** SQLite: PRAGMA synchronous; FULL (default) makes every commit durable. */
  synchronous?: "FULL" | "NORMAL" | "OFF";
  /** PostgreSQL: pool size (default 4). */
  poolSize?: number;
}

/** The default store: `.warden/warden.db` under the working directory. */
export const DEFAULT_STORE = ".warden/warden.db";

/** The store named by --store, else $WARDEN_STORE, else the default. */
export function storeURL(explicit?: string): string {
  return explicit ?? process.env.WARDEN_STORE ?? DEFAULT_STORE;
}

/**
 * Opens a store: `postgres://...` / `postgresql://...`, `sqlite:PATH`, `sqlite::memory:`, or a
 * plain path to a SQLite file (its directory is created).
 */
export async function openStore(url: string = storeURL(), options: OpenOptions = {}): Promise<Db> {
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url, options);
  const path = url.startsWith("sqlite:") ? url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "") : url;
  return openSQLite(path, options);
}

/** `($1, $2), ($3, $4), ...`: the VALUES of a multi-row INSERT of `rows` rows of `columns` each. */
export function valuesList(rows: number, columns: number): string {
  return Array.from({ length: rows }, (_, r) => `(${Array.from({ length: columns }, (_, c) => `$${r * columns + c + 1}`).join(", ")})`).join(", ");
}

// --- group commit -----------------------------------------------------------------------------

interface Job {
  fn: (tx: Queryable) => Promise<unknown>;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

/** The most write transactions one group commit carries. */
const GROUP_LIMIT = 256;

/**
 * Write transactions in groups: those requested while a group is running share the next one,
 * each in a savepoint of its own (a job that throws rolls back its own statements only), and
 * one COMMIT makes them all durable at once. A job's promise settles after that COMMIT, so each
 * caller has the durability of a transaction of its own; with many concurrent callers, the
 * store pays one commit (one fsync) per group instead of one per transaction.
 */
function groupCommitter(runGroup: (jobs: Job[]) => Promise<void>): <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T> {
  let queue: Job[] = [];
  let running = false;
  const drain = async () => {
    running = true;
    try {
      while (queue.length) {
        const batch = queue.slice(0, GROUP_LIMIT);
        queue = queue.slice(GROUP_LIMIT);
        await runGroup(batch);
      }
    } finally {
      running = false;
    }
  };
  return <T>(fn: (tx: Queryable) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!running) void drain();
    });
}

/** Runs one group on a connection: BEGIN, each job in its savepoint, COMMIT; settles every job. */
async function runJobs(exec: (sql: string) => Promise<void>, tx: Queryable, begin: string, jobs: Job[]): Promise<void> {
  const rollback = () => exec("ROLLBACK").catch(() => undefined);
  try {
    await exec(begin);
  } catch (e) {
    for (const j of jobs) j.reject(e);
    return;
  }
  const solo = jobs.length === 1;
  const settled: Array<{ job: Job; ok: boolean; value: unknown }> = [];
  for (const job of jobs) {
    try {
      if (!solo) await exec("SAVEPOINT warden_job");
      const value = await job.fn(tx);
      if (!solo) await exec("RELEASE SAVEPOINT warden_job");
      settled.push({ job, ok: true, value });
    } catch (e) {
      if (solo) {
        await rollback();
        return job.reject(e);
      }
      try {
        await exec("ROLLBACK TO SAVEPOINT warden_job");
        await exec("RELEASE SAVEPOINT warden_job");
      } catch (broken) {
        // The connection lost the transaction: nothing of the group is committed.
        await rollback();
        for (const j of jobs) j.reject(j === job ? e : broken);
        return;
      }
      settled.push({ job, ok: false, value: e });
    }
  }
  try {
    await exec("COMMIT");
  } catch (e) {
    await rollback();
    for (const j of jobs) j.reject(e);
    return;
  }
  for (const { job, ok, value } of settled) (ok ? job.resolve : job.reject)(value);
}

// --- SQLite -----------------------------------------------------------------------------------

interface Translated {
  sql: string;
  /** For each `?` in order, the 0-based index of the caller's parameter. */
  order: number[];
}

/** `$n` placeholders to `?` (skipping quoted strings and identifiers), remembering the order. */
export function translatePlaceholders(sql: string): Translated {
  const order: number[] = [];
  let out = "";
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      const stop = end < 0 ? sql.length : end + 1;
      out += sql.slice(i, stop);
      i = stop - 1;
    } else if (c === "$" && /[0-9]/.test(sql[i + 1] ?? "")) {
      let j = i + 1;
      while (/[0-9]/.test(sql[j] ?? "")) j++;
      order.push(Number(sql.slice(i + 1, j)) - 1);
      out += "?";
      i = j - 1;
    } else {
      out += c;
    }
  }
  return { sql: out, order };
}

function sqliteValue(v: unknown): unknown {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v instanceof Date) return v.toISOString();
  if (v === undefined) return null;
  return v;
}

function openSQLite(path: string, options: OpenOptions): Db {
  const memory = path === ":memory:";
  const file = memory ? path : resolve(path);
  if (!memory) mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { timeout: options.busyTimeoutMs ?? 10_000 });
  if (!memory) db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${options.synchronous ?? "FULL"}`);
  db.pragma("foreign_keys = ON");

  // Prepared statements cached by SQL text: the hot paths (audit append) prepare nothing.
  const cache = new Map<string, { stmt: Database.Statement; order: number[] }>();
  const prepared = (sql: string) => {
    let p = cache.get(sql);
    if (!p) {
      const t = translatePlaceholders(sql);
      p = { stmt: db.prepare(t.sql), order: t.order };
      if (cache.size > 500) cache.clear();
      cache.set(sql, p);
    }
    return p;
  };
  const bind = (order: number[], params: readonly unknown[]) => order.map((i) => sqliteValue(params[i]));

  const direct: Queryable = {
    dialect: "sqlite",
    forUpdate: "",
    types: { int: "INTEGER", real: "REAL", blob: "BLOB" },
    async query<T>(sql: string, params: readonly unknown[] = []) {
      const { stmt, order } = prepared(sql);
      if (stmt.reader) return stmt.all(...bind(order, params)) as T[];
      stmt.run(...bind(order, params));
      return [];
    },
    async run(sql, params = []) {
      const { stmt, order } = prepared(sql);
      if (stmt.reader) return stmt.all(...bind(order, params)).length;
      return stmt.run(...bind(order, params)).changes;
    },
    async exec(sql) {
      db.exec(sql);
    },
  };

  // One transaction at a time on this connection; statements outside it wait their turn.
  let busy: Promise<unknown> = Promise.resolve();
  let inTx = false;
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const next = busy.then(f, f);
    busy = next.catch(() => undefined);
    return next;
  };
  // Write transactions in groups, each group taking the database's write lock up front.
  const writes = groupCommitter((jobs) =>
    serial(async () => {
      inTx = true;
      try {
        // The group's few control statements from the statement cache (exec parses them each time).
        await runJobs(async (sql) => void (sql === "ROLLBACK" && !db.inTransaction ? undefined : prepared(sql).stmt.run()), direct, "BEGIN IMMEDIATE", jobs);
      } finally {
        inTx = false;
      }
    }),
  );
  const outside = <K extends "query" | "run" | "exec">(k: K) =>
    ((...args: unknown[]) => (inTx ? serial(() => (direct[k] as (...a: unknown[]) => Promise<unknown>)(...args)) : (direct[k] as (...a: unknown[]) => Promise<unknown>)(...args))) as Queryable[K];

  return {
    ...direct,
    query: outside("query"),
    run: outside("run"),
    exec: outside("exec"),
    location: memory ? "sqlite::memory:" : `sqlite:${file}`,
    transaction<T>(fn: (tx: Queryable) => Promise<T>, mode: TxMode = "write") {
      if (mode === "write") return writes(fn);
      return serial(async () => {
        inTx = true;
        db.exec("BEGIN");
        try {
          const result = await fn(direct);
          db.exec("COMMIT");
          return result;
        } catch (e) {
          if (db.inTransaction) db.exec("ROLLBACK");
          throw e;
        } finally {
          inTx = false;
        }
      });
    },
    async close() {
      await busy;
      cache.clear();
      db.close();
    },
  };
}

// --- PostgreSQL -------------------------------------------------------------------------------

/** PostgreSQL's type oid for int8 (BIGINT, and what COUNT(*) returns). */
const INT8 = 20;

function parseInt8(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new RangeError(`integer ${v} does not fit a JS number`);
  return n;
}

function pgValue(v: unknown): unknown {
  return v === undefined ? null : v;
}

/** The first key of session locks (two-key advisory locks, apart from the one-key locks of migrations). */
const SESSION_LOCKS = 0x5741; // "WA"

function openPostgres(url: string, options: OpenOptions): Db {
  const types = {
    getTypeParser: ((oid: number, format?: string) =>
      oid === INT8 && format !== "binary" ? parseInt8 : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 4, types });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on("error", () => undefined);

  const on = (c: pg.Pool | pg.PoolClient): Queryable => ({
    dialect: "postgres",
    forUpdate: " FOR UPDATE",
    types: { int: "BIGINT", real: "DOUBLE PRECISION", blob: "BYTEA" },
    async query<T>(sql: string, params: readonly unknown[] = []) {
      return (await c.query(sql, params.map(pgValue))).rows as T[];
    },
    async run(sql, params = []) {
      return (await c.query(sql, params.map(pgValue))).rowCount ?? 0;
    },
    async exec(sql) {
      await c.query(sql);
    },
  });

  // Write transactions in groups on one connection at a time (they serialise on the audit head's
  // row lock anyway); read transactions run beside them on the other connections.
  const writes = groupCommitter(async (jobs) => {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (e) {
      for (const j of jobs) j.reject(e);
      return;
    }
    let broken = false;
    try {
      await runJobs(
        async (sql) => {
          try {
            await client.query(sql);
          } catch (e) {
            if (sql === "ROLLBACK") broken = true;
            throw e;
          }
        },
        on(client),
        "BEGIN",
        jobs,
      );
    } finally {
      client.release(broken);
    }
  });

  const shown = new URL(url);
  shown.password = "";
  return {
    ...on(pool),
    location: shown.toString(),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>, mode: TxMode = "write") {
      if (mode === "write") return writes(fn);
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        const result = await fn(on(client));
        await client.query("COMMIT");
        return result;
      } catch (e) {
        try {
          await client.query("ROLLBACK");
        } catch {
          broken = true;
        }
        throw e;
      } finally {
        client.release(broken);
      }
    },
    async holdLock(name) {
      // A client outside the pool: the lock lives as long as its session, and the pool's
      // connections stay free for transactions. A session lost while the process lives (a
      // server restart, a terminated backend) is opened again and the lock taken again.
      let client: pg.Client | undefined;
      let released = false;
      const take = async () => {
        const c = new pg.Client({ connectionString: url, types });
        c.on("error", () => undefined);
        try {
          await c.connect();
          await c.query(`SELECT pg_advisory_lock(${SESSION_LOCKS}, hashtext($1))`, [name]);
        } catch (e) {
          await c.end().catch(() => undefined);
          throw e;
        }
        if (released) return void (await c.end().catch(() => undefined));
        client = c;
        c.once("end", () => {
          client = undefined;
          if (!released) void retake();
        });
      };
      const retake = async () => {
        for (let pause = 50; !released; pause = Math.min(pause * 2, 5_000)) {
          try {
            return await take();
          } catch {
            await new Promise((r) => setTimeout(r, pause).unref());
          }
        }
      };
      await take();
      return {
        held: () => client !== undefined,
        release: async () => {
          released = true;
          await client?.end().catch(() => undefined);
        },
      };
    },
    async lockHeld(name) {
      // Taking the lock and letting it go at once, on one connection: taken means nobody held it.
      const client = await pool.connect();
      try {
        const [r] = (await client.query(`SELECT pg_try_advisory_lock(${SESSION_LOCKS}, hashtext($1)) AS free`, [name])).rows as { free: boolean }[];
        if (r?.free) await client.query(`SELECT pg_advisory_unlock(${SESSION_LOCKS}, hashtext($1))`, [name]);
        return !r?.free;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}

// --- schema versions --------------------------------------------------------------------------

/** One step of a component's schema: DDL, the same for both dialects or chosen per dialect. */
export type Migration = string | ((q: Queryable) => string);

/**
 * Brings a component's tables up to date: runs the steps of `migrations` not yet applied (by
 * index) in one write transaction, recording the version in `warden_schema`. Safe when several
 * processes open the store at once. Returns the version now in place.
 */
export async function migrate(db: Db, component: string, migrations: readonly Migration[]): Promise<number> {
  await ensureSchemaTable(db);
  return db.transaction(async (tx) => {
    if (tx.dialect === "postgres") await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`warden:${component}`]);
    const [row] = await tx.query<{ version: number }>(`SELECT version FROM warden_schema WHERE component = $1${tx.forUpdate}`, [component]);
    const from = row?.version ?? 0;
    for (let v = from; v < migrations.length; v++) {
      const m = migrations[v]!;
      await tx.exec(typeof m === "string" ? m : m(tx));
    }
    if (from < migrations.length) {
      await tx.run(
        "INSERT INTO warden_schema (component, version) VALUES ($1, $2) ON CONFLICT (component) DO UPDATE SET version = excluded.version",
        [component, migrations.length],
      );
    }
    return Math.max(from, migrations.length);
  }, "write");
}

async function ensureSchemaTable(db: Db): Promise<void> {
  const ddl = "CREATE TABLE IF NOT EXISTS warden_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)";
  if (db.dialect === "sqlite") return db.exec(ddl);
  // Two processes creating the same table at once collide in PostgreSQL's catalog; serialise.
  await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('warden:schema'))");
    await tx.exec(ddl);
  }, "write");
}
