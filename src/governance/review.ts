// The monthly governance review (DESIGN.md), computed from the audit trail alone, in one pass over
// the records of a window [since, until): decisions per category over time, per agent and per
// action; how humans decided approvals, how fast against the SLA, and how often they escalated;
// approve-actions approved every time (candidates for notify) and blocked actions often requested
// (candidates for governed access); notify actions reviewed late or never; rollbacks and failures
// per action (auto actions rolled back: candidates for approval); kill-switch events; which
// revision each agent ran when, with drift flagged; shadow calibration (report/calibration.ts); and,
// given the bundle store, the least-privilege review of the policy's role table
// (report/least-privilege.ts). The JSON shape is ReviewReport (version 2, schemas/review-report.schema.json); the HTML page renders it
// (report/review-html.ts).
import type { AuditLog } from "../audit/log.ts";
import { openStore, readBundle } from "../bundle/index.ts";
import { CATEGORIES, calibrate, type Category, type Human, type ShadowPair } from "../report/calibration.ts";
import { leastPrivilege, type GovernanceData, type LeastPrivilege, type Use } from "../report/least-privilege.ts";
import type { Approval, ApprovalFigures, AuditRecord, CategoryCounts, ReviewReport } from "../schemas/types.ts";
import type { NotifyItem } from "./state.ts";

// The report's shape is written once, as schemas/review-report.schema.json; these are its generated types.
export type { ApprovalFigures, CategoryCounts, ReviewReport };

export interface ReviewOptions {
  since?: string | Date;
  until?: string | Date;
  /** Blocked actions requested at least this often are candidates for governed access (default 5). */
  often?: number;
  /** The bundle store: enables the least-privilege review (of `revision`, default the current one). */
  bundles?: string;
  revision?: string;
  /** Called every `progressEvery` records (default 50,000) and at the end. */
  onProgress?: (p: { records: number; total: number }) => void;
  progressEvery?: number;
}

const zero = (): CategoryCounts => ({ auto: 0, notify: 0, approve: 0, block: 0 });
const isCategory = (c: unknown): c is Category => typeof c === "string" && (CATEGORIES as readonly string[]).includes(c);
const SEP = "\u0000";

/** What the pass keeps of each action: its name, the policy's category, whether it was decided in shadow mode, and the category it ran as (its intent's). */
interface ActionInfo {
  action: string;
  category: Category;
  shadow: boolean;
  ran?: Category;
}

