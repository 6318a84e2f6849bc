// The audit log on both backends: the chain verifies; every way of tampering with the stored
// rows is caught and the first bad record named; two processes appending never fork the chain;
// a crash between intent and outcome leaves a visible incomplete action; bad entries are
// rejected without writing anything.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { AuditLog, verifyJSONL, type AuditEntry } from "../../src/audit/log.ts";
import { ZERO_HASH, formatHead, sha256 } from "../../src/audit/chain.ts";
import { audited, recordIntent, recordOutcome } from "../../src/audit/intent.ts";
import { migrate, openStore, translatePlaceholders, type Db } from "../../src/audit/db.ts";
import { canonicalJSON } from "../../src/canonical-json.ts";
import { SchemaError } from "../../src/schemas/validate.ts";
import { backends } from "./backends.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** Runs a fixture script in its own node process (with tsx), resolving with its exit signal/code. */
function spawnFixture(name: string, args: string[]) {
  return fork(fixture(name), args, { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
}

function exited(child: ReturnType<typeof fork>): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

const entry = (i: number): AuditEntry => ({
  type: "decision",
  action_id: `act-${i}`,
  initiator: { id: "user-1", kind: "user" },
  decision: { decision_id: `d-${i}`, revision: "rev-1", entrypoint: "governance/decision", result: { allow: true, category: "auto", i } },
});

const open: AuditLog[] = [];
afterEach(async () => {
  for (const l of open.splice(0)) await l.close();
});

async function fresh(url: string, n = 10, options = {}): Promise<AuditLog> {
  const log = await AuditLog.open(url, options);
  open.push(log);
  for (let i = 1; i <= n; i++) await log.append(entry(i));
  return log;
}

interface Row {
  seq: number;
  id: string;
  hash: string;
  body: string;
}
const row = async (db: Db, seq: number) => (await db.query<Row>("SELECT seq, id, hash, body FROM audit_records WHERE seq = $1", [seq]))[0]!;
const editBody = async (db: Db, seq: number, f: (rec: Record<string, unknown>) => void, rehash = false) => {
  const r = await row(db, seq);
  const rec = JSON.parse(r.body);
  f(rec);
  const body = canonicalJSON(rec);
  await db.run(`UPDATE audit_records SET body = $1${rehash ? ", hash = $3" : ""} WHERE seq = $2`, rehash ? [body, seq, sha256(body)] : [body, seq]);
};
/** Replaces a row's body with edited bytes and stores their hash (a careful forger's edit). */
const rewrite = async (db: Db, seq: number, f: (body: string) => string) => {
  const body = f((await row(db, seq)).body);
  await db.run("UPDATE audit_records SET body = $1, hash = $2 WHERE seq = $3", [body, sha256(body), seq]);
};
/** Moves a row's seq column (the PRIMARY KEY) to another value. */
const moveSeq = (db: Db, from: number, to: number) => db.run("UPDATE audit_records SET seq = $1 WHERE seq = $2", [to, from]);

for (const backend of backends()) {
  describe.skipIf(backend.skip !== undefined)(`audit log on ${backend.name}${backend.skip ? ` (${backend.skip})` : ""}`, () => {
    it("assigns seq, id, time and the hash chain, and verifies", async () => {
      let t = Date.parse("2026-01-01T00:00:00Z");
      const log = await fresh(await backend.fresh(), 5, { now: () => new Date((t += 1000)) });
      const all = [];
      for await (const r of log.list()) all.push(r);
      expect(all.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(all[0]!.prev_hash).toBe(ZERO_HASH);
      expect(all[0]!.time).toBe("2026-01-01T00:00:01.000Z");
      for (const [i, r] of all.entries()) {
        const { hash, ...rest } = r;
        expect(hash).toBe(sha256(canonicalJSON(rest)));
        if (i > 0) expect(r.prev_hash).toBe(all[i - 1]!.hash);
      }
      expect(new Set(all.map((r) => r.id)).size).toBe(5);
      expect(await log.head()).toEqual({ seq: 5, hash: all[4]!.hash });
      expect(await log.count()).toBe(5);
      const since = [];
      for await (const r of log.list({ since: "2026-01-01T00:00:04Z" })) since.push(r.seq);
      expect(since).toEqual([4, 5]);
      const v = await log.verify();
      expect(v).toEqual({ ok: true, records: 5, head: { seq: 5, hash: all[4]!.hash } });
      expect((await log.verify({ expectHead: formatHead(v.head) })).ok).toBe(true);
      expect((await log.verify({ expectHead: all[2]!.hash })).ok).toBe(true);
    });

    it("verifies an empty log", async () => {
      const log = await fresh(await backend.fresh(), 0);
      expect(await log.verify()).toEqual({ ok: true, records: 0, head: { seq: 0, hash: ZERO_HASH } });
      expect(await log.head()).toEqual({ seq: 0, hash: ZERO_HASH });
    });

    it("reads by seq and id, lists with filters, pages through a long log, exports JSONL", async () => {
      const log = await fresh(await backend.fresh(), 0, { pageSize: 7 });
      const entries: AuditEntry[] = [];
      for (let i = 1; i <= 250; i++) entries.push(i % 3 === 0 ? { type: "intent", action_id: `a-${i}` } : entry(i));
      await log.appendAll(entries);
      const r7 = await log.get(7);
      expect(r7?.action_id).toBe("act-7");
      expect(await log.get(r7!.id)).toEqual(r7);
      expect(await log.get(99_999)).toBeUndefined();
      let n = 0;
      for await (const r of log.list({ type: "intent" })) {
        expect(r.type).toBe("intent");
        n++;
      }
      expect(n).toBe(83);
      const some = [];
      for await (const r of log.list({ since: 200, type: "decision", limit: 10 })) some.push(r.seq);
      expect(some).toEqual([200, 202, 203, 205, 206, 208, 209, 211, 212, 214]);
      const newest = [];
      for await (const r of log.list({ desc: true, limit: 10 })) newest.push(r.seq);
      expect(newest).toEqual([250, 249, 248, 247, 246, 245, 244, 243, 242, 241]);
      const byAction = [];
      for await (const r of log.list({ action_id: "act-10" })) byAction.push(r.seq);
      expect(byAction).toEqual([10]);
      const lines: string[] = [];
      expect(await log.exportJSONL((l) => lines.push(l))).toBe(250);
      const first = JSON.parse(lines[0]!);
      expect(first).toEqual(await log.get(1));
      expect(lines[0]).toBe(`${canonicalJSON(first)}\n`);
      const progress: number[] = [];
      expect((await log.verify({ progressEvery: 100, onProgress: (n, total) => progress.push(n, total) })).records).toBe(250);
      expect(progress).toEqual([100, 250, 200, 250, 250, 250]);
    });

    it("checks a clean log from the stored bytes alone: no record read on the general path", async () => {
      const log = await fresh(await backend.fresh(), 0, { pageSize: 4 });
      // Non-ASCII text, escapes-free state rows, an action_id of null: all on the fast path.
      await log.appendAll([
        entry(1),
        { ...entry(2), decision: { ...entry(2).decision!, result: { allow: true, note: "Zoë 日本 🎉 \u2028" } } },
        { type: "approval", action_id: "a-3", state: { table: "approvals", key: "k-3", value: { status: "approved" } } },
        ...Array.from({ length: 7 }, (_, i) => entry(10 + i)),
      ]);
      const query = log.db.query.bind(log.db);
      let general = 0;
      (log.db as { query: Db["query"] }).query = (sql, params) => {
        if (sql.includes("WHERE seq = $1")) general++;
        return query(sql, params);
      };
      const v = await log.verify();
      expect(v).toMatchObject({ ok: true, records: 10 });
      expect(general).toBe(0);
      // A record the fast path leaves alone (an escape in its body) is still checked, on the general path.
      await log.append({ ...entry(20), decision: { ...entry(20).decision!, result: { allow: true, note: 'say "hi"\n' } } });
      expect((await log.verify()).ok).toBe(true);
      expect(general).toBe(1);
    });

    it("verifies its JSONL export, and names the first bad line's record", async () => {
      const log = await fresh(await backend.fresh());
      const lines: string[] = [];
      await log.exportJSONL((l) => lines.push(l.trimEnd()));
      const head = (await log.verify()).head;
      expect(await verifyJSONL(lines, { expectHead: formatHead(head) })).toEqual({ ok: true, records: 10, head });
      // Same content in other bytes (whitespace, key order): an export is checked by content, as before.
      const spaced = lines.map((l, i) => (i === 3 ? JSON.stringify(JSON.parse(l), null, 1).replace(/\n/g, " ") : l));
      expect((await verifyJSONL(spaced)).ok).toBe(true);
      const edit = (i: number, f: (rec: Record<string, unknown>) => void, rehash = false) =>
        lines.map((l, j) => {
          if (j !== i) return l;
          const { hash, ...rec } = JSON.parse(l) as Record<string, unknown>;
          f(rec);
          return canonicalJSON({ ...rec, hash: rehash ? sha256(canonicalJSON(rec)) : hash });
        });
      const who = (r: Record<string, unknown>) => ((r.initiator as { id: string }).id = "x");
      expect((await verifyJSONL(edit(4, who))).firstBad).toMatchObject({ seq: 5, reason: "hash_mismatch" });
      expect((await verifyJSONL(edit(4, who, true))).firstBad).toMatchObject({ seq: 5, reason: "rehashed" });
      expect((await verifyJSONL([...lines.slice(0, 4), lines[5]!, lines[4]!, ...lines.slice(6)])).firstBad).toMatchObject({ seq: 5, reason: "missing" });
      expect((await verifyJSONL([...lines.slice(0, 4), lines[4]!.slice(0, 50), ...lines.slice(5)])).firstBad).toMatchObject({ seq: 5, reason: "unparseable" });
      expect((await verifyJSONL(lines.slice(0, 8), { expectHead: formatHead(head) })).firstBad).toMatchObject({ reason: "expected_head_missing" });
      expect((await verifyJSONL(lines.map((l, i) => (i === 9 ? l.replace(/"hash":"[0-9a-f]{64}"/, `"hash":"${"5".repeat(64)}"`) : l)))).firstBad).toMatchObject({ seq: 10, reason: "hash_mismatch" });
    });

    describe("tampering: verify names the first bad record", () => {
      // want.id: the id of the record named (a seq: the id that record had before tampering).
      const cases: [string, (db: Db) => Promise<unknown>, { seq: number; reason: string; id?: number | string }][] = [
        ["a body field changed (details inside the result)", (db) => editBody(db, 5, (r) => ((r.decision as { result: { i: number } }).result.i = 50)), { seq: 5, reason: "hash_mismatch", id: 5 }],
        ["the type changed in the body", (db) => editBody(db, 5, (r) => (r.type = "approval")), { seq: 5, reason: "hash_mismatch", id: 5 }],
        ["the time changed in the body", (db) => editBody(db, 5, (r) => (r.time = "2020-01-01T00:00:00.000Z")), { seq: 5, reason: "hash_mismatch", id: 5 }],
        ["the initiator changed in the body", (db) => editBody(db, 5, (r) => ((r.initiator as { id: string }).id = "someone-else")), { seq: 5, reason: "hash_mismatch", id: 5 }],
        ["a field removed from the body", (db) => editBody(db, 5, (r) => delete r.initiator), { seq: 5, reason: "hash_mismatch", id: 5 }],
        ["the prev_hash changed in the body", (db) => editBody(db, 5, (r) => (r.prev_hash = "1".repeat(64))), { seq: 5, reason: "hash_mismatch", id: 5 }],
        ["the hash column changed", (db) => db.run("UPDATE audit_records SET hash = $1 WHERE seq = 5", ["2".repeat(64)]), { seq: 5, reason: "hash_mismatch", id: 5 }],
        ["the type column changed", (db) => db.run("UPDATE audit_records SET type = 'approval' WHERE seq = 5"), { seq: 5, reason: "column_mismatch", id: 5 }],
        ["the action_id column changed", (db) => db.run("UPDATE audit_records SET action_id = 'other' WHERE seq = 5"), { seq: 5, reason: "column_mismatch", id: 5 }],
        ["the id column changed", (db) => db.run("UPDATE audit_records SET id = 'forged-id' WHERE seq = 5"), { seq: 5, reason: "column_mismatch", id: 5 }],
        ["the time column changed", (db) => db.run("UPDATE audit_records SET time = '2020-01-01T00:00:00.000Z' WHERE seq = 5"), { seq: 5, reason: "column_mismatch", id: 5 }],
        ["a body made unparseable", (db) => db.run("UPDATE audit_records SET body = 'not json' WHERE seq = 5"), { seq: 5, reason: "unparseable", id: 5 }],
        ["a body re-serialised (same content, other bytes) and rehashed", async (db) => {
          const r = await row(db, 5);
          const body = JSON.stringify(JSON.parse(r.body), null, 1);
          await db.run("UPDATE audit_records SET body = $1, hash = $2 WHERE seq = 5", [body, sha256(body)]);
        }, { seq: 5, reason: "not_canonical", id: 5 }],
        ["a body changed and its hash recomputed", (db) => editBody(db, 5, (r) => ((r.initiator as { id: string }).id = "x"), true), { seq: 5, reason: "rehashed", id: 5 }],
        ["the last record changed and its hash recomputed", (db) => editBody(db, 10, (r) => ((r.initiator as { id: string }).id = "x"), true), { seq: 10, reason: "head_mismatch", id: 10 }],
        ["a record removed", (db) => db.run("DELETE FROM audit_records WHERE seq = 5"), { seq: 5, reason: "missing" }],
        ["the first record removed", (db) => db.run("DELETE FROM audit_records WHERE seq = 1"), { seq: 1, reason: "missing" }],
        ["a record removed and the later ones renumbered", async (db) => {
          await db.run("DELETE FROM audit_records WHERE seq = 5");
          for (let s = 6; s <= 10; s++) await moveSeq(db, s, s - 1);
        }, { seq: 5, reason: "seq_mismatch", id: 6 }],
        ["the tail removed", (db) => db.run("DELETE FROM audit_records WHERE seq >= 9"), { seq: 9, reason: "truncated" }],
        ["a record inserted (later ones shifted up, the forgery chained to the one before)", async (db) => {
          for (let s = 10; s >= 5; s--) await moveSeq(db, s, s + 1);
          const before = await row(db, 4);
          const forged = { type: "decision", action_id: "forged", seq: 5, id: "forged-1", time: "2026-01-01T00:00:00.000Z", prev_hash: before.hash };
          const body = canonicalJSON(forged);
          await db.run("INSERT INTO audit_records (seq, id, type, action_id, time, hash, body) VALUES (5, 'forged-1', 'decision', 'forged', $1, $2, $3)", [forged.time, sha256(body), body]);
        }, { seq: 5, reason: "inserted", id: "forged-1" }],
        ["a record appended past the head by hand", async (db) => {
          const forged = { type: "decision", action_id: "forged", seq: 11, id: "forged-1", time: "2026-01-01T00:00:00.000Z", prev_hash: "3".repeat(64) };
          const body = canonicalJSON(forged);
          await db.run("INSERT INTO audit_records (seq, id, type, action_id, time, hash, body) VALUES (11, 'forged-1', 'decision', 'forged', $1, $2, $3)", [forged.time, sha256(body), body]);
        }, { seq: 11, reason: "prev_hash_mismatch", id: "forged-1" }],
        ["two records swapped (their seq columns exchanged)", async (db) => {
          await moveSeq(db, 5, -1);
          await moveSeq(db, 6, 5);
          await moveSeq(db, -1, 6);
        }, { seq: 5, reason: "seq_mismatch", id: 6 }],
        ["two records' contents swapped under the same seqs", async (db) => {
          const [a, b] = [await row(db, 5), await row(db, 6)];
          await db.run("UPDATE audit_records SET id = $1 WHERE seq = 5", ["tmp"]);
          await db.run("UPDATE audit_records SET body = $1, hash = $2, id = $3 WHERE seq = 6", [a.body, a.hash, a.id]);
          await db.run("UPDATE audit_records SET body = $1, hash = $2, id = $3 WHERE seq = 5", [b.body, b.hash, b.id]);
          await db.run("UPDATE audit_records SET action_id = 'act-6' WHERE seq = 5");
          await db.run("UPDATE audit_records SET action_id = 'act-5' WHERE seq = 6");
        }, { seq: 5, reason: "seq_mismatch", id: 6 }],
        ["the seq column of a record edited", (db) => moveSeq(db, 5, 1000), { seq: 5, reason: "missing" }],
        ["the seq column of the last record edited", (db) => moveSeq(db, 10, 11), { seq: 10, reason: "missing" }],
        ["the head row removed", (db) => db.run("DELETE FROM audit_head"), { seq: 11, reason: "head_mismatch" }],
        // The stored bytes themselves: the fast path reads them as text and leaves anything unusual to the general path.
        ["a body's character written as an escape and rehashed (same content, other bytes)", (db) => rewrite(db, 5, (b) => b.replace('"type":"decision"', '"type":"decisio\\u006e"')), { seq: 5, reason: "not_canonical", id: 5 }],
        ["a body's keys reordered and rehashed", (db) => rewrite(db, 5, (b) => `{"type":"decision",${b.slice(1).replace(',"type":"decision"', "")}`), { seq: 5, reason: "not_canonical", id: 5 }],
        ["a duplicate key added to a body and rehashed", (db) => rewrite(db, 5, (b) => b.replace('"type":"decision"', '"type":"decision","type":"approval"')), { seq: 5, reason: "not_canonical", id: 5 }],
        ["a number in a body rewritten (1 as 1.0) and rehashed", (db) => rewrite(db, 5, (b) => b.replace('"seq":5', '"seq":5.0')), { seq: 5, reason: "not_canonical", id: 5 }],
        ["a tab added between a body's tokens and rehashed", (db) => rewrite(db, 5, (b) => b.replace('"type":"decision"', '"type":\t"decision"')), { seq: 5, reason: "not_canonical", id: 5 }],
        ["a raw newline added inside a body's string and rehashed", (db) => rewrite(db, 5, (b) => b.replace('"user-1"', '"user-\n1"')), { seq: 5, reason: "unparseable", id: 5 }],
        ["a body given its own hash member and rehashed", (db) => rewrite(db, 5, (b) => b.replace('"id":', `"hash":"${"4".repeat(64)}","id":`)), { seq: 5, reason: "not_canonical", id: 5 }],
        ["a body cut short (truncated bytes), its hash kept", (db) => db.run("UPDATE audit_records SET body = substr(body, 1, 40) WHERE seq = 5"), { seq: 5, reason: "unparseable", id: 5 }],
        ["the subject column set on a record without state", (db) => db.run("UPDATE audit_records SET subject = 'approvals/x' WHERE seq = 5"), { seq: 5, reason: "column_mismatch", id: 5 }],
        ["the action_id column set to NULL", (db) => db.run("UPDATE audit_records SET action_id = NULL WHERE seq = 5"), { seq: 5, reason: "column_mismatch", id: 5 }],
        ["three records rotated (4, 5, 6 stored as 5, 6, 4)", async (db) => {
          await moveSeq(db, 4, -1);
          await moveSeq(db, 5, 4);
          await moveSeq(db, 6, 5);
          await moveSeq(db, -1, 6);
        }, { seq: 4, reason: "seq_mismatch", id: 5 }],
      ];
      // Page size 3: the tampered record sits mid-page, at a page's edge, or past the first page.
      for (const [what, tamper, want] of cases) for (const pageSize of [2000, 3]) {
        it(`${what}${pageSize === 3 ? " (pages of 3)" : ""}`, async () => {
          const log = await fresh(await backend.fresh(), 10, { pageSize });
          const ids = new Map<number, string>();
          for await (const r of log.list()) ids.set(r.seq, r.id);
          await tamper(log.db);
          const v = await log.verify();
          expect(v.ok).toBe(false);
          expect(v.firstBad).toMatchObject({ seq: want.seq, reason: want.reason });
          expect(v.records).toBe(want.seq - 1);
          expect(v.head.seq).toBe(want.seq - 1);
          if (want.id !== undefined) expect(v.firstBad!.id).toBe(typeof want.id === "number" ? ids.get(want.id) : want.id);
          else expect(v.firstBad!.id).toBeUndefined();
          expect(v.firstBad!.message).toContain(String(want.seq));
        });
      }

      it("a careful truncation (head row rewritten too) passes alone but fails against a head noted earlier", async () => {
        const log = await fresh(await backend.fresh());
        const noted = formatHead((await log.verify()).head);
        const r8 = await row(log.db, 8);
        await log.db.run("DELETE FROM audit_records WHERE seq >= 9");
        await log.db.run("UPDATE audit_head SET seq = 8, hash = $1", [r8.hash]);
        expect((await log.verify()).ok).toBe(true);
        const v = await log.verify({ expectHead: noted });
        expect(v.ok).toBe(false);
        expect(v.firstBad).toMatchObject({ seq: 10, reason: "expected_head_missing" });
        const byHash = await log.verify({ expectHead: noted.split(":")[1] });
        expect(byHash.firstBad?.reason).toBe("expected_head_missing");
      });

      it("a tail rewritten from a record on is caught by a head noted earlier", async () => {
        const log = await fresh(await backend.fresh());
        const noted = formatHead((await log.verify()).head);
        // Rewrite record 10 and rehash it, then fix the head row as a careful attacker would.
        await editBody(log.db, 10, (r) => ((r.initiator as { id: string }).id = "x"), true);
        await log.db.run("UPDATE audit_head SET hash = (SELECT hash FROM audit_records WHERE seq = 10)");
        expect((await log.verify()).ok).toBe(true);
        expect((await log.verify({ expectHead: noted })).firstBad).toMatchObject({ seq: 10, reason: "expected_head_missing" });
      });
    });

    it("rejects entries that do not fit the schema and writes nothing", async () => {
      const log = await fresh(await backend.fresh(), 2);
      const head = await log.head();
      const bad: [unknown, RegExp][] = [
        [{ type: "gossip" }, /\/type/],
        [{ type: "decision", surprise: 1 }, /\/surprise: is not allowed/],
        [{ type: "decision", initiator: { id: "has spaces" } }, /\/initiator\/id/],
        [{ type: "decision", decision: { revision: "r" } }, /\/decision\/decision_id: is required/],
        [{ type: "outcome", status: "exploded" }, /\/status/],
        [{ type: "decision", request_hash: "abc" }, /\/request_hash/],
        [{ type: "decision", seq: 7 }, /\/seq: is assigned by the audit log/],
        [{ type: "decision", hash: ZERO_HASH }, /\/hash: is assigned/],
        [{ type: "decision", details: { n: NaN } }, /cannot hold NaN/],
        [{}, /\/type: is required/],
        [null, /must be object/],
      ];
      for (const [e, message] of bad) {
        const err = await log.append(e as AuditEntry).then(
          () => undefined,
          (x: unknown) => x,
        );
        expect(err, JSON.stringify(e)).toBeInstanceOf(SchemaError);
        expect(String((err as Error).message)).toMatch(message);
      }
      await expect(log.appendAll([entry(3), { type: "nope" } as unknown as AuditEntry])).rejects.toBeInstanceOf(SchemaError);
      expect(await log.count()).toBe(2);
      expect(await log.head()).toEqual(head);
      expect((await log.verify()).ok).toBe(true);
    });

    it("keeps one chain under concurrent appends in one process", async () => {
      const log = await fresh(await backend.fresh(), 0);
      await Promise.all(Array.from({ length: 100 }, (_, i) => log.append(entry(i))));
      expect(await log.count()).toBe(100);
      expect(await log.verify()).toMatchObject({ ok: true, records: 100 });
    });

    it("two writer processes appending 200 records each make one unbroken chain of 400", async () => {
      const url = await backend.fresh();
      const log = await fresh(url, 0); // creates the tables before the writers race
      const writers = ["w1", "w2"].map((tag) => spawnFixture("writer.ts", [url, "200", tag]));
      await Promise.all(writers.map((w) => new Promise((resolve) => w.once("message", resolve))));
      const done = writers.map(exited);
      for (const w of writers) w.send("go");
      expect(await Promise.all(done)).toEqual([
        { code: 0, signal: null },
        { code: 0, signal: null },
      ]);
      expect(await log.count()).toBe(400);
      const v = await log.verify();
      expect(v).toMatchObject({ ok: true, records: 400, head: { seq: 400 } });
      const byWriter = { w1: [] as number[], w2: [] as number[] };
      const order: string[] = [];
      for await (const r of log.list()) {
        const d = r.details as { writer: "w1" | "w2"; i: number };
        byWriter[d.writer].push(d.i);
        order.push(d.writer);
      }
      expect(byWriter.w1).toEqual(Array.from({ length: 200 }, (_, i) => i));
      expect(byWriter.w2).toEqual(Array.from({ length: 200 }, (_, i) => i));
      // Both writers' records are in one chain. Whether they interleave depends on scheduling:
      // SQLite's busy handler may let one writer finish while the other waits, so it is not asserted.
      expect(new Set(order)).toEqual(new Set(["w1", "w2"]));
    });

    it("a crash between intent and outcome leaves a visible incomplete action", async () => {
      const url = await backend.fresh();
      const log = await fresh(url, 0);
      await audited(log, { action_id: "done-1", executed: { action: "order.lookup", parameters: { order: "A-1" } } }, async () => ({ found: true }));
      await expect(
        audited(log, { action_id: "failed-1", executed: { action: "discount.apply", parameters: {} } }, async () => {
          throw new Error("payment service down");
        }),
      ).rejects.toThrow("payment service down");
      const child = spawnFixture("crash.ts", [url, "crashed-1"]);
      expect(await exited(child)).toEqual({ code: null, signal: "SIGKILL" });
      const incomplete = await log.incomplete();
      expect(incomplete.map((r) => r.action_id)).toEqual(["crashed-1"]);
      expect(incomplete[0]).toMatchObject({ type: "intent", executed: { action: "refund.issue", parameters: { amount: 750 } } });
      const outcomes = [];
      for await (const r of log.list({ type: "outcome" })) outcomes.push([r.action_id, r.status, r.output ?? r.error]);
      expect(outcomes).toEqual([
        ["done-1", "succeeded", { found: true }],
        ["failed-1", "failed", "payment service down"],
      ]);
      // The outcome, once recorded (e.g. by a recovery job), completes it.
      await recordOutcome(log, "crashed-1", { status: "aborted", error: "process died before the outcome was recorded" });
      expect(await log.incomplete()).toEqual([]);
      expect((await log.verify()).ok).toBe(true);
    });

    it("records an AbortError as aborted", async () => {
      const log = await fresh(await backend.fresh(), 0);
      await recordIntent(log, { action_id: "x" });
      const abort = Object.assign(new Error("kill switch"), { name: "AbortError" });
      await expect(audited(log, { action_id: "y" }, () => Promise.reject(abort))).rejects.toBe(abort);
      const [rec] = await (async () => {
        const out = [];
        for await (const r of log.list({ action_id: "y", type: "outcome" })) out.push(r);
        return out;
      })();
      expect(rec).toMatchObject({ status: "aborted", error: "kill switch" });
      expect((await log.incomplete()).map((r) => r.action_id)).toEqual(["x"]);
    });

    describe("db adapter", () => {
      it("runs portable SQL with $n placeholders, transactions and migrations", async () => {
        const db = await openStore(await backend.fresh());
        try {
          const v = await migrate(db, "test", [(q) => `CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT, n ${q.types.int})`]);
          expect(v).toBe(1);
          expect(await migrate(db, "test", [(q) => `CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT, n ${q.types.int})`])).toBe(1);
          expect(await migrate(db, "test", ["CREATE TABLE kv (k TEXT PRIMARY KEY)", "ALTER TABLE kv ADD COLUMN w TEXT"])).toBe(2);
          expect(await db.run("INSERT INTO kv (k, v, n) VALUES ($1, $2, $3)", ["a", "it's $1", 2 ** 40])).toBe(1);
          const rows = await db.query("SELECT k, v, n FROM kv WHERE k = $1 AND n = $2 AND $1 = k", ["a", 2 ** 40]);
          expect(rows).toEqual([{ k: "a", v: "it's $1", n: 2 ** 40 }]);
          await expect(
            db.transaction(async (tx) => {
              await tx.run("INSERT INTO kv (k, v, n) VALUES ($1, $2, $3)", ["b", "x", 1]);
              throw new Error("roll back");
            }),
          ).rejects.toThrow("roll back");
          expect(await db.query("SELECT k FROM kv ORDER BY k")).toEqual([{ k: "a" }]);
          const got = await db.transaction(async (tx) => {
            const [r] = await tx.query<{ n: number }>(`SELECT n FROM kv WHERE k = $1${tx.forUpdate}`, ["a"]);
            await tx.run("UPDATE kv SET n = $1 WHERE k = $2", [r!.n + 1, "a"]);
            return (await tx.query<{ n: number }>("SELECT n FROM kv WHERE k = 'a'"))[0]!.n;
          });
          expect(got).toBe(2 ** 40 + 1);
          expect(await db.query("INSERT INTO kv (k, v, n) VALUES ($1, $2, $3) ON CONFLICT (k) DO UPDATE SET v = excluded.v RETURNING v", ["a", "new", 0])).toEqual([{ v: "new" }]);
          expect(await db.query<{ c: number }>("SELECT COUNT(*) AS c FROM kv")).toEqual([{ c: 1 }]);
        } finally {
          await db.close();
        }
      });
    });
  });
}

describe("placeholder translation for SQLite", () => {
  it("turns $n into ? in order, repeating and skipping quoted text", () => {
    expect(translatePlaceholders("SELECT * FROM t WHERE a = $2 AND b = '$1' AND \"$3\" = $1 AND c = $2")).toEqual({
      sql: "SELECT * FROM t WHERE a = ? AND b = '$1' AND \"$3\" = ? AND c = ?",
      order: [1, 0, 1],
    });
  });
});

describe("store URLs", () => {
  it("opens a plain path, creating its directory, in WAL mode", async () => {
    const { mkdtempSync, existsSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "warden-url-"));
    const db = await openStore(join(dir, "deep", "w.db"));
    expect(db.dialect).toBe("sqlite");
    expect(await db.query("PRAGMA journal_mode")).toEqual([{ journal_mode: "wal" }]);
    await db.close();
    expect(existsSync(join(dir, "deep", "w.db"))).toBe(true);
  });
});
