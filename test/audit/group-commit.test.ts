// Group commit (db.ts): write transactions that arrive while one runs share the next COMMIT,
// each in a savepoint of its own. A job that throws loses its own writes and nothing else's; the
// rest commit; every promise settles with its own result.
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/audit/db.ts";
import { backends } from "./backends.ts";

for (const backend of backends()) {
  describe.skipIf(backend.skip !== undefined)(`group commit on ${backend.name}`, () => {
    it("commits concurrent transactions together; a failing one rolls back alone", async () => {
      const db = await openStore(await backend.fresh());
      try {
        await db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)");
        const jobs = Array.from({ length: 60 }, (_, i) =>
          db.transaction(async (tx) => {
            await tx.run("INSERT INTO t (k, v) VALUES ($1, $2)", [i, `v${i}`]);
            // Each sees the writes of the jobs committed before it, in this group or earlier.
            const [{ n }] = await tx.query<{ n: number }>("SELECT COUNT(*) AS n FROM t WHERE k = $1", [i]);
            if (Number(n) !== 1) throw new Error("own write not visible");
            if (i % 7 === 3) throw new Error(`job ${i} refuses`);
            return i;
          }, "write"),
        );
        const settled = await Promise.allSettled(jobs);
        settled.forEach((r, i) => {
          if (i % 7 === 3) expect(r).toMatchObject({ status: "rejected", reason: { message: `job ${i} refuses` } });
          else expect(r).toEqual({ status: "fulfilled", value: i });
        });
        const rows = await db.query<{ k: number }>("SELECT k FROM t ORDER BY k");
        expect(rows.map((r) => Number(r.k))).toEqual(Array.from({ length: 60 }, (_, i) => i).filter((i) => i % 7 !== 3));
        // A constraint violation inside a group is that job's failure only.
        const dup = await Promise.allSettled([
          db.transaction((tx) => tx.run("INSERT INTO t (k, v) VALUES (1000, 'a')"), "write"),
          db.transaction((tx) => tx.run("INSERT INTO t (k, v) VALUES (0, 'dup')"), "write"),
          db.transaction((tx) => tx.run("INSERT INTO t (k, v) VALUES (1001, 'b')"), "write"),
        ]);
        expect(dup.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
        expect((await db.query<{ v: string }>("SELECT v FROM t WHERE k IN (0, 1000, 1001) ORDER BY k")).map((r) => r.v)).toEqual(["v0", "a", "b"]);
      } finally {
        await db.close();
      }
    });
  });
}
