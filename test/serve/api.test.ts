// warden serve over HTTP on loopback, on SQLite and PostgreSQL: the governed action of a remote
// agent end to end (propose a 750 refund → 202; an approver approves; the agent's long-poll
// returns approved; the resume runs it once; the chain verifies), auto actions reported by the
// agent, the Data API, AuthZEN, the kill switch, bounded bodies and schema refusals.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { backends } from "../audit/backends.ts";
import { lookup, refund750, serve } from "./fixture.ts";

for (const backend of backends()) {
  describe.skipIf(backend.skip !== undefined)(`warden serve on ${backend.name}${backend.skip ? ` (${backend.skip})` : ""}`, { timeout: 120_000 }, () => {
    it("a 750 refund: 202 with a ticket, approved by lena, the long-poll returns, the resume runs once, the chain verifies", async () => {
      const s = await serve(await backend.fresh());
      try {
        const proposed = await s.call("support-bot-1", "POST", "/v1/actions", { request: refund750(), effect: "state" });
        expect(proposed.status).toBe(202);
        expect(proposed.body).toMatchObject({ status: "paused", approver_role: "support-lead", wait_url: `/v1/approvals/${proposed.body.approval_id}/wait` });
        const { approval_id, ticket, action_id } = proposed.body;

        // The agent waits; lena decides while it waits.
        const waited = s.call("support-bot-1", "GET", `/v1/approvals/${approval_id}/wait?timeout_s=20`);
        const shown = await s.call("lena", "GET", `/v1/approvals/${approval_id}`);
        expect(shown.status).toBe(200);
        expect(shown.body.context.request.parameters).toEqual({ order: "A-1001", amount: 750 });
        const saw = { request_hash: shown.body.approval.request_hash, revision: shown.body.approval.revision };
        const t0 = Date.now();
        const approved = await s.call("lena", "POST", `/v1/approvals/${approval_id}/approve`, { saw, comment: "charged twice" });
        expect(approved.status).toBe(200);
        expect(approved.body.approval.status).toBe("approved");
        const w = await waited;
        expect(w.status).toBe(200);
        expect(w.body.status).toBe("approved");
        expect(Date.now() - t0).toBeLessThan(2000);

        // The same approval cannot be decided twice.
        expect((await s.call("lars", "POST", `/v1/approvals/${approval_id}/reject`, { saw })).body.code).toBe("not_pending");

        const go = await s.call("support-bot-1", "POST", `/v1/actions/${action_id}/resume`, { ticket, effect: "state" });
        expect(go.status).toBe(200);
        expect(go.body).toMatchObject({ status: "go", action_id });
        const again = await s.call("support-bot-1", "POST", `/v1/actions/${action_id}/resume`, { ticket, effect: "state" });
        expect(again.status).toBe(409);
        expect(again.body.code).toBe("already_executed");
        const done = await s.call("support-bot-1", "POST", `/v1/actions/${action_id}/outcome`, {
          status: "succeeded",
          output: { refund: "R-1" },
          change: { resource: "orders/A-1001", before: { refunded: 0 }, after: { refunded: 750 } },
        });
        expect(done.status).toBe(200);
        expect(done.body.status).toBe("executed");
        expect((await s.call("support-bot-1", "POST", `/v1/actions/${action_id}/outcome`, { status: "succeeded" })).body.code).toBe("no_waiting_action");
        // Warden cannot undo the agent's own system: the rollback answers with the compensation.
        const undo = await s.call("ops", "POST", `/v1/actions/${action_id}/rollback`, {});
        expect(undo.status).toBe(409);
        expect(undo.body).toMatchObject({ code: "compensation_required", target: "orders/A-1001" });
        // A ticket that is not this approval's is a conflict, audited.
        const forged = await s.call("support-bot-1", "POST", `/v1/actions/${action_id}/resume`, { ticket: { ...ticket, approval_id: "someone-else" } });
        expect(forged.status).toBe(409);

        const types: string[] = [];
        for await (const r of s.audit.list({ action_id })) types.push(r.type);
        expect(types.filter((t) => t === "intent")).toHaveLength(1);
        expect(types.filter((t) => t === "outcome")).toHaveLength(1);
        const verified = await s.call("auditor", "GET", "/v1/audit/verify");
        expect(verified.body.ok).toBe(true);
        expect(verified.body.state.mismatches).toEqual([]);
      } finally {
        await s.close();
      }
    });

    it("auto actions: go, then the agent reports; block: 403 with reasons; another agent's name: 403 agent_mismatch", async () => {
      const s = await serve(await backend.fresh());
      try {
        const go = await s.call("support-bot-1", "POST", "/v1/actions", { request: lookup() });
        expect(go.status).toBe(200);
        expect(go.body.status).toBe("go");
        expect((await s.call("support-bot-1", "GET", `/v1/actions/${go.body.action_id}`)).body).toMatchObject({ state: "running", abort_requested: false });
        expect((await s.call("triage-bot", "POST", `/v1/actions/${go.body.action_id}/outcome`, { status: "succeeded" })).body.code).toBe("not_your_action");
        const done = await s.call("support-bot-1", "POST", `/v1/actions/${go.body.action_id}/outcome`, { status: "succeeded", output: { order: { id: "A-1001" } } });
        expect(done.body.status).toBe("executed");
        const blocked = await s.call("support-bot-1", "POST", "/v1/actions", { request: { ...lookup(), action: "database.drop" } });
        expect(blocked.status).toBe(403);
        expect(blocked.body.status).toBe("blocked");
        expect(blocked.body.reasons.length).toBeGreaterThan(0);
        const other = await s.call("triage-bot", "POST", "/v1/actions", { request: lookup() });
        expect(other.status).toBe(403);
        expect(other.body.code).toBe("agent_mismatch");
      } finally {
        await s.close();
      }
    });

    it("the kill switch over HTTP aborts a running remote action and blocks new ones", async () => {
      const s = await serve(await backend.fresh());
      try {
        const go = await s.call("support-bot-1", "POST", "/v1/actions", { request: lookup() });
        expect(go.body.status).toBe("go");
        const on = await s.call("ops", "POST", "/v1/kill-switch", { on: true, reason: "drill" });
        expect(on.status).toBe(200);
        expect(on.body).toMatchObject({ on: true, by: "ops", aborted: 1 });
        expect((await s.call("support-bot-1", "GET", `/v1/actions/${go.body.action_id}`)).body.abort_requested).toBe(true);
        const reported = await s.call("support-bot-1", "POST", `/v1/actions/${go.body.action_id}/outcome`, { status: "failed", error: "stopped on abort" });
        expect(reported.body.status).toBe("aborted");
        const next = await s.call("support-bot-1", "POST", "/v1/actions", { request: lookup() });
        expect(next.status).toBe(403);
        expect((await s.call("sam", "GET", "/v1/kill-switch")).body.on).toBe(true);
        expect((await s.call("ops", "POST", "/v1/kill-switch", { on: false })).body.on).toBe(false);
      } finally {
        await s.close();
      }
    });
  });
}

