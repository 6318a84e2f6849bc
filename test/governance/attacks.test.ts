// The governor attacked as its callers could: every bypass of issue "Controls that hold under
// attack" as a test, on SQLite and PostgreSQL, with races across processes and many trials. Each
// of these passed on the code before the fix (the control did not hold); each must fail now.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AuditLog } from "../../src/audit/index.ts";
import { sha256 } from "../../src/audit/chain.ts";
import { canonicalJSON } from "../../src/canonical-json.ts";
import { buildBundleBytes } from "../../src/bundle/index.ts";
import { openEvaluator, type Deployment } from "../../src/governance/deployment.ts";
import type { Handler, Outcome } from "../../src/governance/governor.ts";
import { GovernanceState } from "../../src/governance/state.ts";
import { listIncomplete, resolveIncomplete } from "../../src/governance/recover.ts";
import { FileStateStore, MemoryStateStore, RollbackConflict } from "../../src/rollback/index.ts";
import type { Approval } from "../../src/schemas/types.ts";
import { backends } from "../audit/backends.ts";
import { governed, lead, policyBundle, request, type Governed } from "./fixture.ts";
import { Worker, bundleFile } from "./workers.ts";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
const dir = mkdtempSync(join(tmpdir(), "warden-attacks-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The repository's policy with refunds over 10,000 routed to a cfo and over 1,000,000 blocked. */
let cfoBundle: Uint8Array;
let plainBundleFile: string;
beforeAll(async () => {
  const copy = join(dir, "policy-cfo");
  cpSync(join(ROOT, "policy"), copy, { recursive: true });
  const rego = join(copy, "governance", "decision.rego");
  const text = readFileSync(rego, "utf8")
    .replace(
      'approval := object.get(data.governance.routes, input.action, data.governance.default_route) if category == "approve"',
      'approval := {"approver_role": "cfo", "sla_minutes": 60, "escalation": []} if {\n\tcategory == "approve"\n\tinput.parameters.amount > 10000\n} else := object.get(data.governance.routes, input.action, data.governance.default_route) if category == "approve"',
    )
    .concat('\nblock_reasons contains "refunds over 1000000 are not allowed" if input.parameters.amount > 1000000\n');
  writeFileSync(rego, text);
  cfoBundle = (await buildBundleBytes({ paths: [copy] })).bytes;
  plainBundleFile = bundleFile(dir, await policyBundle());
});

type Paused = Extract<Outcome, { status: "paused" }>;
const refund = (order: string, amount: number) => request("refund.issue", { order, amount });
const saw = (p: Paused) => ({ request_hash: p.ticket.request_hash, revision: p.ticket.revision });
const reasonOf = (e: unknown) => (e as { reason?: string }).reason ?? (e as { code?: string }).code;

/** A refund handler that counts its runs in the state document it changes. */
const refundHandler: Handler = async ({ parameters, state }) => {
  const key = `orders/${String(parameters.order)}`;
  const order = ((await state.get(key)) as { refunded: number; runs: number } | null) ?? { refunded: 0, runs: 0 };
  await state.put(key, { refunded: order.refunded + Number(parameters.amount), runs: order.runs + 1 });
  return {};
};

async function types(audit: AuditLog, action_id: string): Promise<string[]> {
  const out: string[] = [];
  for await (const r of audit.list({ action_id })) out.push(r.type);
  return out;
}

async function approvedRefund(g: Governed, order: string, amount = 750): Promise<Paused> {
  const paused = (await g.gov.execute(refund(order, amount), refundHandler, { resource: `orders/${order}` })) as Paused;
  expect(paused.status).toBe("paused");
  await g.gov.decideApproval({ approval_id: paused.approval.approval_id, verdict: "approve", by: lead, saw: saw(paused) });
  return paused;
}

for (const backend of backends()) {
  describe.skipIf(backend.skip !== undefined)(`attacks on ${backend.name}${backend.skip ? ` (${backend.skip})` : ""}`, { timeout: 240_000 }, () => {
    // The real clock: the worker processes run on it.
    const open = async (opts: Parameters<typeof governed>[0] = {}) => governed({ store: await backend.fresh(), clock: { t: Date.now() }, ...opts });

    it("one approval runs its action exactly once: 3 sequential resumes, then 8 concurrent resumes from 2 processes", async () => {
      const g = await open({ state: new FileStateStore(join(dir, `state-seq-${backend.name}`)) });
      const seqPaused = await approvedRefund(g, "A-1");
      const outs = [];
      for (let i = 0; i < 3; i++) outs.push(await g.gov.resume(structuredClone(seqPaused.ticket), refundHandler, { resource: "orders/A-1" }));
      expect(outs.map((o) => (o.status === "refused" ? o.code : o.status))).toEqual(["executed", "already_executed", "already_executed"]);
      expect(await g.state.get("orders/A-1")).toEqual({ refunded: 750, runs: 1 });
      expect((await types(g.audit, seqPaused.action_id)).filter((t) => t === "intent")).toHaveLength(1);

      const stateDir = join(dir, `state-conc-${backend.name}`);
      const shared = new FileStateStore(stateDir);
      const g2 = await governed({ store: g.store, seed: false, state: shared, clock: { t: Date.now() } });
      const paused = await approvedRefund(g2, "A-2");
      const workers = [new Worker(g.store, plainBundleFile, stateDir), new Worker(g.store, plainBundleFile, stateDir)];
      try {
        await Promise.all(workers.map((w) => w.ready));
        const results = (await Promise.all(workers.map((w) => w.call({ op: "resume", ticket: paused.ticket, times: 4 })))).flat();
        expect(results.filter((r) => r === "executed")).toHaveLength(1);
        expect(results.filter((r) => r === "already_executed")).toHaveLength(7);
      } finally {
        await Promise.all(workers.map((w) => w.close()));
      }
      expect(await shared.get("orders/A-2")).toEqual({ refunded: 750, runs: 1 });
      expect((await types(g.audit, paused.action_id)).filter((t) => t === "intent")).toHaveLength(1);
      expect((await g.gov.store.getApproval(paused.approval.approval_id))?.status).toBe("consumed");
      expect((await g.audit.verify()).ok).toBe(true);
      expect((await g.gov.store.check()).mismatches).toEqual([]);
      await g2.gov.dispose();
      await g.gov.dispose();
    });

    it("100 trials of simultaneous approve and reject from two processes: exactly one decision wins each time, chain and store agree", async () => {
      const g = await open();
      const stateDir = join(dir, `state-race-${backend.name}`);
      const workers = [new Worker(g.store, plainBundleFile, stateDir), new Worker(g.store, plainBundleFile, stateDir)];
      const trials = 100;
      let approvedWins = 0;
      try {
        await Promise.all(workers.map((w) => w.ready));
        for (let t = 0; t < trials; t++) {
          const p = (await g.gov.execute(refund(`R-${t}`, 750), refundHandler, { resource: `orders/R-${t}` })) as Paused;
          const decision = (verdict: "approve" | "reject", by: string) => ({ approval_id: p.approval.approval_id, verdict, by: { id: by }, saw: saw(p) });
          const [a, r] = await Promise.all([workers[0]!.call({ op: "decide", decision: decision("approve", "lena") }), workers[1]!.call({ op: "decide", decision: decision("reject", "lars") })]);
          const results = [a[0], r[0]];
          expect(results.filter((x) => x!.startsWith("ok:"))).toHaveLength(1);
          expect(results.filter((x) => x === "not_pending")).toHaveLength(1);
          const stored = (await g.gov.store.getApproval(p.approval.approval_id))!;
          const winner = results.find((x) => x!.startsWith("ok:"))!.slice(3);
          expect(stored.status).toBe(winner);
          const decided = stored.history.filter((e) => e.event === "approve" || e.event === "reject");
          expect(decided).toHaveLength(1);
          // The chain's last approval record for it says the same.
          let last: Approval | undefined;
          for await (const rec of g.audit.list({ action_id: p.action_id, type: "approval" })) last = rec.state?.value as Approval;
          expect(last?.status).toBe(winner);
          if (winner === "approved") approvedWins++;
          const resumed = await g.gov.resume(p.ticket, refundHandler, { resource: `orders/R-${t}` });
          expect(resumed.status).toBe(winner === "approved" ? "executed" : "rejected");
        }
      } finally {
        await Promise.all(workers.map((w) => w.close()));
      }
      expect(approvedWins).toBeGreaterThanOrEqual(0);
      expect((await g.audit.verify()).ok).toBe(true);
      expect((await g.gov.store.check()).mismatches).toEqual([]);
      await g.gov.dispose();
    });

    it("a modify the policy routes to another role does not run until that role approves; a modify to a blocked request is refused", async () => {
      const g = await open({ bytes: cfoBundle });
      const p = (await g.gov.execute(refund("M-1", 750), refundHandler, { resource: "orders/M-1" })) as Paused;
      expect(p.approval.approver_role).toBe("support-lead");
      const blocked = await g.gov.decideApproval({ approval_id: p.approval.approval_id, verdict: "modify", by: lead, saw: saw(p), parameters: { amount: 5_000_000 } }).catch(reasonOf);
      expect(blocked).toBe("modified_blocked");
      expect((await g.gov.store.getApproval(p.approval.approval_id))?.status).toBe("pending");

      const modified = await g.gov.decideApproval({ approval_id: p.approval.approval_id, verdict: "modify", by: lead, saw: saw(p), parameters: { amount: 50_000 } });
      expect(modified).toMatchObject({ status: "modified", superseded_by: expect.any(String), modification: { category: "approve", route: { approver_role: "cfo" } } });
      let runs = 0;
      const counting: Handler = async (ctx) => (runs++, refundHandler(ctx));
      const waiting = await g.gov.resume(p.ticket, counting, { resource: "orders/M-1" });
      expect(waiting).toMatchObject({ status: "pending", approval: { approval_id: modified.superseded_by, approver_role: "cfo" } });
      expect(runs).toBe(0);
      const next = waiting.status === "pending" ? waiting.approval : undefined;
      // The support lead cannot approve the new approval; the cfo can.
      const nextSaw = { request_hash: next!.request_hash, revision: next!.revision };
      expect(await g.gov.decideApproval({ approval_id: next!.approval_id, verdict: "approve", by: { id: "lars" }, saw: nextSaw }).catch(reasonOf)).toBe("wrong_role");
      await g.gov.decideApproval({ approval_id: next!.approval_id, verdict: "approve", by: { id: "carla" }, saw: nextSaw });
      const done = await g.gov.resume(p.ticket, counting, { resource: "orders/M-1" });
      expect(done.status).toBe("executed");
      expect(await g.state.get("orders/M-1")).toEqual({ refunded: 50_000, runs: 1 });
      expect(runs).toBe(1);
      expect((await g.gov.resume(p.ticket, counting, { resource: "orders/M-1" })).status).toBe("refused");
      expect(runs).toBe(1);
      // A modify the modifier's own role may approve counts as the approval.
      const p2 = (await g.gov.execute(refund("M-2", 750), refundHandler, { resource: "orders/M-2" })) as Paused;
      await g.gov.decideApproval({ approval_id: p2.approval.approval_id, verdict: "modify", by: lead, saw: saw(p2), parameters: { amount: 900 } });
      expect(await g.gov.resume(p2.ticket, refundHandler, { resource: "orders/M-2" })).toMatchObject({ status: "executed", category: "approve" });
      expect(await g.state.get("orders/M-2")).toEqual({ refunded: 900, runs: 1 });
      expect((await g.audit.verify()).ok).toBe(true);
      await g.gov.dispose();
    });

    it("roles come from the directory: a request claiming a role its agent does not hold is refused and audited", async () => {
      const g = await open();
      let ran = 0;
      const h: Handler = async () => void ran++;
      const claimed = await g.gov.execute(request("order.update_address", { order: "X" }, { id: "triage-bot", role: "support-agent" }), h, { resource: "orders/X" });
      expect(claimed).toMatchObject({ status: "refused", code: "role_not_held" });
      const unknown = await g.gov.execute(request("order.lookup", {}, { id: "rogue-bot", role: "support-agent" }), h);
      expect(unknown).toMatchObject({ status: "refused", code: "unknown_agent" });
      const person = await g.gov.execute(request("order.lookup", {}, { id: "lena", role: "support-lead" }), h);
      expect(person).toMatchObject({ status: "refused", code: "unknown_agent" });
      const impersonated = await g.gov.execute(request("order.lookup", {}), h, { agent: "triage-bot" });
      expect(impersonated).toMatchObject({ status: "refused", code: "agent_mismatch" });
      // Another agent's ticket: refused before its approval's status is read, and nothing changes.
      const paused = await g.gov.execute(refund("M-1", 750), h, { resource: "orders/M-1" });
      if (paused.status !== "paused") throw new Error(`expected paused, got ${paused.status}`);
      const before = await g.gov.store.getApproval(paused.ticket.approval_id);
      const stolen = await g.gov.resume(structuredClone(paused.ticket), h, { agent: "triage-bot", resource: "orders/M-1" });
      expect(stolen).toEqual({ status: "refused", action_id: paused.action_id, code: "agent_mismatch", error: expect.any(String) });
      expect(await g.gov.store.getApproval(paused.ticket.approval_id)).toEqual(before);
      expect(await types(g.audit, paused.action_id)).toEqual(["decision", "approval", "refusal"]);
      expect(ran).toBe(0);
      for (const out of [claimed, unknown, person, impersonated]) {
        const recs = [];
        for await (const r of g.audit.list({ action_id: out.action_id })) recs.push(r);
        expect(recs.map((r) => r.type)).toEqual(["refusal"]);
        expect(recs[0]!.details).toMatchObject({ code: (out as { code: string }).code });
      }
      // Operators too: the kill switch, rollback and notify review need the directory's roles.
      await expect(g.gov.setKillSwitch(true, "lena")).rejects.toMatchObject({ code: "not_permitted" });
      await expect(g.gov.setKillSwitch(true, "mallory")).rejects.toMatchObject({ code: "unknown_principal" });
      await expect(g.gov.rollback("any", "sam")).rejects.toMatchObject({ code: "not_permitted" });
      await expect(g.gov.reviewNotify("any", "sam")).rejects.toMatchObject({ code: "not_permitted" });
      expect((await g.gov.killSwitch()).on).toBe(false);
      await g.gov.dispose();
    });

    it("an approvals row edited in SQL is refused at resume and reported by verify; so are settings and principals", async () => {
      const g = await open();
      const p = (await g.gov.execute(refund("T-1", 750), refundHandler, { resource: "orders/T-1" })) as Paused;
      const row = (await g.audit.db.query<{ body: string }>("SELECT body FROM approvals WHERE approval_id = $1", [p.approval.approval_id]))[0]!;
      const forged = { ...JSON.parse(row.body), status: "approved", valid_until: "2099-01-01T00:00:00.000Z" };
      await g.audit.db.run("UPDATE approvals SET status = 'approved', body = $1 WHERE approval_id = $2", [JSON.stringify(forged), p.approval.approval_id]);
      let ran = 0;
      const out = await g.gov.resume(p.ticket, async (ctx) => (ran++, refundHandler(ctx)), { resource: "orders/T-1" });
      expect(out).toMatchObject({ status: "refused", code: "tampered_state" });
      expect(ran).toBe(0);
      expect((await g.gov.store.check()).mismatches).toEqual([expect.objectContaining({ table: "approvals", key: p.approval.approval_id })]);
      await g.audit.db.run("UPDATE approvals SET status = 'pending', body = $1 WHERE approval_id = $2", [row.body, p.approval.approval_id]);
      expect((await g.gov.store.check()).mismatches).toEqual([]);

      // A consumed approval set back to the older approved record (its seq and hash too).
      await g.gov.decideApproval({ approval_id: p.approval.approval_id, verdict: "approve", by: lead, saw: saw(p) });
      const approvedRow = (await g.audit.db.query<Record<string, unknown>>("SELECT * FROM approvals WHERE approval_id = $1", [p.approval.approval_id]))[0]!;
      expect((await g.gov.resume(p.ticket, refundHandler, { resource: "orders/T-1" })).status).toBe("executed");
      await g.audit.db.run("UPDATE approvals SET status = $1, body = $2, seq = $3, hash = $4 WHERE approval_id = $5", [
        approvedRow.status, approvedRow.body, approvedRow.seq, approvedRow.hash, p.approval.approval_id,
      ]);
      expect(await g.gov.resume(p.ticket, refundHandler, { resource: "orders/T-1" })).toMatchObject({ status: "refused", code: "tampered_state" });
      expect(await g.state.get("orders/T-1")).toEqual({ refunded: 750, runs: 1 });

      // A role granted in SQL is not a role.
      const sam = (await g.audit.db.query<{ body: string }>("SELECT body FROM principals WHERE id = 'sam'"))[0]!;
      await g.audit.db.run("UPDATE principals SET body = $1 WHERE id = 'sam'", [JSON.stringify({ ...JSON.parse(sam.body), roles: ["support-lead"] })]);
      const p2 = (await g.gov.execute(refund("T-2", 750), refundHandler, { resource: "orders/T-2" })) as Paused;
      expect(await g.gov.decideApproval({ approval_id: p2.approval.approval_id, verdict: "approve", by: { id: "sam" }, saw: saw(p2) }).catch(reasonOf)).toBe("tampered_state");
      expect((await g.gov.store.getApproval(p2.approval.approval_id))?.status).toBe("pending");

      // The kill switch turned off in SQL reads as on (fail closed).
      await g.gov.setKillSwitch(true, "ops", "incident");
      await g.audit.db.run("UPDATE settings SET value = $1 WHERE key = 'kill_switch'", [JSON.stringify({ on: false })]);
      expect((await g.gov.killSwitch()).on).toBe(true);
      expect(await g.gov.execute(request("order.lookup", {}), async () => ({}))).toMatchObject({ status: "blocked", reasons: ["kill switch is on"] });
      await g.audit.db.run("DELETE FROM settings WHERE key = 'kill_switch'");
      expect((await g.gov.killSwitch()).on).toBe(true);
      const mismatches = (await g.gov.store.check()).mismatches.map((m) => `${m.table}/${m.key}`);
      expect(mismatches).toEqual(expect.arrayContaining(["settings/kill_switch", "principals/sam"]));
      await g.gov.dispose();
    });

    it("a directory entry read once, then rewritten in its record (rehashed) and its row, is refused: what was checked is not trusted past a changed hash", async () => {
      const g = await open();
      expect((await g.gov.store.principal("sam"))?.roles).not.toContain("support-lead");
      const [rec] = await g.audit.db.query<{ seq: number; body: string }>("SELECT seq, body FROM audit_records WHERE subject = 'principals/sam' ORDER BY seq DESC LIMIT 1");
      const forged = JSON.parse(rec!.body);
      forged.state.value.roles = ["support-lead"];
      const body = canonicalJSON(forged);
      const hash = sha256(body);
      await g.audit.db.run("UPDATE audit_records SET body = $1, hash = $2 WHERE seq = $3", [body, hash, rec!.seq]);
      await g.audit.db.run("UPDATE principals SET body = $1, hash = $2 WHERE id = 'sam'", [JSON.stringify(forged.state.value), hash]);
      const p = (await g.gov.execute(refund("T-9", 750), refundHandler, { resource: "orders/T-9" })) as Paused;
      expect(await g.gov.decideApproval({ approval_id: p.approval.approval_id, verdict: "approve", by: { id: "sam" }, saw: saw(p) }).catch(reasonOf)).toBe("tampered_state");
      expect((await g.gov.store.getApproval(p.approval.approval_id))?.status).toBe("pending");
      await g.gov.dispose();
    });

    it("fail closed: shadow mode never runs a blocked action; the kill switch blocks resumes; unmet obligations refuse; no key, no unsigned bundle", async () => {
      const shadow = await open({ mode: "shadow" });
      expect((await shadow.gov.execute(request("account.delete", { customer: "c" }), async () => ({}))).status).toBe("blocked");
      await shadow.gov.dispose();

      const g = await open();
      const p = await approvedRefund(g, "K-1");
      await g.gov.setKillSwitch(true, "ops");
      let ran = 0;
      expect(await g.gov.resume(p.ticket, async () => void ran++, { resource: "orders/K-1" })).toMatchObject({ status: "blocked", reasons: ["kill switch is on"] });
      await g.gov.setKillSwitch(false, "ops");
      // A write the policy obliges to record, without a resource named.
      expect(await g.gov.execute(request("order.update_address", { order: "K-2" }), async () => void ran++)).toMatchObject({ status: "refused", code: "obligation_unmet" });
      expect(ran).toBe(0);
      // Evaluation errors refuse (audited), they do not throw past the governor.
      const nonFinite = await g.gov.execute(request("refund.issue", { order: "K-3", amount: Number.POSITIVE_INFINITY }), async () => void ran++, { resource: "orders/K-3" });
      expect(nonFinite).toMatchObject({ status: "refused", code: "input_invalid" });
      await g.gov.dispose();

      const d: Deployment = { store: "unused", bundles: join(dir, "no-bundles"), revision: "r", state: join(dir, "s"), mode: "enforce" };
      await expect(openEvaluator(d)).rejects.toThrow(/no verification key is configured, and unsigned bundles are refused/);
    });

    it("an action is rolled back exactly once: sequential, then 20 trials of 8 concurrent rollbacks from 2 processes; a failed one releases its claim", async () => {
      const stateDir = join(dir, `state-rollback-${backend.name}`);
      const g = await open({ state: new FileStateStore(stateDir) });
      const touch = (order: string, n: number) => g.gov.execute(request("order.update_address", { order }), async ({ state }) => void (await state.put(`orders/${order}`, { address: `new-${n}` })), { resource: `orders/${order}` });
      const rollbackIntents = async (target: string) => {
        let n = 0;
        for await (const r of g.audit.list({ type: "intent" })) if (r.rolls_back === target) n++;
        return n;
      };

      await g.state.put("orders/B-0", { address: "old" });
      const first = await touch("B-0", 0);
      await g.gov.rollback(first.action_id, "ops");
      await expect(g.gov.rollback(first.action_id, "ops")).rejects.toMatchObject({ code: "already_rolled_back" });
      expect(await rollbackIntents(first.action_id)).toBe(1);

      // A rollback that fails on a conflict leaves the action to be rolled back later.
      const conflicted = await touch("B-0", 1);
      await g.state.put("orders/B-0", { address: "edited" });
      await expect(g.gov.rollback(conflicted.action_id, "ops")).rejects.toBeInstanceOf(RollbackConflict);
      await g.state.put("orders/B-0", { address: "new-1" });
      await g.gov.rollback(conflicted.action_id, "ops");
      expect(await g.state.get("orders/B-0")).toEqual({ address: "old" });

      const workers = [new Worker(g.store, plainBundleFile, stateDir), new Worker(g.store, plainBundleFile, stateDir)];
      try {
        await Promise.all(workers.map((w) => w.ready));
        for (let t = 0; t < 20; t++) {
          const order = `B-${t + 1}`;
          await g.state.put(`orders/${order}`, { address: "old" });
          const done = await touch(order, t);
          const results = (await Promise.all(workers.map((w) => w.call({ op: "rollback", action_id: done.action_id, times: 4 })))).flat();
          expect(results.filter((r) => r === "rolled_back")).toHaveLength(1);
          expect(results.filter((r) => r === "already_rolled_back")).toHaveLength(7);
          expect(await rollbackIntents(done.action_id)).toBe(1);
          expect(await g.state.get(`orders/${order}`)).toEqual({ address: "old" });
        }
      } finally {
        await Promise.all(workers.map((w) => w.close()));
      }
      // Every refusal is on the chain, and the claims agree with it.
      let refused = 0;
      for await (const r of g.audit.list({ type: "refusal" })) if ((r.details as { code?: string }).code === "already_rolled_back") refused++;
      expect(refused).toBe(1 + 20 * 7);
      expect((await g.audit.verify()).ok).toBe(true);
      expect((await g.gov.store.check()).mismatches).toEqual([]);
      await g.gov.dispose();
    });

    it("one action or rollback at a time changes a resource: 20 trials of 8 concurrent actions from 2 processes; every recorded change is its own", async () => {
      const stateDir = join(dir, `state-leases-${backend.name}`);
      const g = await open({ state: new FileStateStore(stateDir) });
      const workers = [new Worker(g.store, plainBundleFile, stateDir), new Worker(g.store, plainBundleFile, stateDir)];
      let executed = 0;
      try {
        await Promise.all(workers.map((w) => w.ready));
        for (let t = 0; t < 20; t++) {
          const results = (await Promise.all(workers.map((w) => w.call({ op: "count", resource: "orders/L-1", times: 4 })))).flat();
          const ran = results.filter((r) => r === "executed").length;
          expect(ran).toBeGreaterThanOrEqual(1);
          expect(results.filter((r) => r !== "executed").every((r) => r === "resource_busy")).toBe(true);
          executed += ran;
          // No lost update: every run that was let in counted.
          expect(await g.state.get("orders/L-1")).toEqual({ n: executed });
        }
      } finally {
        await Promise.all(workers.map((w) => w.close()));
      }
      // Each execution recorded the state it found: 0, 1, 2, ... once each (two at once would
      // have found the same count).
      const befores: number[] = [];
      for await (const r of g.audit.list({ type: "started" })) if (r.resource === "orders/L-1") befores.push((r.before as { n: number } | null)?.n ?? 0);
      expect(befores.sort((a, b) => a - b)).toEqual(Array.from({ length: executed }, (_, i) => i));
      let refused = 0;
      for await (const r of g.audit.list({ type: "refusal" })) if ((r.details as { code?: string }).code === "resource_busy") refused++;
      expect(refused).toBe(20 * 8 - executed);
      expect((await g.audit.verify()).ok).toBe(true);
      expect((await g.gov.store.check()).mismatches).toEqual([]);
      await g.gov.dispose();
    });

    it("recovery refuses an action whose governor is alive in another process, and resolves it once that process is dead", async () => {
      const g = await open();
      const stateDir = join(dir, `state-alive-${backend.name}`);
      const worker = new Worker(g.store, plainBundleFile, stateDir);
      let killed = false;
      try {
        await worker.ready;
        expect(await worker.call({ op: "hang", resource: "orders/H-1" })).toEqual(["started"]);
        const [hung] = await listIncomplete(g.gov.store);
        expect(hung).toMatchObject({ state: "may_have_run", resource: "orders/H-1", governor: "alive", started: { owner: { pid: worker.pid } } });
        const documents = new FileStateStore(stateDir);
        for (const as of ["failed", "completed", "rolled_back"] as const) {
          await expect(resolveIncomplete(g.gov.store, documents, hung!.action_id, as, "ops")).rejects.toMatchObject({ code: "governor_alive" });
        }
        // The refusals are on the chain, and the action is still incomplete and holds its resource.
        const refusals = [];
        for await (const r of g.audit.list({ action_id: hung!.action_id, type: "refusal" })) refusals.push(r);
        expect(refusals).toHaveLength(3);
        expect(await g.gov.execute(request("order.update_address", { order: "H-1" }), async () => ({}), { resource: "orders/H-1" })).toMatchObject({ status: "refused", code: "resource_busy" });
        await worker.kill();
        killed = true;
        // Dead: its process is gone (SQLite, this host) and its session with it (PostgreSQL).
        await vi.waitFor(async () => expect((await listIncomplete(g.gov.store))[0]?.governor).toBe("gone"), { timeout: 10_000 });
        const rec = await resolveIncomplete(g.gov.store, documents, hung!.action_id, "failed", "ops");
        expect(rec.details).not.toHaveProperty("forced");
        expect(await listIncomplete(g.gov.store)).toEqual([]);
        expect(await g.gov.execute(request("order.update_address", { order: "H-1" }), async () => ({}), { resource: "orders/H-1" })).toMatchObject({ status: "executed" });
      } finally {
        if (!killed) await worker.kill();
      }
      expect((await g.audit.verify()).ok).toBe(true);
      expect((await g.gov.store.check()).mismatches).toEqual([]);
      await g.gov.dispose();
    });

    it.runIf(backend.name === "postgres")("a governor whose lock session is terminated takes its lock again (it stays alive to recovery on other hosts)", async () => {
      const g = await open();
      const done = await g.gov.execute(request("order.lookup", { order: "P-1" }), async () => ({}));
      let owner: { instance: string } | undefined;
      for await (const r of g.audit.list({ action_id: done.action_id, type: "started" })) owner = r.owner;
      const name = `warden:governor:${owner!.instance}`;
      const db = g.audit.db;
      expect(await db.lockHeld!(name)).toBe(true);
      const sessions = async () =>
        db.query<{ pid: number }>("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objsubid = 2 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", [0x5741]);
      const [first] = await sessions();
      await db.query("SELECT pg_terminate_backend($1)", [first!.pid]);
      await vi.waitFor(async () => {
        const now = await sessions();
        expect(now).toHaveLength(1);
        expect(now[0]!.pid).not.toBe(first!.pid);
      }, { timeout: 10_000 });
      expect(await db.lockHeld!(name)).toBe(true);
      await g.gov.dispose();
    });

    it.runIf(backend.name === "postgres")("a governor starts nothing while its lock session is lost and not yet taken again (recovery elsewhere would see it gone)", async () => {
      const g = await open();
      const db = g.audit.db;
      expect((await g.gov.execute(request("order.lookup", { order: "P-2" }), async () => ({}))).status).toBe("executed");
      const sessions = async () =>
        db.query<{ pid: number }>("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objsubid = 2 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", [0x5741]);
      const [lock] = await sessions();
      // No new session may connect (the pool keeps its open ones), so the lock cannot be taken
      // again; set from the server's maintenance database (not the database itself).
      const [{ name }] = await db.query<{ name: string }>("SELECT current_database() AS name");
      const admin = new URL(g.store);
      admin.pathname = "/postgres";
      const server = new pg.Client({ connectionString: admin.toString() });
      await server.connect();
      await server.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
      try {
        await db.query("SELECT pg_terminate_backend($1)", [lock!.pid]);
        // Once the governor has seen its session end (its client's end event, within moments):
        await vi.waitFor(async () => {
          const out = await g.gov.execute(request("order.lookup", { order: "P-3" }), async () => ({}));
          expect(out).toMatchObject({ status: "refused", code: "liveness_lost" });
        }, { timeout: 10_000 });
        // ... every action is refused, and no handler runs, while the lock cannot come back.
        let ran = 0;
        for (let i = 0; i < 5; i++) {
          const out = await g.gov.execute(request("order.lookup", { order: `P-3${i}` }), async () => void ran++);
          expect(out).toMatchObject({ status: "refused", code: "liveness_lost" });
        }
        expect(ran).toBe(0);
      } finally {
        await server.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
        await server.end();
      }
      // The lock is taken again, and actions start again.
      await vi.waitFor(async () => expect(await sessions()).toHaveLength(1), { timeout: 15_000 });
      await vi.waitFor(async () => expect((await g.gov.execute(request("order.lookup", { order: "P-4" }), async () => ({}))).status).toBe("executed"), { timeout: 5_000 });
      // The refusal is on the chain, and the chain holds.
      const refusals: unknown[] = [];
      for await (const r of g.audit.list({ type: "refusal" })) refusals.push(r);
      expect(JSON.stringify(refusals)).toContain("liveness_lost");
      expect((await g.audit.verify()).ok).toBe(true);
      await g.gov.dispose();
    });

    it("a rollback and an action on one resource exclude each other; an action left without an outcome holds it until recovered", async () => {
      /** A state store whose writes wait while `held` is set. */
      const inner = new MemoryStateStore();
      let held: Promise<void> | undefined;
      const gated = { get: (k: string) => inner.get(k), put: async (k: string, v: unknown) => (await held, inner.put(k, v)) };
      const g = await open({ state: gated });
      const update = (address: string, wait?: Promise<void>) =>
        g.gov.execute(request("order.update_address", { order: "R-1" }), async ({ state }) => {
          await wait;
          await state.put("orders/R-1", { address });
        }, { resource: "orders/R-1" });
      await inner.put("orders/R-1", { address: "old" });
      const first = await update("first");
      expect(first.status).toBe("executed");

      // An action running: a rollback of the earlier one, and a second action, are refused.
      let release!: () => void;
      const running = update("second", new Promise<void>((r) => (release = r)));
      await new Promise((r) => setTimeout(r, 30));
      await expect(g.gov.rollback(first.action_id, "ops")).rejects.toMatchObject({ code: "resource_busy" });
      expect(await update("third")).toMatchObject({ status: "refused", code: "resource_busy" });
      release();
      const second = await running;
      expect(second.status).toBe("executed");
      expect(await inner.get("orders/R-1")).toEqual({ address: "second" });

      // A rollback running (its write held): an action on the resource is refused.
      let unblock!: () => void;
      held = new Promise<void>((r) => (unblock = r));
      const undoing = g.gov.rollback(second.action_id, "ops");
      await new Promise((r) => setTimeout(r, 30));
      expect(await update("fourth")).toMatchObject({ status: "refused", code: "resource_busy" });
      unblock();
      held = undefined;
      await undoing;
      expect(await inner.get("orders/R-1")).toEqual({ address: "first" });

      // An action whose outcome never comes (a crash, or a handler that never returns) holds the
      // resource until an operator resolves it.
      void update("hung", new Promise<void>(() => {}));
      await new Promise((r) => setTimeout(r, 30));
      const [hung] = await listIncomplete(g.gov.store);
      expect(hung).toBeDefined();
      expect(await update("fifth")).toMatchObject({ status: "refused", code: "resource_busy" });
      // Its governor is alive (this process, open): recovery leaves it be unless forced.
      expect(hung!.governor).toBe("alive");
      await expect(resolveIncomplete(g.gov.store, inner, hung!.action_id, "failed", "ops")).rejects.toMatchObject({ code: "governor_alive" });
      const forced = await resolveIncomplete(g.gov.store, inner, hung!.action_id, "failed", "ops", { force: true });
      expect(forced.details).toMatchObject({ forced: true, governor: "alive" });
      expect(await update("sixth")).toMatchObject({ status: "executed" });
      expect(await inner.get("orders/R-1")).toEqual({ address: "sixth" });
      expect((await g.audit.verify()).ok).toBe(true);
      expect((await g.gov.store.check()).mismatches).toEqual([]);
      g.gov.close();
    });

    it("outcomes as they happened: a handler that ignores the abort completes and can be rolled back", async () => {
      const g = await open();
      await g.state.put("orders/O-1", { address: "old" });
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const running = g.gov.execute(request("order.update_address", { order: "O-1" }), async ({ state }) => {
        await gate; // deaf to the signal
        await state.put("orders/O-1", { address: "new" });
      }, { resource: "orders/O-1" });
      await new Promise((r) => setTimeout(r, 30));
      await g.gov.setKillSwitch(true, "ops");
      release();
      const out = await running;
      expect(out).toMatchObject({ status: "executed", after_abort: true, rollback: { kind: "state" } });
      await g.gov.setKillSwitch(false, "ops");
      await g.gov.rollback(out.action_id, "ops");
      expect(await g.state.get("orders/O-1")).toEqual({ address: "old" });
      await g.gov.dispose();
    });
  });
}

describe("outcomes on a busy SQLite store", () => {
  it("an outcome waits for another process's write lock instead of turning success into failure", async () => {
    const file = join(dir, "busy.db");
    const g = await governed({ store: file });
    const audit = await AuditLog.open(file, { busyTimeoutMs: 20 });
    const { Governor } = await import("../../src/governance/governor.ts");
    const evaluator = await (await import("../../src/evaluator/evaluator.ts")).Evaluator.load({ bytes: await policyBundle() }, { allowUnsigned: true });
    const gov = await Governor.open({ evaluator, audit, state: new MemoryStateStore() });
    const other = new Database(file, { timeout: 5000 });
    const out = gov.execute(request("order.lookup", {}), async () => {
      other.exec("BEGIN IMMEDIATE");
      setTimeout(() => other.exec("COMMIT"), 300);
      return { output: { found: true } };
    });
    expect(await out).toMatchObject({ status: "executed" });
    other.close();
    const outcome = [];
    for await (const r of audit.list({ type: "outcome" })) outcome.push(r.status);
    expect(outcome).toEqual(["succeeded"]);
    await gov.dispose();
    await g.gov.dispose();
  });
});

describe("random SIGKILLs of a process governing actions", () => {
  const trials = Number(process.env.WARDEN_CRASH_TRIALS ?? 200);
  it(`${trials} kills: no broken chain, no lost record, every intent without an outcome listed by recover, side tables consistent`, { timeout: 1_200_000 }, async () => {
    const store = join(dir, "crash.db");
    const stateDir = join(dir, "crash-state");
    const seeded = await governed({ store });
    await seeded.gov.dispose();
    const audit = await AuditLog.open(store);
    const state = await GovernanceState.open(audit);
    let kills = 0;
    let acknowledged = 0;
    const started = new Set<boolean>();
    const acked: string[] = [];
    for (let t = 0; t < trials; t++) {
      const w = new Worker(store, plainBundleFile, stateDir, { stdout: (line) => acked.push((JSON.parse(line) as { done: string }).done) });
      await w.ready;
      w.loop();
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 300));
      await w.kill();
      kills++;
      const v = await audit.verify();
      expect(v.ok, v.firstBad?.message).toBe(true);
      expect((await state.check()).mismatches).toEqual([]);
      for (const i of await listIncomplete(state)) started.add(i.state === "may_have_run");
    }
    // Every action its process reported done has its outcome on the chain (nothing acknowledged was lost).
    for (const id of acked) expect(await audit.has(audit.db, id, "outcome"), `action ${id}`).toBe(true);
    acknowledged = acked.length;
    const incomplete = await listIncomplete(state);
    for (const i of incomplete) expect(i.state === "never_started" ? i.started : i.started?.type).toBe(i.state === "never_started" ? undefined : "started");
    console.log(`crash test: ${kills} kills, ${acknowledged} actions acknowledged, ${incomplete.length} incomplete (${incomplete.filter((i) => i.state === "may_have_run").length} may have run)`);
    expect(kills).toBe(trials);
    // An operator resolves them: what never started failed; what may have run completed, with
    // its change recorded (a notify one joins the review queue).
    const documents = new FileStateStore(stateDir);
    await expect(resolveIncomplete(state, documents, incomplete[0]?.action_id ?? "none", "failed", "lena")).rejects.toMatchObject({ code: "not_permitted" });
    for (const i of incomplete) {
      const rec = await resolveIncomplete(state, documents, i.action_id, i.state === "never_started" ? "failed" : "completed", "ops");
      expect(rec).toMatchObject({ type: "outcome", details: { recovered: i.state === "never_started" ? "failed" : "completed", handler_started: i.state === "may_have_run" } });
      if (i.state === "may_have_run") expect(rec.rollback?.kind).toBe(i.resource ? "state" : "none");
    }
    expect(await listIncomplete(state)).toEqual([]);
    expect((await audit.verify()).ok).toBe(true);
    expect((await state.check()).mismatches).toEqual([]);
    await audit.close();
  });
});

