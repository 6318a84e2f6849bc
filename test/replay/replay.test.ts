// Replay for auditors: audited decisions re-evaluated against the revision that made them (from the
// bundle store), with the recorded clock, seed and kill switch; tampered records, missing revisions
// and a candidate policy reported as differences.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/index.ts";
import { buildBundleBytes, openStore } from "../../src/bundle/index.ts";
import { Evaluator } from "../../src/evaluator/evaluator.ts";
import { Governor } from "../../src/governance/governor.ts";
import { diffJSON, replay } from "../../src/replay/replay.ts";
import { MemoryStateStore } from "../../src/rollback/index.ts";
import type { AuditRecord } from "../../src/schemas/types.ts";
import { seedDirectory } from "../governance/fixture.ts";

const root = mkdtempSync(join(tmpdir(), "warden-replay-"));
const bundles = join(root, "bundles");
let revision: string;
let candidate: string;
let clockRevision: string;

const agent = { id: "support-bot-1", role: "support-agent" };
const request = (action: string, parameters: Record<string, unknown>) => ({
  agent,
  initiator: { id: "customer-42", kind: "user" as const },
  action,
  parameters,
  context: { attributes: { identity_verified: true } },
});
const ops = { id: "ops", kind: "operator" as const };

beforeAll(async () => {
  const store = openStore(bundles);
  revision = store.put((await buildBundleBytes({ paths: ["policy"] })).bytes).entry.revision;

  // The candidate: the same policy with refunds needing approval only above 1000.
  const modified = join(root, "candidate");
  cpSync("policy", modified, { recursive: true });
  const dataFile = join(modified, "governance", "data.json");
  const data = JSON.parse(readFileSync(dataFile, "utf8"));
  data.actions["refund.issue"].approval_threshold = 1000;
  writeFileSync(dataFile, JSON.stringify(data));
  candidate = store.put((await buildBundleBytes({ paths: [modified] })).bytes).entry.revision;

  // A policy whose result depends on the clock and the random seed.
  const clockPolicy = join(root, "clock", "t");
  mkdirSync(clockPolicy, { recursive: true });
  writeFileSync(join(clockPolicy, "t.rego"), 'package t\n\ndecision := {"now": time.now_ns(), "id": uuid.rfc4122("k"), "n": rand.intn("k", 1000000)}\n');
  clockRevision = store.put((await buildBundleBytes({ paths: [join(root, "clock")], entrypoints: ["t/decision"] })).bytes).entry.revision;
});

let n = 0;
/** A fresh audit store with a run of governed actions: auto, notify, approve, block, and under the kill switch. */
async function scenario() {
  const file = join(root, `audit-${++n}.db`);
  const clock = { t: Date.parse("2026-11-24T09:00:00Z") };
  const now = () => new Date((clock.t += 1000));
  const audit = await AuditLog.open(file, { now });
  await seedDirectory(audit);
  const evaluator = await Evaluator.load({ store: bundles, revision }, { allowUnsigned: true, inputSchema: "action-request" });
  const gov = await Governor.open({ evaluator, audit, state: new MemoryStateStore(), now, killSwitchPollMs: 10 });
  const ok = async () => ({});
  await gov.execute(request("order.lookup", { order: "A-1" }), ok);
  await gov.execute(request("discount.apply", { order: "A-1", amount: 20 }), ok);
  const refund = await gov.execute(request("refund.issue", { order: "A-2", amount: 750 }), ok);
  await gov.execute(request("refund.issue", { order: "A-3", amount: 120 }), ok);
  await gov.execute(request("account.delete", { account: "c-42" }), ok);
  await gov.execute(request("permissions.change", { user: "u", grant: "admin" }), ok);
  await gov.setKillSwitch(true, ops, "incident");
  const halted = await gov.execute(request("order.lookup", { order: "A-4" }), ok);
  await gov.setKillSwitch(false, ops);
  await gov.execute(request("order.lookup", { order: "A-5" }), ok);
  gov.close();
  return { audit, refund, halted };
}

