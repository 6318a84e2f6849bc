// A month of governed traffic with known counts, appended record by record (schemas/audit-record.
// schema.json) with decision results computed by the real policy, so replay reproduces them.
//
// November 2026, 30 days; every figure below is per day and multiplied by `repeat`:
//   support-bot-1, support-bot-2 (support-agent), each:
//     3 x order.lookup (auto, executed; the third fails on days 7 and 22)
//     1 x order.update_address (auto, executed; rolled back on days 0, 10, 20)
//     1 x discount.apply 20 (notify, executed, queued; reviewed on time when day % 3 == 0,
//         2 h late when day % 3 == 1, never when day % 3 == 2)
//     1 x refund.issue 750 (approve, route support-lead, SLA 60 min: rejected after 10 min when
//         day % 5 == 0; escalated, then approved after 90 min when day % 5 == 4; else approved
//         after 30 min; approved ones executed)
//     1 x discount.apply 150 on even days (approve, SLA 240: approved after 60 min, executed)
//     1 x account.delete (block: hard block list and no write access to accounts, 2 reasons)
//   triage-bot (triage-agent): 2 x order.lookup (auto, executed), 1 x order.update_address (block)
//   shadow-bot (support-agent, shadow mode, days 0-9): order.lookup (humans approve),
//     order.update_address (humans reject on even days, approve on odd), refund.issue 750
//     (humans approve), account.delete (blocked, nobody asked); approved ones executed.
//   Revisions: everyone on A until day 20; support-bot-1 on B from day 20, support-bot-2 from
//   day 25; triage-bot and shadow-bot stay on A. B differs from A only in a route no request uses.
//   Kill switch: on at day 15 10:00 by ops ("incident 42"), off at 11:00.
//   Outside the month (so windows are tested): support-bot-1 looks up an order on 31 October
//   23:00 (revision A) and on 1 December 08:00 (revision B), executed: 4 records each.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuditLog, type AuditEntry } from "../../src/audit/log.ts";
import { buildBundleBytes, openStore } from "../../src/bundle/index.ts";
import { hashJSON } from "../../src/canonical-json.ts";
import { Evaluator } from "../../src/evaluator/evaluator.ts";
import type { ActionRequest, Approval, Principal, Route } from "../../src/schemas/types.ts";

export const MONTH = { since: "2026-11-01T00:00:00.000Z", until: "2026-12-01T00:00:00.000Z" };
const DAY = 86_400_000;
const MIN = 60_000;
const START = Date.parse(MONTH.since);

export interface Generated {
  store: string;
  bundles: string;
  revisionA: string;
  revisionB: string;
  records: number;
}

let built: Promise<{ bundles: string; a: string; b: string; root: string }> | undefined;
/** The repository's policy as revision A and a copy with one unused route changed as B, in a bundle store. */
export function bundleStore(): Promise<{ bundles: string; a: string; b: string; root: string }> {
  built ??= (async () => {
    const root = mkdtempSync(join(tmpdir(), "warden-report-"));
    const bundles = join(root, "bundles");
    const store = openStore(bundles);
    const a = store.put((await buildBundleBytes({ paths: ["policy"] })).bytes).entry.revision;
    const copy = join(root, "policy-b");
    cpSync("policy", copy, { recursive: true });
    const file = join(copy, "governance", "data.json");
    const data = JSON.parse(readFileSync(file, "utf8"));
    data.routes["permissions.change"].sla_minutes = 45;
    writeFileSync(file, JSON.stringify(data));
    const b = store.put((await buildBundleBytes({ paths: [copy] })).bytes).entry.revision;
    return { bundles, a, b, root };
  })();
  return built;
}

type Event = { t: number; entry: AuditEntry };

