// The attacks of issue 13, on SQLite and PostgreSQL, as an insider with write access to the store
// would make them, each after checkpoints were taken (at 20 and 40 records, as a governor writes
// them every N records): the hash chain still verifies after every one of them (it only proves
// the store agrees with itself), and `warden audit verify --checkpoint` exits 1 naming the first
// record that disagrees. Then receipts: one decision verifies offline against a checkpoint and
// fails after any byte of its record or proof changes. Then the witness refusing a fork.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { AuditLog, type AuditEntry } from "../../src/audit/log.ts";
import { ZERO_HASH, sha256 } from "../../src/audit/chain.ts";
import { canonicalJSON } from "../../src/canonical-json.ts";
import { COSIGNATURE_V1, generateKey, openCheckpoint, signCheckpoint } from "../../src/audit/checkpoint.ts";
import { verifyStore } from "../../src/audit/consistency.ts";
import { buildReceipt, verifyReceipt, ReceiptError, type Receipt } from "../../src/audit/receipt.ts";
import { syncTree, treeHead } from "../../src/audit/tree.ts";
import type { Db } from "../../src/audit/db.ts";
import { backends } from "./backends.ts";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
function warden(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(ROOT, "bin/warden.mjs"), ...args], { cwd: ROOT }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), "warden-tlog-"));
const KEY = generateKey("warden.example/audit");
const VKEY = join(dir, "log.vkey");
writeFileSync(VKEY, `${KEY.verifierKey}\n`);

const refund = (i: number, tag = "a"): AuditEntry => ({
  type: "decision",
  action_id: `act-${tag}-${i}`,
  request_hash: sha256(`request-${tag}-${i}`),
  decision: { decision_id: `dec-${tag}-${i}`, revision: "rev-1", entrypoint: "governance/decision", result: { allow: true, category: "auto" } },
  executed: { action: "refund.issue", parameters: { amount: 750, order: `A-${i}` } },
});

const open: AuditLog[] = [];
afterEach(async () => {
  for (const l of open.splice(0)) await l.close();
});

/** A log (its appends extend the tree in the same transaction). */
async function logAt(url: string, deterministic = false): Promise<AuditLog> {
  const log = await AuditLog.open(url, deterministic ? { now: () => new Date("2026-12-02T07:00:00.000Z"), newId: (seq) => `rec-${seq}` } : {});
  open.push(log);
  return log;
}
async function append(log: AuditLog, entries: AuditEntry[]): Promise<void> {
  await log.appendAll(entries);
}
/** A signed checkpoint of the store's tree now, written to a file outside the store. */
async function checkpoint(log: AuditLog, name: string): Promise<string> {
  await syncTree(log.db);
  const head = await treeHead(log.db);
  const file = join(dir, `${name}.${head.size}`);
  writeFileSync(file, signCheckpoint({ origin: "warden.example/audit", size: head.size, root: head.root, extensions: [] }, KEY.signer));
  return file;
}

// --- the attacker's tools: plain SQL on the store --------------------------------------------
const bodyOf = async (db: Db, seq: number) => JSON.parse((await db.query<{ body: string }>("SELECT body FROM audit_records WHERE seq = $1", [seq]))[0]!.body);
/** Recomputes every record's prev_hash and hash from `from` on, and moves the head row. */
async function rechain(db: Db, from: number): Promise<void> {
  const [{ n }] = (await db.query<{ n: number }>("SELECT COALESCE(MAX(seq), 0) AS n FROM audit_records")) as [{ n: number }];
  let prev = from > 1 ? (await db.query<{ hash: string }>("SELECT hash FROM audit_records WHERE seq = $1", [from - 1]))[0]!.hash : ZERO_HASH;
  for (let seq = from; seq <= Number(n); seq++) {
    const rec = await bodyOf(db, seq);
    rec.prev_hash = prev;
    const body = canonicalJSON(rec);
    prev = sha256(body);
    await db.run("UPDATE audit_records SET body = $1, hash = $2 WHERE seq = $3", [body, prev, seq]);
  }
  await db.run("UPDATE audit_head SET seq = $1, hash = $2 WHERE one = 1", [Number(n), Number(n) ? prev : ZERO_HASH]);
}
async function editAmount(db: Db, seq: number, amount: number): Promise<void> {
  const rec = await bodyOf(db, seq);
  rec.executed.parameters.amount = amount;
  await db.run("UPDATE audit_records SET body = $1 WHERE seq = $2", [canonicalJSON(rec), seq]);
  await rechain(db, seq);
}
async function deleteAndRenumber(db: Db, seq: number): Promise<void> {
  const [{ n }] = (await db.query<{ n: number }>("SELECT MAX(seq) AS n FROM audit_records")) as [{ n: number }];
  await db.run("DELETE FROM audit_records WHERE seq = $1", [seq]);
  for (let s = seq + 1; s <= Number(n); s++) {
    const rec = await bodyOf(db, s);
    rec.seq = s - 1;
    await db.run("UPDATE audit_records SET seq = $1, body = $2 WHERE seq = $3", [s - 1, canonicalJSON(rec), s]);
  }
  await rechain(db, seq);
}
async function forgeTail(db: Db): Promise<void> {
  const [h] = await db.query<{ seq: number; hash: string }>("SELECT seq, hash FROM audit_head WHERE one = 1");
  const seq = Number(h!.seq) + 1;
  const rec = { ...(await bodyOf(db, seq - 1)), seq, id: "forged-1", action_id: "act-forged", prev_hash: h!.hash, time: new Date().toISOString() };
  const body = canonicalJSON(rec);
  await db.run("INSERT INTO audit_records (seq, id, type, action_id, time, hash, body) VALUES ($1, $2, $3, $4, $5, $6, $7)", [seq, rec.id, rec.type, rec.action_id, rec.time, sha256(body), body]);
  await db.run("UPDATE audit_head SET seq = $1, hash = $2 WHERE one = 1", [seq, sha256(body)]);
}
async function rebuildTree(db: Db): Promise<void> {
  await db.run("DELETE FROM audit_tree");
  await syncTree(db);
}

