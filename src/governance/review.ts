// The monthly governance review (DESIGN.md), computed from the audit trail alone: which approvals
// are always granted (candidates to relax), which blocked actions are often requested (a missing
// capability or a misbehaving agent), which executed actions were later rolled back or failed
// (the nearest signal of complaints the trail holds), and which agents run which policy revision.
import type { AuditLog } from "../audit/log.ts";
import type { Approval, AuditRecord } from "../schemas/types.ts";

export interface ReviewReport {
  since?: string;
  decisions: number;
  /** Per action that needed approval: how the humans decided. */
  approvals: { action: string; requested: number; approved: number; modified: number; rejected: number; expired: number; always_granted: boolean }[];
  /** Per blocked action and reason: how often it was requested. */
  blocked: { action: string; reason: string; count: number }[];
  /** Per executed action: how many ran, were rolled back, or failed or were aborted. */
  executed: { action: string; executed: number; rolled_back: number; failed: number }[];
  /** Per agent: the revisions its decisions were made under, with first and last use. */
  revisions: { agent: string; revision: string; decisions: number; first: string; last: string }[];
}

export async function governanceReview(audit: AuditLog, opts: { since?: string | Date } = {}): Promise<ReviewReport> {
  const actionOf = new Map<string, string>();
  const approvals = new Map<string, { requested: number; approved: number; modified: number; rejected: number; expired: number }>();
  const finalStatus = new Map<string, string>(); // approval_id -> last status
  const approvalAction = new Map<string, string>();
  const blocked = new Map<string, number>();
  const executed = new Map<string, { executed: number; rolled_back: number; failed: number }>();
  const revisions = new Map<string, { decisions: number; first: string; last: string }>();
  let decisions = 0;
  const tally = (m: typeof executed, action: string) => m.get(action) ?? (m.set(action, { executed: 0, rolled_back: 0, failed: 0 }), m.get(action)!);

  for await (const r of audit.list(opts.since !== undefined ? { since: opts.since } : {})) {
    const action = r.request?.action ?? r.executed?.action ?? (r.action_id ? actionOf.get(r.action_id) : undefined);
    if (r.action_id && action) actionOf.set(r.action_id, action);
    if (r.type === "decision" && r.decision && r.request) {
      decisions++;
      const result = r.decision.result as { category?: string; reasons?: string[] };
      if (result.category === "block") for (const reason of result.reasons ?? []) blocked.set(`${r.request.action}\u0000${reason}`, (blocked.get(`${r.request.action}\u0000${reason}`) ?? 0) + 1);
      const key = `${r.request.agent.id}\u0000${r.decision.revision}`;
      const seen = revisions.get(key);
      revisions.set(key, seen ? { ...seen, decisions: seen.decisions + 1, last: r.time } : { decisions: 1, first: r.time, last: r.time });
    } else if (r.type === "approval" && approvalOf(r) && action) {
      const a = approvalOf(r)!;
      approvalAction.set(a.approval_id, action);
      // Consumed: used by its execution; what the human decided is the status before.
      if (a.status !== "consumed") finalStatus.set(a.approval_id, a.status);
    } else if (r.type === "outcome") {
      countOutcome(r, action, actionOf, tally, executed);
    }
  }
  for (const [id, status] of finalStatus) {
    const action = approvalAction.get(id)!;
    const a = approvals.get(action) ?? { requested: 0, approved: 0, modified: 0, rejected: 0, expired: 0 };
    a.requested++;
    if (status === "approved" || status === "modified" || status === "rejected" || status === "expired") a[status]++;
    approvals.set(action, a);
  }
  return {
    ...(opts.since !== undefined ? { since: new Date(opts.since).toISOString() } : {}),
    decisions,
    approvals: [...approvals].map(([action, a]) => ({ action, ...a, always_granted: a.approved > 0 && a.approved === a.requested })).sort(byCount((x) => x.requested)),
    blocked: [...blocked].map(([k, count]) => ({ action: k.split("\u0000")[0]!, reason: k.split("\u0000")[1]!, count })).sort(byCount((x) => x.count)),
    executed: [...executed].map(([action, e]) => ({ action, ...e })).sort(byCount((x) => x.executed)),
    revisions: [...revisions].map(([k, v]) => ({ agent: k.split("\u0000")[0]!, revision: k.split("\u0000")[1]!, ...v })).sort((a, b) => a.first.localeCompare(b.first)),
  };
}

function countOutcome(
  r: AuditRecord,
  action: string | undefined,
  actionOf: Map<string, string>,
  tally: (m: Map<string, { executed: number; rolled_back: number; failed: number }>, action: string) => { executed: number; rolled_back: number; failed: number },
  executed: Map<string, { executed: number; rolled_back: number; failed: number }>,
): void {
  if (r.rolls_back) {
    const undone = actionOf.get(r.rolls_back);
    if (undone && r.status === "succeeded") tally(executed, undone).rolled_back++;
    return;
  }
  if (!action) return;
  if (r.status === "succeeded") tally(executed, action).executed++;
  else tally(executed, action).failed++;
}

const byCount =
  <T>(f: (x: T) => number) =>
  (a: T, b: T): number =>
    f(b) - f(a);

/** The report as text for people. */
export function renderReview(r: ReviewReport): string {
  const lines = [`Governance review${r.since ? ` since ${r.since}` : ""}: ${r.decisions} decisions`, "", "Approvals (always granted ones may be candidates to relax):"];
  for (const a of r.approvals) {
    lines.push(`  ${a.action.padEnd(22)} ${a.requested} requested: ${a.approved} approved, ${a.modified} modified, ${a.rejected} rejected, ${a.expired} expired${a.always_granted ? "  <- always granted" : ""}`);
  }
  if (!r.approvals.length) lines.push("  none");
  lines.push("", "Blocked actions, most requested first:");
  for (const b of r.blocked) lines.push(`  ${String(b.count).padStart(4)}  ${b.action}: ${b.reason}`);
  if (!r.blocked.length) lines.push("  none");
  lines.push("", "Executed actions, and how many were rolled back or failed:");
  for (const e of r.executed) lines.push(`  ${e.action.padEnd(22)} ${e.executed} executed, ${e.rolled_back} rolled back, ${e.failed} failed or aborted`);
  if (!r.executed.length) lines.push("  none");
  lines.push("", "Policy revisions by agent:");
  for (const v of r.revisions) lines.push(`  ${v.agent.padEnd(18)} ${v.revision.slice(0, 16)}…  ${v.decisions} decisions, ${v.first} .. ${v.last}`);
  if (!r.revisions.length) lines.push("  none");
  return lines.join("\n");
}

/** The approval an approval record carries: as the row it sets, or (older records) inline. */
function approvalOf(r: AuditRecord): Approval | undefined {
  if (r.state?.table === "approvals" && r.state.value !== null) return r.state.value as Approval;
  return r.approval;
}