export async function governanceReview(audit: AuditLog, opts: ReviewOptions = {}): Promise<ReviewReport> {
  const since = opts.since !== undefined ? new Date(opts.since).toISOString() : undefined;
  const until = opts.until !== undefined ? new Date(opts.until).toISOString() : undefined;
  const often = opts.often ?? 5;
  const every = opts.progressEvery ?? 50_000;
  const total = opts.onProgress ? await audit.count() : 0;

  const info = new Map<string, ActionInfo>();
  const categories = zero();
  const modes = { enforce: 0, shadow: 0 };
  const timeline = new Map<string, CategoryCounts>();
  const byAgent = new Map<string, CategoryCounts>();
  const byAction = new Map<string, CategoryCounts>();
  // Per approval: its newest value, and its newest status other than consumed (what the human decided, for approvals without history).
  const approvals = new Map<string, { action: string; shadow: boolean; a: Approval; status: Approval["status"] }>();
  const blocked = new Map<string, { requests: number; reasons: Map<string, number> }>();
  const executed = new Map<string, { executed: number; rolled_back: number; failed: number }>();
  const notify = new Map<string, NotifyItem>();
  const killSwitch: ReviewReport["kill_switch"] = [];
  const revisions = new Map<string, { decisions: number; first: string; last: string }>();
  const revisionDays = new Map<string, number>();
  const usage = new Map<string, Map<string, Use>>();
  const agentUsage = new Map<string, Map<string, Use>>(); // agent \0 role -> action -> use
  let current: { revision: string; time: string } | undefined;
  let records = 0;
  let decisions = 0;
  let read = 0;
  let lastTime = since ?? "";

  const count = (m: Map<string, CategoryCounts>, k: string, c: Category) => {
    let v = m.get(k);
    if (!v) m.set(k, (v = zero()));
    v[c]++;
  };
  const tally = (action: string, category: string) => {
    const k = `${action}${SEP}${category}`;
    let v = executed.get(k);
    if (!v) executed.set(k, (v = { executed: 0, rolled_back: 0, failed: 0 }));
    return v;
  };

  for await (const r of audit.list(since !== undefined ? { since } : {})) {
    if (++read % every === 0) opts.onProgress?.({ records: read, total });
    if (until !== undefined && r.time >= until) continue;
    records++;
    if (r.time > lastTime) lastTime = r.time;
    switch (r.type) {
      case "decision": {
        const d = r.decision;
        const req = r.request;
        const category = (d?.result as { category?: unknown } | undefined)?.category;
        if (!d || !req || !isCategory(category)) break;
        decisions++;
        const shadow = d.mode === "shadow";
        if (r.action_id) info.set(r.action_id, { action: req.action, category, shadow });
        categories[category]++;
        modes[shadow ? "shadow" : "enforce"]++;
        const day = r.time.slice(0, 10);
        count(timeline, day, category);
        count(byAgent, req.agent.id, category);
        count(byAction, req.action, category);
        if (category === "block") {
          let b = blocked.get(req.action);
          if (!b) blocked.set(req.action, (b = { requests: 0, reasons: new Map() }));
          b.requests++;
          for (const reason of ((d.result as { reasons?: string[] }).reasons ?? [])) b.reasons.set(reason, (b.reasons.get(reason) ?? 0) + 1);
        }
        let roleUse = usage.get(req.agent.role);
        if (!roleUse) usage.set(req.agent.role, (roleUse = new Map()));
        let u = roleUse.get(req.action);
        if (!u) roleUse.set(req.action, (u = { allowed: 0, blocked: 0 }));
        if (category === "block") u.blocked++;
        else u.allowed++;
        const ak = `${req.agent.id}${SEP}${req.agent.role}`;
        let agentUse = agentUsage.get(ak);
        if (!agentUse) agentUsage.set(ak, (agentUse = new Map()));
        let au = agentUse.get(req.action);
        if (!au) agentUse.set(req.action, (au = { allowed: 0, blocked: 0 }));
        if (category === "block") au.blocked++;
        else au.allowed++;
        const key = `${req.agent.id}${SEP}${d.revision}`;
        const seen = revisions.get(key);
        if (seen) {
          seen.decisions++;
          seen.last = r.time;
        } else revisions.set(key, { decisions: 1, first: r.time, last: r.time });
        const dk = `${day}${SEP}${req.agent.id}${SEP}${d.revision}`;
        revisionDays.set(dk, (revisionDays.get(dk) ?? 0) + 1);
        if (!current || r.time >= current.time) current = { revision: d.revision, time: r.time };
        break;
      }
      case "approval": {
        const a = approvalOf(r);
        if (!a) break;
        const i = info.get(a.action_id);
        const prev = approvals.get(a.approval_id);
        approvals.set(a.approval_id, { action: i?.action ?? prev?.action ?? "(unknown)", shadow: i?.shadow ?? false, a, status: a.status === "consumed" ? (prev?.status ?? "approved") : a.status });
        break;
      }
      case "intent": {
        const i = r.action_id ? info.get(r.action_id) : undefined;
        const c = (r.details as { category?: unknown } | undefined)?.category;
        if (r.action_id && isCategory(c)) info.set(r.action_id, { action: r.executed?.action ?? i?.action ?? "(unknown)", category: i?.category ?? c, shadow: i?.shadow ?? false, ran: c });
        break;
      }
      case "outcome": {
        if (r.rolls_back) {
          const undone = info.get(r.rolls_back);
          if (undone && r.status === "succeeded") tally(undone.action, undone.ran ?? undone.category).rolled_back++;
          break;
        }
        if (r.state?.table === "notify_queue" && r.state.value) notify.set(r.state.key, r.state.value as NotifyItem);
        const i = r.action_id ? info.get(r.action_id) : undefined;
        const action = r.executed?.action ?? i?.action;
        if (!action) break;
        const t = tally(action, i?.ran ?? i?.category ?? "(unknown)");
        if (r.status === "succeeded") t.executed++;
        else t.failed++;
        break;
      }
      case "notify":
        if (r.state?.table === "notify_queue" && r.state.value) notify.set(r.state.key, r.state.value as NotifyItem);
        break;
      case "kill_switch": {
        const det = (r.details ?? {}) as { on?: unknown; reason?: unknown; aborted?: unknown };
        const v = r.state?.value as { on?: unknown; by?: unknown } | undefined;
        killSwitch.push({
          time: r.time,
          on: det.on === true || v?.on === true,
          by: r.actor?.id ?? (typeof v?.by === "string" ? v.by : "(unknown)"),
          ...(typeof det.reason === "string" ? { reason: det.reason } : {}),
          ...(typeof det.aborted === "number" ? { aborted: det.aborted } : {}),
        });
        break;
      }
      default:
        break;
    }
  }
  opts.onProgress?.({ records: read, total });

  // Approvals whose decision came before the window: their action (and mode) from that decision record.
  for (const entry of approvals.values()) {
    if (entry.action !== "(unknown)") continue;
    let i = info.get(entry.a.action_id);
    if (!i) {
      for await (const d of audit.list({ action_id: entry.a.action_id, type: "decision", limit: 1 })) {
        const category = (d.decision?.result as { category?: unknown } | undefined)?.category;
        if (d.request && isCategory(category)) info.set(entry.a.action_id, (i = { action: d.request.action, category, shadow: d.decision?.mode === "shadow" }));
      }
    }
    if (i) {
      entry.action = i.action;
      entry.shadow = i.shadow;
    }
  }

  // Approvals: enforce-mode ones per action; shadow-mode ones pair with their decision for calibration.
  const perAction = new Map<string, { list: { a: Approval; status: Approval["status"] }[] }>();
  const pairs: ShadowPair[] = [];
  const shadowAsked = new Set<string>();
  for (const { action, shadow, a, status } of approvals.values()) {
    if (shadow) {
      const i = info.get(a.action_id);
      if (i && !shadowAsked.has(a.action_id) && !a.supersedes) {
        shadowAsked.add(a.action_id);
        pairs.push({ action, policy: i.category, human: outcomeOf(a, status) });
      }
      continue;
    }
    let p = perAction.get(action);
    if (!p) perAction.set(action, (p = { list: [] }));
    p.list.push({ a, status });
  }
  for (const [, i] of info) if (i.shadow && i.category === "block") pairs.push({ action: i.action, policy: "block", human: "not_asked" });
  const approvalFigures = [...perAction].map(([action, p]) => approvalFiguresOf(action, p.list)).sort((x, y) => y.requested - x.requested || x.action.localeCompare(y.action));

  const end = until ?? lastTime;
  const notifyRows = new Map<string, ReviewReport["notify_review"][number]>();
  for (const item of notify.values()) {
    let n = notifyRows.get(item.action);
    if (!n) notifyRows.set(item.action, (n = { action: item.action, queued: 0, on_time: 0, late: 0, never: 0, not_due: 0, max_late_minutes: 0 }));
    n.queued++;
    if (item.reviewed_at !== null) {
      const late = Date.parse(item.reviewed_at) - Date.parse(item.due_at);
      if (late > 0) {
        n.late++;
        n.max_late_minutes = Math.max(n.max_late_minutes, Math.round(late / 60_000));
      } else n.on_time++;
    } else if (item.due_at < end) n.never++;
    else n.not_due++;
  }

  const revisionRows = [...revisions].map(([k, v]) => ({ agent: k.split(SEP)[0]!, revision: k.split(SEP)[1]!, ...v, drift: false })).sort((a, b) => a.first.localeCompare(b.first) || a.agent.localeCompare(b.agent));
  const drift: ReviewReport["drift"] = [];
  for (let i = 0; i < revisionRows.length; i++) {
    for (let j = i + 1; j < revisionRows.length; j++) {
      const a = revisionRows[i]!;
      const b = revisionRows[j]!;
      if (a.revision === b.revision || a.first > b.last || b.first > a.last) continue;
      a.drift = b.drift = true;
      drift.push({ from: a.first > b.first ? a.first : b.first, to: a.last < b.last ? a.last : b.last, a: { agent: a.agent, revision: a.revision }, b: { agent: b.agent, revision: b.revision } });
    }
  }
  const published = opts.bundles !== undefined ? openStore(opts.bundles).list().at(-1)?.revision : undefined;
  if (published !== undefined) current = { revision: published, time: end };
  const newest = new Map<string, (typeof revisionRows)[number]>();
  for (const v of revisionRows) if (!newest.has(v.agent) || v.last > newest.get(v.agent)!.last) newest.set(v.agent, v);
  const behind = current ? [...newest.values()].filter((v) => v.revision !== current!.revision).map((v) => ({ agent: v.agent, revision: v.revision, last: v.last })) : [];

  const executedRows = [...executed].map(([k, e]) => ({ action: k.split(SEP)[0]!, category: k.split(SEP)[1]!, ...e })).sort((x, y) => y.executed - x.executed || x.action.localeCompare(y.action) || x.category.localeCompare(y.category));
  const blockedRows = [...blocked]
    .map(([action, b]) => ({ action, requests: b.requests, reasons: [...b.reasons].map(([reason, count]) => ({ reason, count })).sort((x, y) => y.count - x.count || x.reason.localeCompare(y.reason)) }))
    .sort((x, y) => y.requests - x.requests || x.action.localeCompare(y.action));

  let lp: LeastPrivilege | undefined;
  const lpRevision = opts.revision ?? current?.revision;
  if (opts.bundles !== undefined && lpRevision !== undefined) {
    const data = readBundle(openStore(opts.bundles).get(lpRevision)).data as { governance?: GovernanceData };
    lp = leastPrivilege(lpRevision, data.governance ?? {}, usage, [...agentUsage].map(([k, use]) => ({ agent: k.split(SEP)[0]!, role: k.split(SEP)[1]!, use })));
  }

  return {
    version: 2,
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    records,
    decisions,
    categories,
    modes,
    timeline: [...timeline].map(([day, c]) => ({ day, ...c })).sort((a, b) => a.day.localeCompare(b.day)),
    by_agent: rows(byAgent, "agent"),
    by_action: rows(byAction, "action"),
    approvals: approvalFigures,
    notify_candidates: approvalFigures.filter((a) => a.always_granted).map((a) => ({ action: a.action, approved: a.approved })),
    blocked: blockedRows,
    governed_access_candidates: blockedRows.filter((b) => b.requests >= often).map((b) => ({ action: b.action, requests: b.requests })),
    often,
    notify_review: [...notifyRows.values()].sort((x, y) => y.late + y.never - (x.late + x.never) || x.action.localeCompare(y.action)),
    executed: executedRows,
    approval_candidates: executedRows.filter((e) => e.category === "auto" && e.rolled_back > 0).map((e) => ({ action: e.action, executed: e.executed, rolled_back: e.rolled_back })),
    kill_switch: killSwitch,
    revisions: revisionRows,
    revision_days: [...revisionDays]
      .map(([k, decisions]) => {
        const [day, agent, revision] = k.split(SEP) as [string, string, string];
        return { day, agent, revision, decisions };
      })
      .sort((a, b) => a.day.localeCompare(b.day) || a.agent.localeCompare(b.agent) || a.revision.localeCompare(b.revision)),
    drift,
    ...(current ? { current_revision: current.revision } : {}),
    behind,
    calibration: calibrate(pairs),
    ...(lp ? { least_privilege: lp } : {}),
  };
}