async function verifyCLI(url: string, files: string[]) {
  const r = await warden(["audit", "verify", "--store", url, ...files.flatMap((f) => ["--checkpoint", f]), "--verifier", VKEY, "--json"]);
  const text = await warden(["audit", "verify", "--store", url, ...files.flatMap((f) => ["--checkpoint", f]), "--verifier", VKEY]);
  expect(text.code).toBe(r.code);
  return { code: r.code, json: JSON.parse(r.stdout), text: text.stdout, stderr: r.stderr };
}

for (const backend of backends()) {
  describe.skipIf(backend.skip)(`attacks caught by checkpoints on ${backend.name}`, { timeout: 300_000 }, () => {
    async function fortyWithCheckpoints(url: string, deterministic = false) {
      const log = await logAt(url, deterministic);
      await append(log, Array.from({ length: 20 }, (_, i) => refund(i + 1)));
      const cp20 = await checkpoint(log, `${backend.name}-${url.length}-${Math.random()}`);
      await append(log, Array.from({ length: 20 }, (_, i) => refund(i + 21)));
      const cp40 = await checkpoint(log, `${backend.name}-${url.length}-${Math.random()}`);
      return { log, files: [cp20, cp40] };
    }
    const chainStillVerifies = async (log: AuditLog) => expect((await log.verify()).ok).toBe(true);

    it("intact: exit 0", async () => {
      const url = await backend.fresh();
      const { files } = await fortyWithCheckpoints(url);
      const r = await verifyCLI(url, files);
      expect(r.code).toBe(0);
      expect(r.json).toMatchObject({ ok: true, checkpoints: { ok: true, records: 40, agreed: 2, signed: true } });
    });

    it("a record edited (refund 750 -> 75) with the chain and head recomputed", async () => {
      const url = await backend.fresh();
      const { log, files } = await fortyWithCheckpoints(url);
      await editAmount(log.db, 17, 75);
      await chainStillVerifies(log);
      const r = await verifyCLI(url, files);
      expect(r.code).toBe(1);
      expect(r.json.checkpoints.firstBad).toMatchObject({ seq: 17, problem: "rewritten", exact: true });
      expect(r.text).toContain("FAILED: first disagreeing record: seq 17");
    });

    it("the same edit with the tree rebuilt too: still caught, the record bracketed by the checkpoints", async () => {
      const url = await backend.fresh();
      const { log, files } = await fortyWithCheckpoints(url);
      await editAmount(log.db, 27, 75);
      await rebuildTree(log.db);
      await chainStillVerifies(log);
      const r = await verifyCLI(url, files);
      expect(r.code).toBe(1);
      expect(r.json.checkpoints.firstBad).toMatchObject({ seq: 21, last: 40, problem: "rewritten", exact: false });
    });

    it("a record deleted and the rest renumbered and re-chained", async () => {
      const url = await backend.fresh();
      const { log, files } = await fortyWithCheckpoints(url);
      await deleteAndRenumber(log.db, 12);
      await chainStillVerifies(log);
      const r = await verifyCLI(url, files);
      expect(r.code).toBe(1);
      expect(r.json.checkpoints.firstBad).toMatchObject({ seq: 12, problem: "rewritten", exact: true });
    });

    it("the tail truncated with the head moved", async () => {
      const url = await backend.fresh();
      const { log, files } = await fortyWithCheckpoints(url);
      await log.db.run("DELETE FROM audit_records WHERE seq >= 35");
      await rechain(log.db, 35);
      await chainStillVerifies(log);
      const r = await verifyCLI(url, files);
      expect(r.code).toBe(1);
      expect(r.json.checkpoints.firstBad).toMatchObject({ seq: 35, problem: "truncated", exact: true });
      expect(r.text).toContain("records 35..40 are missing");
    });

    it("the store emptied (records, head and tree)", async () => {
      const url = await backend.fresh();
      const { log, files } = await fortyWithCheckpoints(url);
      await log.db.run("DELETE FROM audit_records");
      await rechain(log.db, 1);
      await rebuildTree(log.db);
      expect(await log.verify()).toMatchObject({ ok: true, records: 0 });
      const r = await verifyCLI(url, files);
      expect(r.code).toBe(1);
      expect(r.json.checkpoints.firstBad).toMatchObject({ seq: 1, problem: "emptied" });
    });

    it("a forged record appended at the tail with the head moved", async () => {
      const url = await backend.fresh();
      const { log, files } = await fortyWithCheckpoints(url);
      await forgeTail(log.db);
      await chainStillVerifies(log);
      const r = await verifyCLI(url, files);
      expect(r.code).toBe(1);
      expect(r.json.checkpoints.firstBad).toMatchObject({ seq: 41, id: "forged-1", problem: "not_in_tree", exact: true });
    });

    it("a fork: two stores that diverge after a common prefix of 20 records; the witness refuses the other branch", async () => {
      const urlA = await backend.fresh();
      const a = await fortyWithCheckpoints(urlA, true);
      const urlB = await backend.fresh();
      const b = await logAt(urlB, true);
      await append(b, Array.from({ length: 20 }, (_, i) => refund(i + 1)));
      await append(b, Array.from({ length: 20 }, (_, i) => refund(i + 21, "b")));
      expect((await b.verify()).ok).toBe(true);
      const r = await verifyCLI(urlB, a.files);
      expect(r.code).toBe(1);
      // B agrees with A's checkpoint of 20 and not with its checkpoint of 40.
      expect(r.json.checkpoints).toMatchObject({ agreed: 1, firstBad: { seq: 21, problem: "rewritten" } });
      // The witness saw A's 40; B's 40, signed by the same log key (a split view), is refused.
      const wkey = generateKey("witness.example/w1", COSIGNATURE_V1);
      const wfile = join(dir, `w-${backend.name}.key`);
      writeFileSync(wfile, wkey.signerKey);
      const state = join(dir, `wstate-${backend.name}`);
      const first = await warden(["audit", "witness", "--checkpoint", a.files[1]!, "--key", wfile, "--verifier", VKEY, "--state", state, "--json"]);
      expect(first.code).toBe(0);
      const cpB = await checkpoint(b, `fork-${backend.name}`);
      const refused = await warden(["audit", "witness", "--checkpoint", cpB, "--key", wfile, "--verifier", VKEY, "--state", state, "--json"]);
      expect(refused.code).toBe(1);
      expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, refused: "fork" });
      // A's next checkpoint, with A's consistency proof, is cosigned.
      await append(a.log, [refund(41)]);
      const cp41 = await checkpoint(a.log, `next-${backend.name}`);
      const next = await warden(["audit", "witness", "--checkpoint", cp41, "--key", wfile, "--verifier", VKEY, "--state", state, "--store", urlA, "--json"]);
      expect(next.code).toBe(0);
      expect(JSON.parse(next.stdout)).toMatchObject({ ok: true, size: 41 });
    });
  });

  describe.skipIf(backend.skip)(`receipts on ${backend.name}`, { timeout: 300_000 }, () => {
    it("a decision's receipt verifies offline against a checkpoint and fails after any byte of record or proof changes", async () => {
      const url = await backend.fresh();
      const log = await logAt(url);
      await append(log, Array.from({ length: 9 }, (_, i) => refund(i + 1)));
      const cpFile = await checkpoint(log, `receipt-${backend.name}`);
      await append(log, [refund(10)]);
      const note = readFileSync(cpFile, "utf8");
      const cp = openCheckpoint(note, KEY.signer);
      const receipt = await buildReceipt(log.db, "act-a-5", { checkpoint: cp, note });
      expect(receipt).toMatchObject({ action_id: "act-a-5", revision: "rev-1", request_digest: sha256("request-a-5"), record: { seq: 5 } });
      expect(receipt.record.inclusion!.proof.length).toBe(4);
      expect(verifyReceipt(receipt, cp)).toMatchObject({ seq: 5, tree_size: 9 });
      const failsWith = (r: Receipt) => {
        try {
          verifyReceipt(r, cp);
          return "ok";
        } catch (e) {
          if (e instanceof ReceiptError) return e.code;
          return "threw";
        }
      };
      const body = receipt.record.body;
      for (let i = 0; i < body.length; i++) {
        const changed = body.slice(0, i) + (body[i] === "1" ? "2" : "1") + body.slice(i + 1);
        expect(failsWith({ ...receipt, record: { ...receipt.record, body: changed } }), `body byte ${i}`).not.toBe("ok");
      }
      const proof = receipt.record.inclusion!.proof;
      for (let p = 0; p < proof.length; p++) {
        for (let i = 0; i < 64; i++) {
          const h = proof[p]!;
          const changed = [...proof];
          changed[p] = h.slice(0, i) + (h[i] === "0" ? "1" : "0") + h.slice(i + 1);
          expect(failsWith({ ...receipt, record: { ...receipt.record, inclusion: { ...receipt.record.inclusion!, proof: changed } } }), `proof[${p}] char ${i}`).toBe("proof_failed");
        }
      }
      expect(failsWith({ ...receipt, record: { ...receipt.record, inclusion: { ...receipt.record.inclusion!, proof: proof.slice(1) } } })).toBe("proof_failed");
      expect(failsWith({ ...receipt, revision: "rev-2" })).toBe("field_mismatch");
      expect(failsWith({ ...receipt, record: { ...receipt.record, seq: 6 } })).not.toBe("ok");
      // Not covered by a checkpoint yet: no proof.
      const late = await buildReceipt(log.db, "act-a-10", { checkpoint: cp, note });
      expect(late.record.inclusion).toBeUndefined();
      expect(failsWith(late)).toBe("not_covered");
    });

    it("warden audit receipt / verify-receipt, offline, exit 1 on a changed byte", async () => {
      const url = await backend.fresh();
      const log = await logAt(url);
      await append(log, Array.from({ length: 6 }, (_, i) => refund(i + 1)));
      const cpFile = await checkpoint(log, `rcli-${backend.name}`);
      const out = join(dir, `receipt-${backend.name}.json`);
      const made = await warden(["audit", "receipt", "act-a-4", "--store", url, "--checkpoint", cpFile, "--verifier", VKEY, "-o", out]);
      expect(made.code).toBe(0);
      const ok = await warden(["audit", "verify-receipt", out, "--checkpoint", cpFile, "--verifier", VKEY, "--json"]);
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, seq: 4, tree_size: 6, signed: true });
      const text = readFileSync(out, "utf8");
      writeFileSync(out, text.replace('\\"amount\\":750', '\\"amount\\":75'));
      const bad = await warden(["audit", "verify-receipt", out, "--checkpoint", cpFile, "--verifier", VKEY]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain("hash_mismatch");
    });

    it("verifyStore agrees with the CLI on an intact store with a lagging tree (before the append hook)", async () => {
      const url = await backend.fresh();
      const log = await AuditLog.open(url);
      open.push(log);
      for (let i = 1; i <= 5; i++) await log.append(refund(i));
      const file = await checkpoint(log, `lag-${backend.name}`);
      await log.append(refund(6)); // not in the tree, and the tree is not kept on append: fine
      const cp = openCheckpoint(readFileSync(file, "utf8"), KEY.signer);
      expect(await verifyStore(log.db, [cp])).toMatchObject({ ok: true, records: 6, agreed: 1 });
    });
  });
}

describe("usage", { timeout: 120_000 }, () => {
  it("--help lists the new subcommands; mistakes exit 2", async () => {
    const help = await warden(["audit", "--help"]);
    for (const s of ["audit checkpoint", "audit prove SEQ", "audit consistency OLD NEW", "audit verify --checkpoint", "audit receipt ACTION_ID", "audit verify-receipt", "audit witness"]) expect(help.stdout).toContain(s);
    const mistakes = await Promise.all([
      warden(["audit", "prove"]),
      warden(["audit", "prove", "x", "--store", join(dir, "none.db")]),
      warden(["audit", "checkpoint", "--witness"]),
      warden(["audit", "verify", "--checkpoint", join(dir, "missing")]),
      warden(["audit", "witness", "--checkpoint", join(dir, "missing")]),
    ]);
    expect(mistakes.map((m) => m.code)).toEqual([2, 2, 2, 2, 2]);
  });
});
