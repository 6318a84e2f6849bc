// The two backends every store test runs on. SQLite: a fresh file per test. PostgreSQL: one
// throwaway server per test file (test/pg.ts), a fresh database per test; skipped, with the
// reason in the suite's name, when PostgreSQL is not installed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { postgresUnavailable, startTestPostgres, type TestPostgres } from "../pg.ts";

export interface Backend {
  name: "sqlite" | "postgres";
  /** Why this backend's tests are skipped, if they are. */
  skip?: string;
  /** A URL of a new, empty store. */
  fresh(): Promise<string>;
}

/** Call at the top level of a test file: registers the hooks that start and stop PostgreSQL. */
export function backends(): Backend[] {
  const dir = mkdtempSync(join(tmpdir(), "warden-audit-"));
  let n = 0;
  let server: TestPostgres | undefined;
  const skip = postgresUnavailable();
  if (skip) console.warn(skip);
  beforeAll(async () => {
    if (!skip) server = await startTestPostgres();
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return [
    { name: "sqlite", fresh: async () => `sqlite:${join(dir, `t${n++}.db`)}` },
    {
      name: "postgres",
      skip,
      fresh: async () => {
        if (!server) throw new Error("PostgreSQL test server not started");
        return server.createDatabase();
      },
    },
  ];
}