export async function generate(opts: { repeat?: number; store?: string; onProgress?: (n: number) => void } = {}): Promise<Generated> {
  const repeat = opts.repeat ?? 1;
  const { bundles, a: revA, b: revB, root } = await bundleStore();
  const evaluators = new Map<string, Evaluator>();
  for (const rev of [revA, revB]) evaluators.set(rev, await Evaluator.load({ bytes: openStore(bundles).get(rev) }, { allowUnsigned: true }));
  const results = new Map<string, unknown>();
  const decide = (rev: string, req: ActionRequest) => {
    const k = `${rev}:${hashJSON(req)}`;
    if (!results.has(k)) results.set(k, evaluators.get(rev)!.evaluate("governance/decision", req).result);
    return results.get(k) as { category: string; approval: Route | null; reasons: string[] };
  };

  const store = opts.store ?? join(root, `month-${Date.now()}-${Math.random().toString(36).slice(2)}.db`);
  // appendAll stamps its records in order, one now() each: the clock hands out their times.
  const stamps: number[] = [];
  const audit = await AuditLog.open(store, { now: () => new Date(stamps.shift() ?? START) });
  const days = new Map<number, Event[]>();
  const at = (t: number, entry: AuditEntry) => {
    const d = Math.floor((t - START) / DAY);
    let l = days.get(d);
    if (!l) days.set(d, (l = []));
    l.push({ t, entry });
  };
  let n = 0;
  let written = 0;
  const lena: Principal = { id: "lena", kind: "user", roles: ["support-lead"] };
  const ops: Principal = { id: "ops", kind: "operator", roles: ["warden:operator"] };
  const iso = (t: number) => new Date(t).toISOString();

  const request = (agent: { id: string; role: string }, action: string, parameters: Record<string, unknown>): ActionRequest => ({
    agent,
    initiator: { id: "customer-42", kind: "user" },
    action,
    parameters,
    context: { attributes: { identity_verified: true } },
  });

  /** The decision record; returns the action id and the result. */
  const decision = (t: number, rev: string, req: ActionRequest, mode: "enforce" | "shadow") => {
    const action_id = `a-${++n}`;
    const result = decide(rev, req);
    at(t, {
      type: "decision",
      action_id,
      actor: { id: req.agent.id, kind: "agent", roles: [req.agent.role] },
      initiator: req.initiator,
      request: req,
      request_hash: hashJSON(req),
      decision: { decision_id: `d-${n}`, revision: rev, entrypoint: "governance/decision", mode, result, recorded: { kill_switch: false } },
    });
    return { action_id, result };
  };
  const run = (t: number, action_id: string, req: ActionRequest, category: string, status: "succeeded" | "failed" = "succeeded") => {
    const executed = { action: req.action, parameters: req.parameters };
    at(t, { type: "intent", action_id, request_hash: hashJSON(req), executed, details: { category } });
    at(t + 1, { type: "started", action_id });
    const outcome: AuditEntry = { type: "outcome", action_id, status, executed, ...(status === "failed" ? { error: "upstream timeout" } : {}) };
    if (category === "notify" && status === "succeeded") {
      const item = { action_id, action: req.action, enqueued_at: iso(t + 2), due_at: iso(t + 2 + DAY), reviewed_at: null, reviewed_by: null };
      at(t + 2, { ...outcome, state: { table: "notify_queue", key: action_id, value: item } });
      return item;
    }
    at(t + 2, outcome);
    return undefined;
  };
  /** An approval's life: opened, maybe escalated, decided after `after` minutes, consumed when granted (and the action run). */
  const approval = (t: number, action_id: string, req: ActionRequest, rev: string, route: Route, verdict: "approve" | "reject", after: number, escalate: boolean) => {
    const approval_id = `ap-${n}`;
    const request_hash = hashJSON(req);
    let a: Approval = {
      approval_id,
      action_id,
      request_hash,
      revision: rev,
      route,
      status: "pending",
      level: 0,
      approver_role: route.approver_role,
      requested_by: { id: req.agent.id, kind: "agent", roles: [req.agent.role] },
      initiator: req.initiator,
      created_at: iso(t),
      due_at: iso(t + route.sla_minutes * MIN),
      history: [],
    };
    const write = (time: number, next: Approval) => {
      a = next;
      at(time, { type: "approval", action_id, state: { table: "approvals", key: approval_id, value: structuredClone(next) } });
    };
    write(t, a);
    if (escalate) {
      const e = t + route.sla_minutes * MIN;
      const to = route.escalation[0] ?? route.approver_role;
      write(e, { ...a, level: 1, approver_role: to, due_at: iso(e + route.sla_minutes * MIN), history: [...a.history, { event: "escalate", at: iso(e), to_role: to }] });
    }
    const d = t + after * MIN;
    const by = escalate ? { id: "mia", kind: "user" as const, roles: ["support-manager"] } : lena;
    write(d, {
      ...a,
      status: verdict === "approve" ? "approved" : "rejected",
      ...(verdict === "approve" ? { valid_until: iso(d + DAY) } : {}),
      history: [...a.history, { event: verdict, at: iso(d), by, saw: { request_hash, revision: rev } }],
    });
    if (verdict === "approve") {
      write(d + 1, { ...a, status: "consumed", history: [...a.history, { event: "consume", at: iso(d + 1) }] });
      run(d + 2, action_id, req, "approve");
    }
  };

  const support = [
    { id: "support-bot-1", role: "support-agent", switch: 20 },
    { id: "support-bot-2", role: "support-agent", switch: 25 },
  ];
  const triage = { id: "triage-bot", role: "triage-agent" };
  const shadow = { id: "shadow-bot", role: "support-agent" };

  for (const [t, rev] of [[START - 3_600_000, revA], [START + 30 * DAY + 8 * 3_600_000, revB]] as const) {
    const req = request({ id: "support-bot-1", role: "support-agent" }, "order.lookup", { order: "A-0" });
    const { action_id } = decision(t, rev, req, "enforce");
    run(t + 10, action_id, req, "auto");
  }
  await flush(-1);

  for (let day = 0; day < 30; day++) {
    const base = START + day * DAY;
    for (let k = 0; k < repeat; k++) {
      // Each copy of the day's pattern gets its own minutes, all within the working day.
      const h = (hour: number, minute = 0) => base + hour * 3_600_000 + minute * MIN + k * 7;
      for (const [i, s] of support.entries()) {
        const agent = { id: s.id, role: s.role };
        const rev = day >= s.switch ? revB : revA;
        const off = i * 2;
        for (let j = 0; j < 3; j++) {
          const req = request(agent, "order.lookup", { order: `A-${j}` });
          const { action_id } = decision(h(8, off + j * 5), rev, req, "enforce");
          run(h(8, off + j * 5) + 10, action_id, req, "auto", j === 2 && (day === 7 || day === 22) ? "failed" : "succeeded");
        }
        {
          const req = request(agent, "order.update_address", { order: "A-1", address: "Main St 1" });
          const { action_id } = decision(h(9, off), rev, req, "enforce");
          run(h(9, off) + 10, action_id, req, "auto");
          if (day % 10 === 0) {
            const rb = `rb-${++n}`;
            at(h(12, off), { type: "intent", action_id: rb, actor: ops, rolls_back: action_id, executed: { action: "warden.rollback", parameters: { action_id } } });
            at(h(12, off) + 1, { type: "outcome", action_id: rb, actor: ops, status: "succeeded", rolls_back: action_id });
          }
        }
        {
          const req = request(agent, "discount.apply", { amount: 20 });
          const t = h(10, off);
          const { action_id } = decision(t, rev, req, "enforce");
          const item = run(t + 10, action_id, req, "notify")!;
          const mode = day % 3;
          if (mode !== 2) {
            const reviewedAt = mode === 0 ? t + 3_600_000 : Date.parse(item.due_at) + 2 * 3_600_000;
            const reviewed = { ...item, reviewed_at: iso(reviewedAt), reviewed_by: "lena" };
            const late_ms = Math.max(0, reviewedAt - Date.parse(item.due_at));
            at(reviewedAt, { type: "notify", action_id, actor: lena, state: { table: "notify_queue", key: action_id, value: reviewed }, details: { event: "reviewed", action: item.action, due_at: item.due_at, late_ms } });
          }
        }
        {
          const req = request(agent, "refund.issue", { amount: 750, order: "A-7" });
          const t = h(11, off);
          const { action_id, result } = decision(t, rev, req, "enforce");
          const m = day % 5;
          approval(t + 5, action_id, req, rev, result.approval!, m === 0 ? "reject" : "approve", m === 0 ? 10 : m === 4 ? 90 : 30, m === 4);
        }
        if (day % 2 === 0) {
          const req = request(agent, "discount.apply", { amount: 150 });
          const t = h(13, off);
          const { action_id, result } = decision(t, rev, req, "enforce");
          approval(t + 5, action_id, req, rev, result.approval!, "approve", 60, false);
        }
        decision(h(14, off), rev, request(agent, "account.delete", { customer: "C-77" }), "enforce");
      }
      for (let j = 0; j < 2; j++) {
        const req = request(triage, "order.lookup", { order: `B-${j}` });
        const { action_id } = decision(h(15, j * 5), revA, req, "enforce");
        run(h(15, j * 5) + 10, action_id, req, "auto");
      }
      decision(h(16), revA, request(triage, "order.update_address", { order: "B-1", address: "x" }), "enforce");
      if (day < 10) {
        const shadowRoute: Route = { approver_role: "shadow-reviewer", sla_minutes: 60, escalation: [] };
        const plan: [string, Record<string, unknown>, "approve" | "reject"][] = [
          ["order.lookup", { order: "S-1" }, "approve"],
          ["order.update_address", { order: "S-1", address: "y" }, day % 2 === 0 ? "reject" : "approve"],
          ["refund.issue", { amount: 750, order: "S-2" }, "approve"],
        ];
        for (const [j, [action, params, verdict]] of plan.entries()) {
          const req = request(shadow, action, params);
          const t = h(17, j * 10);
          const { action_id, result } = decision(t, revA, req, "shadow");
          approval(t + 5, action_id, req, revA, result.approval ?? shadowRoute, verdict, 20, false);
        }
        decision(h(17, 40), revA, request(shadow, "account.delete", { customer: "C-9" }), "shadow");
      }
      if (day === 15 && k === 0) {
        at(h(10), { type: "kill_switch", actor: ops, details: { on: true, reason: "incident 42", aborted: 0 }, state: { table: "settings", key: "kill_switch", value: { on: true, by: "ops", at: iso(h(10)), reason: "incident 42" } } });
        at(h(11), { type: "kill_switch", actor: ops, details: { on: false }, state: { table: "settings", key: "kill_switch", value: { on: false, by: "ops", at: iso(h(11)) } } });
      }
    }
    await flush(day);
  }
  await flush(30);
  await audit.close();
  return { store, bundles, revisionA: revA, revisionB: revB, records: written };

  async function flush(day: number) {
    const list = days.get(day) ?? [];
    days.delete(day);
    list.sort((x, y) => x.t - y.t);
    for (let i = 0; i < list.length; i += 2000) {
      const chunk = list.slice(i, i + 2000);
      // One transaction per chunk; each record is stamped with its own time.
      stamps.push(...chunk.map((e) => e.t));
      await audit.appendAll(chunk.map((e) => e.entry));
      written += chunk.length;
      opts.onProgress?.(written);
    }
  }
}
