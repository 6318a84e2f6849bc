// `warden audit prove`, `consistency` and `witness --proof` as an auditor uses them: the JSON
// they print is checked here with the RFC 9162 algorithms alone (merkle.ts), against the signed
// checkpoints; and a receipt of an action that relied on an approval proves both records.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/log.ts";
import { sha256 } from "../../src/audit/chain.ts";
import { COSIGNATURE_V1, generateKey, openCheckpoint, parseVerifierKey, verifyCosignature } from "../../src/audit/checkpoint.ts";
import { fromHex, leafHash, verifyConsistency, verifyInclusion } from "../../src/audit/merkle.ts";
import { buildReceipt, verifyReceipt } from "../../src/audit/receipt.ts";
import type { Approval } from "../../src/schemas/types.ts";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
function warden(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(ROOT, "bin/warden.mjs"), ...args], { cwd: ROOT }, (err, stdout, stderr) => done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

const dir = mkdtempSync(join(tmpdir(), "warden-tlog-cli-"));
const store = join(dir, "w.db");
const keys = join(dir, "keys");
let log: AuditLog;
const approval = (action_id: string): Approval => ({
  approval_id: "ap-1",
  action_id,
  request_hash: sha256("req"),
  revision: "rev-1",
  route: { approver_role: "lead", sla_minutes: 60, escalation: [] },
  status: "consumed",
  level: 0,
  approver_role: "lead",
  requested_by: { id: "bot-1" },
  created_at: "2026-11-01T00:00:00Z",
  due_at: "2026-11-01T01:00:00Z",
  history: [],
});

beforeAll(async () => {
  log = await AuditLog.open(store);
  for (let i = 1; i <= 10; i++) await log.append({ type: "decision", action_id: `act-${i}`, request_hash: sha256(`req-${i}`), decision: { decision_id: `d${i}`, revision: "rev-1", entrypoint: "governance/decision", result: { allow: true } } });
  await log.append({ type: "intent", action_id: "act-4", request_hash: sha256("req-4"), approval: approval("act-4"), executed: { action: "refund.issue", parameters: { amount: 750 } } });
});
afterAll(async () => {
  await log.close();
});

describe("auditor's view", { timeout: 300_000 }, () => {
  it("keygen, checkpoints at 11 and 15, prove and consistency JSON checked with the RFC algorithms alone", async () => {
    expect((await warden(["audit", "keygen", "example.com/log", "--out", keys, "--json"])).code).toBe(0);
    const key = join(keys, "example.com_log.key");
    const vkey = readFileSync(join(keys, "example.com_log.vkey"), "utf8").trim();
    const out = join(dir, "cps");
    const c11 = JSON.parse((await warden(["audit", "checkpoint", "--store", store, "--key", key, "--out", out, "--json"])).stdout);
    expect(c11).toMatchObject({ origin: "example.com/log", size: 11 });
    for (let i = 12; i <= 15; i++) await log.append({ type: "outcome", action_id: `act-${i}`, status: "succeeded" });
    expect((await warden(["audit", "checkpoint", "--store", store, "--key", key, "--out", out])).code).toBe(0);
    const cp11 = openCheckpoint(readFileSync(join(out, "checkpoint.11"), "utf8"), parseVerifierKey(vkey));
    const cp15 = openCheckpoint(readFileSync(join(out, "checkpoint"), "utf8"), parseVerifierKey(vkey));
    expect(cp15.size).toBe(15);

    const p = JSON.parse((await warden(["audit", "prove", "7", "--store", store, "--checkpoint", join(out, "checkpoint.11"), "--verifier", vkey, "--json"])).stdout);
    expect(p).toMatchObject({ seq: 7, leaf_index: 6, tree_size: 11, root: Buffer.from(cp11.root).toString("hex") });
    expect(sha256(p.body)).toBe(p.record_hash);
    verifyInclusion(p.leaf_index, p.tree_size, leafHash(p.body), p.proof.map(fromHex), cp11.root);

    const c = await warden(["audit", "consistency", join(out, "checkpoint.11"), join(out, "checkpoint.15"), "--store", store, "--verifier", vkey, "--json"]);
    expect(c.code).toBe(0);
    const cj = JSON.parse(c.stdout);
    verifyConsistency(cj.old_size, cj.new_size, cp11.root, cp15.root, cj.proof.map(fromHex));
    const sizes = JSON.parse((await warden(["audit", "consistency", "3", "15", "--store", store, "--json"])).stdout);
    expect(sizes).toMatchObject({ old_size: 3, new_size: 15 });

    // A witness in its own process: first sight of 11, then 15 with the proof file from the log.
    writeFileSync(join(dir, "proof.json"), c.stdout);
    expect((await warden(["audit", "keygen", "witness.example/w", "--witness", "--out", keys])).code).toBe(0);
    const w = ["audit", "witness", "--key", join(keys, "witness.example_w.key"), "--verifier", vkey, "--state", join(dir, "wstate"), "--json"];
    expect((await warden([...w, "--checkpoint", join(out, "checkpoint.11")])).code).toBe(0);
    const second = await warden([...w, "--checkpoint", join(out, "checkpoint.15"), "--proof", join(dir, "proof.json")]);
    expect(second.code).toBe(0);
    const cosigned = JSON.parse(second.stdout).checkpoint as string;
    const wv = parseVerifierKey(readFileSync(join(keys, "witness.example_w.vkey"), "utf8"));
    expect(wv.type).toBe(COSIGNATURE_V1);
    expect(verifyCosignature(cosigned, wv)).toBeGreaterThan(0);
    // Going back to 11 is refused.
    const back = await warden([...w, "--checkpoint", join(out, "checkpoint.11")]);
    expect(back.code).toBe(1);
    expect(JSON.parse(back.stdout)).toMatchObject({ refused: "rollback" });
    // All the checkpoints of a directory at once.
    const all = await warden(["audit", "verify", "--store", store, "--checkpoint", out, "--verifier", vkey, "--json"]);
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout).checkpoints).toMatchObject({ ok: true, agreed: 2 });
    // A checkpoint signed by another key is not the log's.
    const other = generateKey("example.com/log");
    writeFileSync(join(dir, "other.vkey"), other.verifierKey);
    expect((await warden(["audit", "verify", "--store", store, "--checkpoint", join(out, "checkpoint"), "--verifier", join(dir, "other.vkey")])).code).toBe(1);
  });

  it("a receipt of an action that relied on an approval proves the decision and the intent that consumed it", async () => {
    const { syncTree, treeHead } = await import("../../src/audit/tree.ts");
    const { signCheckpoint } = await import("../../src/audit/checkpoint.ts");
    await syncTree(log.db);
    const k = generateKey("example.com/log2");
    const head = await treeHead(log.db);
    const note = signCheckpoint({ origin: "example.com/log2", size: head.size, root: head.root, extensions: [] }, k.signer);
    const cp = openCheckpoint(note, k.signer);
    const r = await buildReceipt(log.db, "act-4", { checkpoint: cp, note });
    expect(r).toMatchObject({ action_id: "act-4", approval_id: "ap-1", request_digest: sha256("req-4"), record: { seq: 4 }, approval_record: { seq: 11 } });
    expect(verifyReceipt(r, cp).proven).toEqual([4, 11]);
    expect(() => verifyReceipt({ ...r, approval_id: "ap-2" }, cp)).toThrow(/approval/);
    const tampered = { ...r, approval_record: { ...r.approval_record!, body: r.approval_record!.body.replace("750", "75") } };
    expect(() => verifyReceipt(tampered, cp)).toThrow(/hash/);
  });
});
