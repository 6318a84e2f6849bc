// Shadow-mode calibration: for every action decided in shadow mode, the policy's verdict (its
// category) against what the human decided on the approval shadow mode opened, per action, as a
// confusion table; and the matrix changes the disagreements suggest. Pure: the review collects
// the pairs from the audit trail, this only counts them.

import type { Calibration, CalibrationAction, Category, ConfusionRow, HumanOutcome, MatrixSuggestion } from "../schemas/types.ts";

export type { Calibration, CalibrationAction, Category, ConfusionRow };
export type Human = HumanOutcome;
export type Suggestion = MatrixSuggestion;

// The schema's enums (schemas/review-report.schema.json), as values; `satisfies` keeps them equal to the generated types.
export const CATEGORIES = ["auto", "notify", "approve", "block"] as const satisfies readonly Category[];
export const HUMAN = ["approved", "modified", "rejected", "expired", "pending", "not_asked"] as const satisfies readonly Human[];

/** One shadow-mode decision: the policy's verdict and what the human did. */
export interface ShadowPair {
  action: string;
  policy: Category;
  human: Human;
}

const emptyRow = (): ConfusionRow => ({ approved: 0, modified: 0, rejected: 0, expired: 0, pending: 0, not_asked: 0 });

export function calibrate(pairs: Iterable<ShadowPair>): Calibration {
  const byAction = new Map<string, CalibrationAction>();
  for (const p of pairs) {
    let a = byAction.get(p.action);
    if (!a) {
      a = { action: p.action, decisions: 0, table: { auto: emptyRow(), notify: emptyRow(), approve: emptyRow(), block: emptyRow() }, agreed: 0, suggestions: [] };
      byAction.set(p.action, a);
    }
    a.decisions++;
    a.table[p.policy][p.human]++;
    if (agrees(p)) a.agreed++;
  }
  const actions = [...byAction.values()].sort((x, y) => y.decisions - x.decisions || x.action.localeCompare(y.action));
  for (const a of actions) a.suggestions = suggest(a);
  return {
    decisions: actions.reduce((n, a) => n + a.decisions, 0),
    agreed: actions.reduce((n, a) => n + a.agreed, 0),
    actions,
    suggestions: actions.flatMap((a) => a.suggestions),
  };
}

function agrees(p: ShadowPair): boolean {
  if (p.policy === "block") return true;
  if (p.policy === "approve") return p.human === "approved" || p.human === "modified";
  return p.human === "approved";
}

const decided = (r: ConfusionRow) => r.approved + r.modified + r.rejected;

function suggest(a: CalibrationAction): Suggestion[] {
  const out: Suggestion[] = [];
  for (const c of ["auto", "notify"] as const) {
    const r = a.table[c];
    if (r.rejected > 0) out.push({ action: a.action, from: c, to: "approve", why: `the policy said ${c}, and humans rejected ${r.rejected} of ${decided(r)} decided: should need approval` });
  }
  const ap = a.table.approve;
  if (decided(ap) > 0 && ap.approved === decided(ap)) out.push({ action: a.action, from: "approve", to: "notify", why: `the policy asked for approval, and humans approved all ${ap.approved}: candidate for notify` });
  else if (decided(ap) > 0 && ap.rejected === decided(ap)) out.push({ action: a.action, from: "approve", to: "block", why: `the policy asked for approval, and humans rejected all ${ap.rejected}: candidate for block` });
  return out;
}