async function decisions(audit: AuditLog): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const r of audit.list({ type: "decision" })) out.push(r);
  return out;
}

/** A copy of a decision record as an entry to append (without the fields the log assigns). */
function entryOf(r: AuditRecord) {
  const { seq: _s, id: _i, time: _t, prev_hash: _p, hash: _h, ...entry } = structuredClone(r);
  return entry;
}

describe("replay", () => {
  it("replays every audited decision identically, the kill-switch one included", async () => {
    const { audit, halted } = await scenario();
    const all = await decisions(audit);
    expect(all).toHaveLength(8);
    const progress: number[] = [];
    const report = await replay(audit, { bundles, onProgress: (p) => progress.push(p.checked), progressEvery: 3 });
    expect(report).toEqual({ checked: 8, same: 8, differences: [], missing_revisions: [] });
    expect(progress).toEqual([3, 6, 8]);

    // The halted decision was blocked by the kill switch, and replays so only with the switch laid over the data.
    const rec = all.find((r) => r.action_id === halted.action_id)!;
    expect(rec.decision!.recorded).toMatchObject({ kill_switch: true });
    expect(rec.decision!.result).toMatchObject({ category: "block", reasons: ["kill switch is on"] });
    expect(all.filter((r) => (r.decision!.recorded as { kill_switch?: boolean }).kill_switch === false)).toHaveLength(7);
    await audit.close();
  });

  it("replays from a seq or a time", async () => {
    const { audit } = await scenario();
    const all = await decisions(audit);
    expect((await replay(audit, { bundles, since: all[5]!.seq })).checked).toBe(3);
    expect((await replay(audit, { bundles, since: all[6]!.time })).checked).toBe(2);
    await audit.close();
  });

  it("reports a decision record whose recorded result was tampered with", async () => {
    const { audit } = await scenario();
    const [lookup] = await decisions(audit);
    const forged = entryOf(lookup!);
    forged.action_id = "forged-1";
    forged.decision!.result = { ...(forged.decision!.result as object), category: "notify", obligations: ["human review within 24 hours"] };
    const appended = await audit.append(forged);
    const report = await replay(audit, { bundles });
    expect(report.checked).toBe(9);
    expect(report.same).toBe(8);
    expect(report.differences).toHaveLength(1);
    const d = report.differences[0]!;
    expect(d).toMatchObject({ seq: appended.seq, action_id: "forged-1", decision_id: lookup!.decision!.decision_id, revision, replayed_revision: revision, action: "order.lookup" });
    expect(d.recorded).toMatchObject({ category: "notify" });
    expect(d.replayed).toMatchObject({ category: "auto" });
    expect(d.diff).toEqual([
      { path: "/category", recorded: "notify", replayed: "auto" },
      { path: "/obligations/0", recorded: "human review within 24 hours" },
    ]);
    await audit.close();
  });

  it("reports a request changed under its recorded result, and a kill switch flag flipped", async () => {
    const { audit, halted } = await scenario();
    const all = await decisions(audit);
    const refund = entryOf(all.find((r) => r.request?.action === "refund.issue")!);
    refund.request = { ...refund.request!, parameters: { order: "A-2", amount: 75 } };
    await audit.append(refund);
    const stopped = entryOf(all.find((r) => r.action_id === halted.action_id)!);
    (stopped.decision!.recorded as { kill_switch: boolean }).kill_switch = false;
    await audit.append(stopped);
    const report = await replay(audit, { bundles });
    expect(report.differences.map((d) => [d.action, (d.replayed as { category: string }).category])).toEqual([
      ["refund.issue", "notify"],
      ["order.lookup", "auto"],
    ]);
    await audit.close();
  });

  it("reports a revision missing from the bundle store, with the decisions it leaves unreplayed", async () => {
    const { audit } = await scenario();
    const [lookup] = await decisions(audit);
    const gone = "ab".repeat(32);
    const orphan = entryOf(lookup!);
    orphan.decision!.revision = gone;
    const a = await audit.append(orphan);
    const b = await audit.append(orphan);
    const report = await replay(audit, { bundles });
    expect(report.checked).toBe(8);
    expect(report.same).toBe(8);
    expect(report.differences).toEqual([]);
    expect(report.missing_revisions).toEqual([{ revision: gone, reason: expect.stringContaining(`no bundle with revision ${gone}`), decisions: 2, seqs: [a.seq, b.seq] }]);
    await audit.close();
  });

  it("refuses signed-bundle checks it cannot make: with a key given, an unsigned revision is reported, not replayed", async () => {
    const { audit } = await scenario();
    const report = await replay(audit, { bundles, verification: { key: "secret", algorithm: "HS256" } });
    expect(report.checked).toBe(0);
    expect(report.missing_revisions).toHaveLength(1);
    expect(report.missing_revisions[0]).toMatchObject({ revision, decisions: 8 });
    await audit.close();
  });

  it("with a candidate revision, reports what the new policy decides differently", async () => {
    const { audit, refund } = await scenario();
    const report = await replay(audit, { bundles, candidate });
    expect(report.candidate).toBe(candidate);
    expect(report.checked).toBe(8);
    expect(report.same).toBe(7);
    expect(report.differences).toHaveLength(1);
    const d = report.differences[0]!;
    expect(d).toMatchObject({ action_id: refund.action_id, revision, replayed_revision: candidate, action: "refund.issue" });
    expect(d.diff).toEqual(
      expect.arrayContaining([
        { path: "/allow", recorded: false, replayed: true },
        { path: "/category", recorded: "approve", replayed: "notify" },
        { path: "/reasons/0", recorded: "amount 750 exceeds the approval threshold 500" },
      ]),
    );
    // An unknown candidate is reported as missing, every decision with it.
    const none = await replay(audit, { bundles, candidate: "cd".repeat(32) });
    expect(none).toMatchObject({ checked: 0, same: 0, missing_revisions: [{ revision: "cd".repeat(32), decisions: 8 }] });
    await audit.close();
  });

  it("feeds the recorded clock and seed back, so time, uuid and random results replay exactly", async () => {
    const audit = await AuditLog.open(join(root, "clock.db"));
    const ev = await Evaluator.load({ store: bundles, revision: clockRevision }, { allowUnsigned: true });
    for (let i = 0; i < 3; i++) {
      const d = ev.evaluate("t/decision", request("order.lookup", { i }));
      await audit.append({
        type: "decision",
        action_id: `clock-${i}`,
        request: request("order.lookup", { i }),
        decision: { decision_id: d.decision_id, revision: d.revision, entrypoint: d.entrypoint, result: d.result, recorded: { ...d.recorded } },
      });
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(await replay(audit, { bundles })).toMatchObject({ checked: 3, same: 3, differences: [] });
    // A record whose clock was changed no longer replays to its result.
    const [first] = await decisions(audit);
    const moved = entryOf(first!);
    (moved.decision!.recorded as { now_ns: string }).now_ns = "1";
    await audit.append(moved);
    const report = await replay(audit, { bundles });
    expect(report.differences).toHaveLength(1);
    expect(report.differences[0]!.diff.map((p) => p.path)).toEqual(["/now"]);
    await audit.close();
  });
});

describe("diffJSON", () => {
  it("names every differing path, absent sides left out", () => {
    expect(diffJSON({ a: 1, b: [1, 2], c: { d: "x" } }, { a: 1, b: [1], c: { d: "y", e: true } })).toEqual([
      { path: "/b/1", recorded: 2 },
      { path: "/c/d", recorded: "x", replayed: "y" },
      { path: "/c/e", replayed: true },
    ]);
    expect(diffJSON({ "a/b": 1 }, { "a/b": 2 })).toEqual([{ path: "/a~1b", recorded: 1, replayed: 2 }]);
    expect(diffJSON(1, undefined)).toEqual([{ path: "", recorded: 1 }]);
    expect(diffJSON({ k: [1] }, { k: [1] })).toEqual([]);
  });
});
