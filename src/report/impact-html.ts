// The impact of a candidate bundle (report/impact.ts) as a standalone HTML page: what the recorded
// traffic would get under the candidate, per direction, per category transition and per action,
// the dangerous direction (denied before, allowed now) first and marked, each change linked to
// its record in the list at the end (and that record's `warden audit show` line).
import type { PolicyImpact } from "../schemas/types.ts";
import { bars, esc, figure, page, raw, table, type Series } from "./html.ts";
import { DIRECTIONS } from "./impact.ts";

const DIRECTION_SERIES: Series[] = [
  { key: "opens", label: "opens: denied before, allowed now", color: "#c53030" },
  { key: "loosens", label: "loosens: a lower category", color: "#dd6b20" },
  { key: "tightens", label: "tightens: a higher category", color: "#2b6cb0" },
  { key: "same_category", label: "same category, other fields", color: "#718096" },
  { key: "error", label: "error or not a decision", color: "#1a202c" },
];

/** How many changed records the page lists (all are in the JSON). */
export const LISTED_RECORDS = 2000;

export function renderImpactHtml(im: PolicyImpact, o: { generated?: string; store?: string; since?: string } = {}): string {
  const d = im.directions;
  const seriesOf = (dir: string) => DIRECTION_SERIES.find((s) => s.key === dir)!;
  const dirLabel = (dir: string) => (dir === "opens" ? raw(`<span class="opens">opens</span>`) : dir.replace("_", " "));
  const listed = new Set(im.records.slice(0, LISTED_RECORDS).map((r) => r.seq));
  const link = (seq: number) => (listed.has(seq) ? `<a href="#seq-${seq}">${seq}</a>` : String(seq));
  const seqLinks = (seqs: number[]) => raw(seqs.slice(0, 12).map(link).join(", ") + (seqs.length > 12 ? `, … (${seqs.length - 12} more)` : ""));

  const warning =
    d.opens > 0
      ? `<p class="opens" id="opens-warning" role="alert">${d.opens} recorded decision(s) that were denied (block, or approve: not without a human) would be allowed by the candidate. Review each before publishing.</p>`
      : `<p id="opens-warning">No recorded decision that was denied would be allowed by the candidate.</p>`;

  const directions = figure({
    id: "fig-directions",
    caption: "Changed decisions by direction",
    svg: bars({ id: "chart-directions", title: "Changed decisions per direction", desc: `${im.changed} of ${im.checked} replayed decisions change.`, labels: DIRECTIONS.map((x) => x.replace("_", " ")), series: DIRECTION_SERIES, value: (i, s) => (s.key === DIRECTIONS[i] ? d[DIRECTIONS[i]!] : 0) }),
    series: DIRECTION_SERIES,
    table: table({ id: "table-directions", caption: "Changes per direction", rows: DIRECTIONS.map((x) => ({ dir: x, n: d[x] })), flag: (x) => x.dir === "opens" && x.n > 0, columns: [{ head: "direction", cell: (x) => dirLabel(x.dir) }, { head: "decisions", cell: (x) => x.n, numeric: true }] }),
  });

  const cats = [...new Set(im.transitions.flatMap((t) => [t.from, t.to]))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const cell = (from: string, to: string) => im.transitions.find((t) => t.from === from && t.to === to);
  const matrix = im.transitions.length
    ? table({
        id: "table-transitions",
        caption: "Recorded category (rows) to the candidate's (columns): decisions that change",
        rows: cats.filter((f) => im.transitions.some((t) => t.from === f)),
        columns: [
          { head: "recorded \\ candidate", cell: (f) => f },
          ...cats.map((to) => ({
            head: to,
            numeric: true,
            cell: (f: string) => {
              const t = cell(f, to);
              if (!t) return "";
              return t.direction === "opens" ? raw(`<span class="opens" title="opens">${t.count}</span>`) : t.count;
            },
          })),
        ],
      })
    : `<p class="empty" id="table-transitions">No decision changes.</p>`;

  const byAction = im.by_action.length
    ? figure({
        id: "fig-by-action",
        caption: "Changes per action and transition (opens first)",
        svg: bars({ id: "chart-by-action", title: "Changed decisions per action and category transition", desc: `${im.by_action.length} (action, transition) pairs.`, labels: im.by_action.map((a) => `${a.action}: ${a.from} → ${a.to}`), series: DIRECTION_SERIES, value: (i, s) => (s.key === im.by_action[i]!.direction ? im.by_action[i]!.count : 0) }),
        series: DIRECTION_SERIES,
        table: table({
          id: "table-by-action",
          caption: "Changes per action",
          rows: im.by_action,
          flag: (a) => a.direction === "opens",
          columns: [
            { head: "action", cell: (a) => a.action },
            { head: "recorded", cell: (a) => a.from },
            { head: "candidate", cell: (a) => a.to },
            { head: "direction", cell: (a) => dirLabel(a.direction) },
            { head: "decisions", cell: (a) => a.count, numeric: true },
            { head: "records (seq)", cell: (a) => seqLinks(a.seqs) },
          ],
        }),
      })
    : "";

  const records = im.records.length
    ? `${im.records.length > LISTED_RECORDS ? `<p>The first ${LISTED_RECORDS} of ${im.records.length} changed decisions; all are in <code>--json</code>.</p>` : ""}` +
      table({
        id: "table-records",
        caption: "Changed decisions, in the order above",
        rows: im.records.slice(0, LISTED_RECORDS),
        rowId: (r) => `seq-${r.seq}`,
        flag: (r) => r.direction === "opens",
        columns: [
          { head: "seq", cell: (r) => r.seq, numeric: true },
          { head: "action", cell: (r) => r.action },
          { head: "recorded", cell: (r) => r.from },
          { head: "candidate", cell: (r) => r.to },
          { head: "direction", cell: (r) => dirLabel(r.direction) },
          { head: "result paths that differ", cell: (r) => r.paths.join(", ") },
          { head: "the record", cell: (r) => raw(`<code>warden audit show ${esc(r.action_id ?? String(r.seq))}</code>`) },
        ],
      })
    : "";

  return page({
    title: "Policy impact of a candidate bundle",
    lead: `The recorded decisions${o.since ? ` since ${esc(o.since)}` : ""}${o.store ? ` of ${esc(o.store)}` : ""}, evaluated again against candidate <code>${esc(im.candidate ?? "(none)")}</code> with their recorded input, clock and seed.`,
    cards: [
      { id: "card-checked", label: "decisions replayed", value: im.checked },
      { id: "card-changed", label: "would change", value: im.changed },
      ...DIRECTIONS.map((x) => ({ id: `card-${x}`, label: seriesOf(x).label.split(":")[0]!, value: d[x] })),
      ...(im.unreplayed ? [{ id: "card-unreplayed", label: "not replayed (revision missing)", value: im.unreplayed }] : []),
    ],
    sections: [
      { id: "summary", title: "Direction of the changes", body: warning + directions },
      { id: "transitions", title: "Per category", body: matrix },
      { id: "actions", title: "Per action", body: byAction || `<p class="empty" id="table-by-action">No decision changes.</p>` },
      { id: "records", title: "The changed decisions", body: records || `<p class="empty" id="table-records">No decision changes.</p>` },
    ],
    footer: `warden report impact${o.generated ? `, generated ${esc(o.generated)}` : ""}. The same figures: <code>warden report impact --candidate ${esc(im.candidate ?? "REVISION")} --json</code>.`,
  });
}

const RANKS: Record<string, number> = { auto: 0, notify: 1, approve: 2, block: 3 };
const rank = (c: string) => RANKS[c] ?? 9;