function rows<K extends string>(m: Map<string, CategoryCounts>, key: K): ({ [P in K]: string } & { total: number } & CategoryCounts)[] {
  return [...m]
    .map(([k, c]) => ({ [key]: k, total: c.auto + c.notify + c.approve + c.block, ...c }) as { [P in K]: string } & { total: number } & CategoryCounts)
    .sort((a, b) => b.total - a.total || a[key].localeCompare(b[key]));
}

/** What the human decided last on an approval (pending when nobody did and it has not expired); `status` for an approval without history. */
function outcomeOf(a: Approval, status: Approval["status"]): Human {
  for (let i = a.history.length - 1; i >= 0; i--) {
    const e = a.history[i]!.event;
    if (e === "approve") return "approved";
    if (e === "modify") return "modified";
    if (e === "reject") return "rejected";
    if (e === "expire") return "expired";
  }
  return status === "consumed" ? "approved" : status;
}

const minutes = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 60_000;
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

function approvalFiguresOf(action: string, list: { a: Approval; status: Approval["status"] }[]): ApprovalFigures {
  const f: ApprovalFigures = {
    action,
    requested: list.length,
    approved: 0,
    modified: 0,
    rejected: 0,
    expired: 0,
    pending: 0,
    shares: { approved: 0, modified: 0, rejected: 0, expired: 0 },
    always_granted: false,
    sla_minutes: 0,
    decided: 0,
    within_sla: 0,
    over_sla: 0,
    median_minutes: 0,
    max_minutes: 0,
    escalated: 0,
    escalations: 0,
  };
  const times: number[] = [];
  for (const { a, status } of list) {
    const o = outcomeOf(a, status);
    if (o !== "not_asked") f[o]++;
    f.sla_minutes = Math.max(f.sla_minutes, a.route.sla_minutes);
    const steps = a.history.filter((e) => e.event === "escalate").length;
    if (steps) f.escalated++;
    f.escalations += steps;
    const first = a.history.find((e) => e.event === "approve" || e.event === "modify" || e.event === "reject");
    if (first) {
      const m = minutes(a.created_at, first.at);
      times.push(m);
      f.decided++;
      if (m <= a.route.sla_minutes) f.within_sla++;
      else f.over_sla++;
    }
  }
  for (const k of ["approved", "modified", "rejected", "expired"] as const) f.shares[k] = round4(f[k] / f.requested);
  f.always_granted = f.approved > 0 && f.approved === f.requested;
  if (times.length) {
    times.sort((x, y) => x - y);
    const mid = times.length >> 1;
    f.median_minutes = round4(times.length % 2 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2);
    f.max_minutes = round4(times[times.length - 1]!);
  }
  return f;
}

