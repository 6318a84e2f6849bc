// The impact of a candidate bundle, from a replay against it (replay/replay.ts): per action and
// per (recorded category -> candidate category), how many recorded decisions would change, and in
// which direction, the dangerous one first: what was denied (block, or approve: not allowed
// without a human) and would now be allowed (auto, notify). Pure.
import type { ReplayDifference, ReplayReport } from "../replay/replay.ts";
import type { ActionImpact, ImpactDirection, ImpactRecord, ImpactTransition, PolicyImpact } from "../schemas/types.ts";

export type Direction = ImpactDirection;
export type Impact = PolicyImpact;
export type { ActionImpact, ImpactRecord, ImpactTransition as Transition };

/** Order of the directions in the report: opens first. */
export const DIRECTIONS = ["opens", "loosens", "tightens", "same_category", "error"] as const satisfies readonly Direction[];

const RANK: Record<string, number> = { auto: 0, notify: 1, approve: 2, block: 3 };
const allowed = (c: string) => c === "auto" || c === "notify";

const categoryOf = (v: unknown): string => {
  if (v && typeof v === "object" && "error" in v) return "error";
  const c = (v as { category?: unknown } | undefined)?.category;
  return typeof c === "string" ? c : "(none)";
};

export function direction(from: string, to: string): Direction {
  if (!(from in RANK) || !(to in RANK)) return "error";
  if (from === to) return "same_category";
  if (!allowed(from) && allowed(to)) return "opens";
  return RANK[to]! < RANK[from]! ? "loosens" : "tightens";
}

const order = (d: Direction) => (DIRECTIONS as readonly Direction[]).indexOf(d);

export function impact(r: ReplayReport): Impact {
  const byAction = new Map<string, ActionImpact>();
  const transitions = new Map<string, ImpactTransition>();
  const records: ImpactRecord[] = [];
  const directions = Object.fromEntries(DIRECTIONS.map((d) => [d, 0])) as Record<Direction, number>;
  for (const d of r.differences) {
    const from = categoryOf(d.recorded);
    const to = categoryOf(d.replayed);
    const dir = direction(from, to);
    directions[dir]++;
    const action = d.action ?? "(unknown)";
    const tk = `${from}>${to}`;
    const t = transitions.get(tk) ?? { from, to, direction: dir, count: 0 };
    t.count++;
    transitions.set(tk, t);
    const ak = `${action}>${tk}`;
    const a = byAction.get(ak) ?? { action, from, to, direction: dir, count: 0, seqs: [] };
    a.count++;
    a.seqs.push(d.seq);
    byAction.set(ak, a);
    records.push(recordOf(d, action, from, to, dir));
  }
  const cmp = (x: ImpactTransition, y: ImpactTransition) => order(x.direction) - order(y.direction) || y.count - x.count || x.from.localeCompare(y.from) || x.to.localeCompare(y.to);
  const actions = [...byAction.values()].sort((x, y) => cmp(x, y) || x.action.localeCompare(y.action));
  const rank = new Map(actions.map((a, i) => [`${a.action}>${a.from}>${a.to}`, i]));
  records.sort((x, y) => rank.get(`${x.action}>${x.from}>${x.to}`)! - rank.get(`${y.action}>${y.from}>${y.to}`)! || x.seq - y.seq);
  return {
    ...(r.candidate ? { candidate: r.candidate } : {}),
    checked: r.checked,
    same: r.same,
    changed: r.differences.length,
    unreplayed: r.missing_revisions.reduce((n, m) => n + m.decisions, 0),
    directions,
    transitions: [...transitions.values()].sort(cmp),
    by_action: actions,
    records,
  };
}

function recordOf(d: ReplayDifference, action: string, from: string, to: string, dir: Direction): ImpactRecord {
  return { seq: d.seq, ...(d.action_id !== undefined ? { action_id: d.action_id } : {}), action, from, to, direction: dir, paths: d.diff.map((p) => p.path || "(whole result)") };
}

/** The impact as text for people: the directions, opens first, then each action's changes. */
export function renderImpact(im: Impact): string {
  const lines = [
    `Impact of candidate ${im.candidate ?? "(none)"}: ${im.checked} decisions replayed, ${im.changed} would change${im.unreplayed ? `, ${im.unreplayed} not replayed (revision missing)` : ""}`,
    `  ${DIRECTIONS.map((d) => `${im.directions[d]} ${d.replace("_", " ")}`).join(", ")}`,
  ];
  if (im.directions.opens > 0) lines.push(`  WARNING: ${im.directions.opens} decision(s) denied before (approve or block) would be allowed (auto or notify)`);
  if (im.by_action.length) lines.push("", "Per action (opens first):");
  for (const a of im.by_action) {
    const seqs = a.seqs.slice(0, 8).join(", ") + (a.seqs.length > 8 ? ", ..." : "");
    lines.push(`  ${a.direction === "opens" ? "OPENS " : "      "}${a.action.padEnd(22)} ${`${a.from} -> ${a.to}`.padEnd(20)} ${String(a.count).padStart(6)}  (seq ${seqs})`);
  }
  return lines.join("\n");
}