describe("decisions, bodies and schemas (SQLite)", { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-serve-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const store = async () => `sqlite:${join(dir, `t${n++}.db`)}`;

  it("approval lists come in pages: limit and the cursor `next` walk every approval once, in due order; a bad limit or cursor is 400", async () => {
    const s = await serve(await store());
    try {
      for (let i = 0; i < 7; i++) expect((await s.call("support-bot-1", "POST", "/v1/actions", { request: refund750(`P-${i}`), effect: "state" })).status).toBe(202);
      const whole = (await s.call("lena", "GET", "/v1/approvals?status=all")).body;
      expect(whole.approvals).toHaveLength(7);
      expect(whole.next).toBeUndefined();
      const seen: string[] = [];
      let next: string | undefined;
      let pages = 0;
      do {
        const r = await s.call("lena", "GET", `/v1/approvals?status=all&limit=3${next ? `&after=${next}` : ""}`);
        expect(r.status).toBe(200);
        expect(r.body.approvals.length).toBeLessThanOrEqual(3);
        seen.push(...r.body.approvals.map((a: { approval_id: string }) => a.approval_id));
        next = r.body.next;
        pages++;
      } while (next);
      expect(pages).toBe(3);
      expect(seen).toEqual(whole.approvals.map((a: { approval_id: string }) => a.approval_id));
      for (const bad of ["limit=0", "limit=501", "limit=2.5", "limit=1&limit=2", "after=bm9wZQ", `after=${"A".repeat(600)}`]) {
        const r = await s.call("lena", "GET", `/v1/approvals?${bad}`);
        expect([bad, r.status, r.body.code]).toEqual([bad, 400, "input_invalid"]);
      }
    } finally {
      await s.close();
    }
  });

  it("OPA's Data API and AuthZEN answer with the decision id and revision; each decision is audited", async () => {
    const s = await serve(await store());
    try {
      const d = await s.call("support-bot-1", "POST", "/v1/data/governance/decision", { input: lookup() });
      expect(d.status).toBe(200);
      expect(d.body.result.category).toBe("auto");
      expect(d.body.decision_id).toMatch(/./);
      expect(d.body.provenance.revision).toBe(s.governor.revision);
      expect((await s.call("support-bot-1", "POST", "/v1/data/governance/nope", { input: {} })).status).toBe(404);
      const z = await s.call("support-bot-1", "POST", "/access/v1/evaluation", { subject: { type: "agent", id: "support-bot-1" }, action: { name: "refund.issue" }, resource: { type: "order", id: "A-1", properties: { amount: 750 } }, context: { attributes: { identity_verified: true } } });
      expect(z.status).toBe(200);
      expect(z.body).toMatchObject({ decision: false, context: { category: "approve" } });
      const many = await s.call("pep", "POST", "/access/v1/evaluations", {
        subject: { type: "agent", id: "support-bot-1" },
        context: { attributes: { identity_verified: true } },
        evaluations: [{ action: { name: "order.lookup" }, resource: { type: "order", id: "A-1" } }, { action: { name: "refund.issue" }, resource: { type: "order", id: "A-1", properties: { amount: 20 } } }],
      });
      expect(many.body.evaluations.map((e: { decision: boolean }) => e.decision)).toEqual([true, true]);
      let decisions = 0;
      for await (const r of s.audit.list({ type: "decision" })) if (r.decision?.decision_id === d.body.decision_id) decisions++;
      expect(decisions).toBe(1);
    } finally {
      await s.close();
    }
  });

  it("bodies over the limit are 413, invalid ones 400 input_invalid, each refusal audited", async () => {
    const s = await serve(await store(), { bodyLimit: 4096 });
    try {
      const before = await s.audit.count();
      const big = await s.call("support-bot-1", "POST", "/v1/actions", { request: { ...lookup(), parameters: { pad: "x".repeat(10_000) } } });
      expect(big.status).toBe(413);
      expect(big.body.code).toBe("body_too_large");
      const bad = await s.call("support-bot-1", "POST", "/v1/actions", { request: lookup(), extra: 1 });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe("input_invalid");
      const notJson = await s.call("support-bot-1", "POST", "/v1/actions", "{not json");
      expect(notJson.status).toBe(400);
      expect(await s.audit.count()).toBe(before + 3);
    } finally {
      await s.close();
    }
  });
});