/** The report as text for people. */
export function renderReview(r: ReviewReport): string {
  const window = `${r.since ? ` since ${r.since}` : ""}${r.until ? ` until ${r.until}` : ""}`;
  const c = r.categories;
  const lines = [
    `Governance review${window}: ${r.decisions} decisions (${c.auto} auto, ${c.notify} notify, ${c.approve} approve, ${c.block} block; ${r.modes.shadow} in shadow mode)`,
    "",
    "Approvals (always granted ones are candidates for notify):",
  ];
  for (const a of r.approvals) {
    lines.push(
      `  ${a.action.padEnd(22)} ${a.requested} requested: ${a.approved} approved, ${a.modified} modified, ${a.rejected} rejected, ${a.expired} expired, ${a.pending} pending; ` +
        `${a.within_sla}/${a.decided} decided within the ${a.sla_minutes} min SLA (median ${a.median_minutes} min); ${a.escalated} escalated${a.always_granted ? "  <- always granted" : ""}`,
    );
  }
  if (!r.approvals.length) lines.push("  none");
  lines.push("", `Blocked actions, most requested first (${r.often} or more: candidates for governed access):`);
  for (const b of r.blocked) lines.push(`  ${String(b.requests).padStart(4)}  ${b.action}: ${b.reasons.map((x) => `${x.reason} (${x.count})`).join("; ")}`);
  if (!r.blocked.length) lines.push("  none");
  lines.push("", "Notify actions reviewed late or never:");
  for (const n of r.notify_review) lines.push(`  ${n.action.padEnd(22)} ${n.queued} queued: ${n.on_time} on time, ${n.late} late, ${n.never} never, ${n.not_due} not yet due`);
  if (!r.notify_review.length) lines.push("  none");
  lines.push("", "Executed actions, and how many were rolled back or failed (auto ones rolled back are candidates for approval):");
  for (const e of r.executed) lines.push(`  ${e.action.padEnd(22)} ${e.category.padEnd(8)} ${e.executed} executed, ${e.rolled_back} rolled back, ${e.failed} failed or aborted`);
  if (!r.executed.length) lines.push("  none");
  lines.push("", "Kill switch:");
  for (const k of r.kill_switch) lines.push(`  ${k.time} ${k.on ? "ON " : "off"} by ${k.by}${k.reason ? `: ${k.reason}` : ""}`);
  if (!r.kill_switch.length) lines.push("  never thrown");
  lines.push("", "Policy revisions by agent:");
  for (const v of r.revisions) lines.push(`  ${v.agent.padEnd(18)} ${v.revision.slice(0, 16)}…  ${v.decisions} decisions, ${v.first} .. ${v.last}${v.drift ? "  <- drift" : ""}`);
  if (!r.revisions.length) lines.push("  none");
  lines.push("", `Shadow calibration: ${r.calibration.decisions} decisions, ${r.calibration.agreed} where policy and humans agreed`);
  for (const s of r.calibration.suggestions) lines.push(`  ${s.action}: ${s.from} -> ${s.to} (${s.why})`);
  if (r.least_privilege) {
    lines.push("", `Least privilege (revision ${r.least_privilege.revision.slice(0, 12)}): ${r.least_privilege.removed} unused grant(s)`);
    for (const role of r.least_privilege.roles) for (const u of role.unused) lines.push(`  ${role.role}: ${u.access} on ${u.system} unused`);
  }
  return lines.join("\n");
}

/** The approval an approval record carries: as the row it sets, or (older records) inline. */
function approvalOf(r: AuditRecord): Approval | undefined {
  if (r.state?.table === "approvals" && r.state.value !== null) return r.state.value as Approval;
  return r.approval;
}
