// Shadow-mode calibration: for every action decided in shadow mode, the policy's verdict (its
// category) against what the human decided on the approval shadow mode opened, per action, as a
// confusion table; and the matrix changes the disagreements suggest. Pure: the review collects
// the pairs from the audit trail, this only counts them.

export const CATEGORIES = ["auto", "notify", "approve", "block"] as const;
export type Category = (typeof CATEGORIES)[number];

/** What the human did: an approval outcome, or not_asked (shadow mode never asks about a block). */
export const HUMAN = ["approved", "modified", "rejected", "expired", "pending", "not_asked"] as const;
export type Human = (typeof HUMAN)[number];

export interface ShadowPair {
  action: string;
  policy: Category;
  human: Human;
}

export type ConfusionRow = Record<Human, number>;

export interface CalibrationAction {
  action: string;
  decisions: number;
  /** policy category -> human outcome -> count (every cell present, zeros included). */
  table: Record<Category, ConfusionRow>;
  /** Policy and humans agreed: policy allowed (auto/notify) and they approved, or the policy asked (approve) and they approved or modified, or it blocked. */
  agreed: number;
  suggestions: Suggestion[];
}

export interface Suggestion {
  action: string;
  /** The matrix entry's category now (the policy's verdict) and the one suggested. */
  from: Category;
  to: Category;
  why: string;
}

export interface Calibration {
  decisions: number;
  agreed: number;
  actions: CalibrationAction[];
  suggestions: Suggestion[];
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
