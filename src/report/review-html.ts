// The monthly governance review as one standalone HTML page (report/html.ts): every figure of the
// JSON report (governance/review.ts), as charts with their tables, in the order a review meeting
// takes them: what happened, what humans did, what to change in the matrix, who may do what, and
// which policy ran where. The calibration and least-privilege sections are also pages of their own
// (`warden report calibration|least-privilege --html`).
import type { ReviewReport } from "../schemas/types.ts";
import { CATEGORY_SERIES, PALETTE, bars, columns, esc, figure, lanes, page, pct, raw, shaded, slug, table, type Section, type Series } from "./html.ts";
import { HUMAN } from "./calibration.ts";

const short = (rev: string) => rev.slice(0, 12);
const windowText = (r: ReviewReport) => (r.since || r.until ? `${r.since ?? "the first record"} to ${r.until ?? "the last record"}` : "the whole audit trail");
const code = (s: string) => raw(`<code>${esc(s)}</code>`);

export function renderReviewHtml(r: ReviewReport, o: { generated?: string; store?: string } = {}): string {
  const c = r.categories;
  const sections: Section[] = [
    decisionsSection(r),
    approvalsSection(r),
    candidatesSection(r),
    blockedSection(r),
    notifySection(r),
    executedSection(r),
    killSwitchSection(r),
    revisionsSection(r),
    calibrationSection(r),
    ...(r.least_privilege ? [leastPrivilegeSection(r)] : []),
  ];
  return page({
    title: "Governance review",
    lead: `Decisions and governance records of ${esc(windowText(r))}${o.store ? `, from ${esc(o.store)}` : ""}: ${r.records} records read.`,
    cards: [
      { id: "card-decisions", label: "decisions", value: r.decisions },
      ...CATEGORY_SERIES.map((s) => ({ id: `card-${s.key}`, label: s.label, value: c[s.key as keyof typeof c] })),
      { id: "card-shadow", label: "in shadow mode", value: r.modes.shadow },
      { id: "card-candidates", label: "matrix changes to consider", value: r.notify_candidates.length + r.governed_access_candidates.length + r.approval_candidates.length + r.calibration.suggestions.length },
    ],
    sections,
    footer: `warden review (report version ${r.version})${o.generated ? `, generated ${esc(o.generated)}` : ""}. The same figures: <code>warden review --json</code>.`,
  });
}

function decisionsSection(r: ReviewReport): Section {
  const days = r.timeline.map((d) => d.day);
  const dayIndex = new Map(days.map((d, i) => [d, i]));
  const marks = r.kill_switch.filter((k) => k.on && dayIndex.has(k.time.slice(0, 10))).map((k) => ({ at: dayIndex.get(k.time.slice(0, 10))!, label: "kill switch" }));
  const cat = (row: Record<string, number | string>, s: Series) => row[s.key] as number;
  const perDay = figure({
    id: "fig-timeline",
    caption: "Decisions per day and category",
    svg: columns({
      id: "chart-timeline",
      title: "Decisions per day, stacked by category",
      desc: `${days.length} days from ${days[0] ?? "-"} to ${days.at(-1) ?? "-"}; ${r.decisions} decisions.`,
      labels: days,
      series: CATEGORY_SERIES,
      value: (i, s) => cat(r.timeline[i]!, s),
      tick: (d, i) => (i % 7 === 0 || (i === days.length - 1 && i % 7 >= 3) ? d.slice(5) : undefined),
      marks,
    }),
    series: CATEGORY_SERIES,
    table: table({ id: "table-timeline", caption: "Decisions per UTC day", rows: r.timeline, columns: [{ head: "day", cell: (d) => d.day }, ...catColumns(), { head: "total", cell: (d) => d.auto + d.notify + d.approve + d.block, numeric: true }] }),
    open: false,
  });
  const byAgent = figure({
    id: "fig-agents",
    caption: "Decisions per agent",
    svg: bars({ id: "chart-agents", title: "Decisions per agent, stacked by category", desc: `${r.by_agent.length} agents, ${r.decisions} decisions${r.by_agent[0] ? `; the most: ${r.by_agent[0].agent}, ${r.by_agent[0].total}` : ""}.`, labels: r.by_agent.map((a) => a.agent), series: CATEGORY_SERIES, value: (i, s) => cat(r.by_agent[i]!, s) }),
    series: CATEGORY_SERIES,
    table: table({ id: "table-agents", caption: "Decisions per agent", rows: r.by_agent, columns: [{ head: "agent", cell: (a) => a.agent }, { head: "total", cell: (a) => a.total, numeric: true }, ...catColumns()] }),
  });
  const byAction = figure({
    id: "fig-actions",
    caption: "Decisions per action",
    svg: bars({ id: "chart-actions", title: "Decisions per action, stacked by category", desc: `${r.by_action.length} actions, ${r.decisions} decisions${r.by_action[0] ? `; the most requested: ${r.by_action[0].action}, ${r.by_action[0].total}` : ""}.`, labels: r.by_action.map((a) => a.action), series: CATEGORY_SERIES, value: (i, s) => cat(r.by_action[i]!, s) }),
    series: CATEGORY_SERIES,
    table: table({ id: "table-actions", caption: "Decisions per action", rows: r.by_action, columns: [{ head: "action", cell: (a) => a.action }, { head: "total", cell: (a) => a.total, numeric: true }, ...catColumns()] }),
  });
  const modes = table({
    id: "table-modes",
    caption: "Decisions by the governor's mode",
    rows: [
      { mode: "enforce", n: r.modes.enforce },
      { mode: "shadow", n: r.modes.shadow },
    ],
    columns: [
      { head: "mode", cell: (m) => m.mode },
      { head: "decisions", cell: (m) => m.n, numeric: true },
      { head: "share", cell: (m) => (r.decisions ? pct(m.n / r.decisions) : "-"), numeric: true },
    ],
  });
  return { id: "decisions", title: "Decisions", body: perDay + byAgent + byAction + modes };
}

function catColumns<R extends { auto: number; notify: number; approve: number; block: number }>() {
  return CATEGORY_SERIES.map((s) => ({ head: s.label, cell: (x: R) => x[s.key as "auto"], numeric: true }));
}

const APPROVAL_SERIES: Series[] = [
  { key: "approved", label: "approved", color: "#2f855a" },
  { key: "modified", label: "modified", color: "#b7791f" },
  { key: "rejected", label: "rejected", color: "#c53030" },
  { key: "expired", label: "expired", color: "#718096" },
  { key: "pending", label: "pending", color: "#cbd5e0" },
];

function approvalsSection(r: ReviewReport): Section {
  const a = r.approvals;
  const shares = figure({
    id: "fig-approvals",
    caption: "How humans decided approvals, per action",
    svg: bars({ id: "chart-approvals", title: "Approval outcomes per action, as shares of requests", desc: `${a.length} actions needing approval in enforce mode.`, labels: a.map((x) => x.action), series: APPROVAL_SERIES, value: (i, s) => a[i]![s.key as "approved"], percent: true, note: (i) => `${a[i]!.requested} requested` }),
    series: APPROVAL_SERIES,
    table: table({
      id: "table-approvals",
      caption: "Approvals per action",
      rows: a,
      flag: (x) => x.always_granted,
      columns: [
        { head: "action", cell: (x) => x.action },
        { head: "requested", cell: (x) => x.requested, numeric: true },
        { head: "approved", cell: (x) => x.approved, numeric: true },
        { head: "modified", cell: (x) => x.modified, numeric: true },
        { head: "rejected", cell: (x) => x.rejected, numeric: true },
        { head: "expired", cell: (x) => x.expired, numeric: true },
        { head: "pending", cell: (x) => x.pending, numeric: true },
        { head: "approved share", cell: (x) => pct(x.shares.approved), numeric: true },
        { head: "always granted", cell: (x) => (x.always_granted ? raw('<span class="flag-text">yes</span>') : "no") },
      ],
    }),
  });
  const slaSeries: Series[] = [
    { key: "within_sla", label: "decided within the SLA", color: "#2f855a" },
    { key: "over_sla", label: "decided after the SLA", color: "#c53030" },
  ];
  const sla = figure({
    id: "fig-sla",
    caption: "Time to decision against the SLA, and escalations",
    svg: bars({ id: "chart-sla", title: "Approvals decided within and after the first level's SLA, per action", desc: "Approvals a human decided, counted against the SLA of the first approval level.", labels: a.map((x) => x.action), series: slaSeries, value: (i, s) => a[i]![s.key as "within_sla"], note: (i) => `median ${a[i]!.median_minutes} min, SLA ${a[i]!.sla_minutes} min` }),
    series: slaSeries,
    table: table({
      id: "table-sla",
      caption: "Time to decision and escalations per action",
      rows: a,
      flag: (x) => x.over_sla > 0,
      columns: [
        { head: "action", cell: (x) => x.action },
        { head: "SLA (min)", cell: (x) => x.sla_minutes, numeric: true },
        { head: "decided", cell: (x) => x.decided, numeric: true },
        { head: "within SLA", cell: (x) => x.within_sla, numeric: true },
        { head: "over SLA", cell: (x) => x.over_sla, numeric: true },
        { head: "median (min)", cell: (x) => x.median_minutes, numeric: true },
        { head: "max (min)", cell: (x) => x.max_minutes, numeric: true },
        { head: "escalated", cell: (x) => x.escalated, numeric: true },
        { head: "escalation steps", cell: (x) => x.escalations, numeric: true },
      ],
    }),
  });
  const intro = `<p>Enforce-mode approvals, by the last human decision on each; shadow-mode approvals are in <a href="#calibration">calibration</a>.</p>`;
  return { id: "approvals", title: "Approvals", body: a.length ? intro + shares + sla : `<p class="empty" id="table-approvals">No approvals in the window.</p>` };
}

function candidatesSection(r: ReviewReport): Section {
  const body =
    `<p>Entries of the decision matrix the figures say to reconsider. Each is a question for the review, not a change made.</p>` +
    `<h3>Approved every time: candidates for notify</h3>` +
    table({ id: "table-notify-candidates", caption: "Approve-actions approved every time", rows: r.notify_candidates, empty: "none", columns: [{ head: "action", cell: (x) => x.action }, { head: "approved", cell: (x) => x.approved, numeric: true }] }) +
    `<h3>Blocked, and requested ${r.often} times or more: candidates for governed access</h3>` +
    table({ id: "table-governed-candidates", caption: `Blocked actions requested at least ${r.often} times`, rows: r.governed_access_candidates, empty: "none", columns: [{ head: "action", cell: (x) => x.action }, { head: "requests", cell: (x) => x.requests, numeric: true }] }) +
    `<h3>Auto actions rolled back: candidates for approval</h3>` +
    table({ id: "table-approval-candidates", caption: "Auto actions that were rolled back", rows: r.approval_candidates, empty: "none", columns: [{ head: "action", cell: (x) => x.action }, { head: "executed", cell: (x) => x.executed, numeric: true }, { head: "rolled back", cell: (x) => x.rolled_back, numeric: true }] }) +
    `<h3>From shadow mode</h3>` +
    table({ id: "table-shadow-suggestions", caption: "Matrix changes the shadow calibration suggests", rows: r.calibration.suggestions, empty: "none", columns: [{ head: "action", cell: (x) => x.action }, { head: "from", cell: (x) => x.from }, { head: "to", cell: (x) => x.to }, { head: "why", cell: (x) => x.why }] });
  return { id: "candidates", title: "Matrix changes to consider", body };
}

function blockedSection(r: ReviewReport): Section {
  const b = r.blocked;
  const series: Series[] = [{ key: "requests", label: "blocked requests", color: "#c53030" }];
  const body = b.length
    ? figure({
        id: "fig-blocked",
        caption: "Blocked requests per action",
        svg: bars({ id: "chart-blocked", title: "Blocked requests per action", desc: "Each blocked request counted once, whatever the number of reasons.", labels: b.map((x) => x.action), series, value: (i) => b[i]!.requests }),
        table: table({
          id: "table-blocked",
          caption: "Blocked actions and the reasons given (a request may give several)",
          rows: b.flatMap((x) => x.reasons.map((reason, k) => ({ action: x.action, requests: k === 0 ? String(x.requests) : "", reason: reason.reason, count: reason.count }))),
          columns: [{ head: "action", cell: (x) => x.action }, { head: "requests", cell: (x) => x.requests, numeric: true }, { head: "reason", cell: (x) => x.reason }, { head: "times given", cell: (x) => x.count, numeric: true }],
        }),
      })
    : `<p class="empty" id="table-blocked">Nothing was blocked.</p>`;
  return { id: "blocked", title: "Blocked actions", body };
}

const NOTIFY_SERIES: Series[] = [
  { key: "on_time", label: "reviewed on time", color: "#2f855a" },
  { key: "late", label: "reviewed late", color: "#dd6b20" },
  { key: "never", label: "never reviewed (past due)", color: "#c53030" },
  { key: "not_due", label: "not yet due", color: "#cbd5e0" },
];

function notifySection(r: ReviewReport): Section {
  const n = r.notify_review;
  const body = n.length
    ? figure({
        id: "fig-notify",
        caption: "Notify actions: the 24-hour review",
        svg: bars({ id: "chart-notify", title: "Notify actions by review: on time, late, never, not yet due", desc: "Due 24 hours after the action ran.", labels: n.map((x) => x.action), series: NOTIFY_SERIES, value: (i, s) => n[i]![s.key as "late"] }),
        series: NOTIFY_SERIES,
        table: table({
          id: "table-notify",
          caption: "Notify reviews per action",
          rows: n,
          flag: (x) => x.late + x.never > 0,
          columns: [
            { head: "action", cell: (x) => x.action },
            { head: "queued", cell: (x) => x.queued, numeric: true },
            { head: "on time", cell: (x) => x.on_time, numeric: true },
            { head: "late", cell: (x) => x.late, numeric: true },
            { head: "never", cell: (x) => x.never, numeric: true },
            { head: "not yet due", cell: (x) => x.not_due, numeric: true },
            { head: "latest by (min)", cell: (x) => x.max_late_minutes, numeric: true },
          ],
        }),
      })
    : `<p class="empty" id="table-notify">No notify actions ran.</p>`;
  return { id: "notify", title: "Notify reviews", body };
}

const EXEC_SERIES: Series[] = [
  { key: "ok", label: "succeeded, kept", color: "#2f855a" },
  { key: "rolled_back", label: "rolled back later", color: "#dd6b20" },
  { key: "failed", label: "failed or aborted", color: "#c53030" },
];

function executedSection(r: ReviewReport): Section {
  const e = r.executed;
  const label = (x: (typeof e)[number]) => `${x.action} (${x.category})`;
  const body = e.length
    ? figure({
        id: "fig-executed",
        caption: "Executions, rollbacks and failures per action",
        svg: bars({
          id: "chart-executed",
          title: "Executed actions per action and category: kept, rolled back, failed",
          desc: "Rolled back counts are part of the succeeded executions.",
          labels: e.map(label),
          series: EXEC_SERIES,
          value: (i, s) => (s.key === "ok" ? e[i]!.executed - e[i]!.rolled_back : e[i]![s.key as "failed"]),
        }),
        series: EXEC_SERIES,
        table: table({
          id: "table-executed",
          caption: "Executed actions, per the category they ran as",
          rows: e,
          flag: (x) => x.category === "auto" && x.rolled_back > 0,
          columns: [
            { head: "action", cell: (x) => x.action },
            { head: "category", cell: (x) => x.category },
            { head: "succeeded", cell: (x) => x.executed, numeric: true },
            { head: "rolled back", cell: (x) => x.rolled_back, numeric: true },
            { head: "failed or aborted", cell: (x) => x.failed, numeric: true },
          ],
        }),
      })
    : `<p class="empty" id="table-executed">Nothing ran.</p>`;
  return { id: "executed", title: "Executions and rollbacks", body };
}

function killSwitchSection(r: ReviewReport): Section {
  return {
    id: "kill-switch",
    title: "Kill switch",
    body: table({
      id: "table-kill-switch",
      caption: "Kill-switch events",
      rows: r.kill_switch,
      empty: "The kill switch was not thrown.",
      flag: (k) => k.on,
      columns: [
        { head: "time", cell: (k) => k.time },
        { head: "state", cell: (k) => (k.on ? "on" : "off") },
        { head: "by", cell: (k) => k.by },
        { head: "reason", cell: (k) => k.reason ?? "" },
        { head: "actions aborted", cell: (k) => (k.aborted === undefined ? "" : k.aborted), numeric: true },
      ],
    }),
  };
}

function revisionsSection(r: ReviewReport): Section {
  const revs = [...new Set(r.revisions.map((v) => v.revision))];
  const colors = new Map(revs.map((rev, i) => [rev, PALETTE[i % PALETTE.length]!]));
  const agents = [...new Set(r.revisions.map((v) => v.agent))];
  const times = r.revisions.flatMap((v) => [v.first, v.last]).sort();
  const start = r.since ?? `${(times[0] ?? new Date().toISOString()).slice(0, 10)}T00:00:00.000Z`;
  const end = r.until ?? times.at(-1) ?? start;
  const series: Series[] = revs.map((rev) => ({ key: rev, label: `${short(rev)}${rev === r.current_revision ? " (current)" : ""}`, color: colors.get(rev)! }));
  const chart = r.revisions.length
    ? figure({
        id: "fig-revisions",
        caption: "The revision each agent ran, over time (outlined, with a red strip under the interval: drift, another revision in use at the same time)",
        svg: lanes({
          id: "chart-revisions",
          title: "Policy revisions per agent over time",
          desc: `${agents.length} agents, ${revs.length} revisions; ${r.drift.length} drift interval(s).`,
          start,
          end,
          lanes: agents,
          spans: r.revisions.map((v) => ({ lane: v.agent, from: v.first, to: v.last, key: v.revision, label: `${v.agent}: ${short(v.revision)}, ${v.decisions} decisions, ${v.first} to ${v.last}${v.drift ? " (drift)" : ""}`, flag: v.drift })),
          colors,
          marks: r.kill_switch.filter((k) => k.on).map((k) => ({ at: k.time, label: "kill switch" })),
          bands: r.drift.flatMap((d) =>
            [d.a, d.b].map((side, k) => {
              const other = k === 0 ? d.b : d.a;
              return { lane: side.agent, from: d.from, to: d.to, label: `drift ${d.from} to ${d.to}: ${side.agent} on ${short(side.revision)} while ${other.agent} on ${short(other.revision)}` };
            }),
          ),
        }),
        series,
        table: table({
          id: "table-revisions",
          caption: "Revisions per agent",
          rows: r.revisions,
          flag: (v) => v.drift,
          columns: [
            { head: "agent", cell: (v) => v.agent },
            { head: "revision", cell: (v) => raw(`<code title="${esc(v.revision)}">${esc(short(v.revision))}</code>`) },
            { head: "decisions", cell: (v) => v.decisions, numeric: true },
            { head: "first", cell: (v) => v.first },
            { head: "last", cell: (v) => v.last },
            { head: "drift", cell: (v) => (v.drift ? raw('<span class="flag-text">drift</span>') : "") },
          ],
        }),
      })
    : `<p class="empty" id="table-revisions">No decisions.</p>`;
  const drift = table({
    id: "table-drift",
    caption: "Drift: two agents on different revisions at the same time",
    rows: r.drift,
    empty: "No drift: every agent ran the same revision at any one time.",
    columns: [
      { head: "from", cell: (d) => d.from },
      { head: "to", cell: (d) => d.to },
      { head: "agent", cell: (d) => d.a.agent },
      { head: "revision", cell: (d) => code(short(d.a.revision)) },
      { head: "other agent", cell: (d) => d.b.agent },
      { head: "its revision", cell: (d) => code(short(d.b.revision)) },
    ],
  });
  const behind = table({
    id: "table-behind",
    caption: `Agents whose newest decision ran another revision than the current one${r.current_revision ? ` (${short(r.current_revision)})` : ""}`,
    rows: r.behind,
    empty: "Every agent's newest decision ran the current revision.",
    columns: [{ head: "agent", cell: (b) => b.agent }, { head: "revision", cell: (b) => code(short(b.revision)) }, { head: "last decision", cell: (b) => b.last }],
  });
  return { id: "revisions", title: "Policy versions", body: chart + drift + behind };
}

/** The shadow calibration: one confusion table per action, the policy's verdict against the humans'. */
export function calibrationSection(r: Pick<ReviewReport, "calibration">): Section {
  const cal = r.calibration;
  if (!cal.decisions) return { id: "calibration", title: "Shadow calibration", body: `<p class="empty" id="table-calibration">No decisions in shadow mode in the window.</p>` };
  const agreeSeries: Series[] = [
    { key: "agreed", label: "policy and humans agreed", color: "#2f855a" },
    { key: "disagreed", label: "disagreed", color: "#c53030" },
  ];
  const summary = figure({
    id: "fig-calibration",
    caption: "Shadow mode: where the policy and the humans agreed, per action",
    svg: bars({ id: "chart-calibration", title: "Agreement between the policy's verdict and the human decision, per action", desc: `${cal.decisions} shadow decisions, ${cal.agreed} agreed.`, labels: cal.actions.map((a) => a.action), series: agreeSeries, value: (i, s) => (s.key === "agreed" ? cal.actions[i]!.agreed : cal.actions[i]!.decisions - cal.actions[i]!.agreed) }),
    series: agreeSeries,
    table: table({
      id: "table-calibration",
      caption: "Shadow decisions per action",
      rows: cal.actions,
      flag: (a) => a.agreed < a.decisions,
      columns: [
        { head: "action", cell: (a) => a.action },
        { head: "decisions", cell: (a) => a.decisions, numeric: true },
        { head: "agreed", cell: (a) => a.agreed, numeric: true },
        { head: "agreement", cell: (a) => pct(a.agreed / a.decisions), numeric: true },
      ],
    }),
  });
  const verdicts = ["auto", "notify", "approve", "block"] as const;
  const confusion = cal.actions
    .map((a) => {
      const rows = verdicts.filter((v) => HUMAN.some((h) => a.table[v][h] > 0)).map((v) => ({ verdict: v, row: a.table[v] }));
      const max = Math.max(...rows.flatMap((x) => HUMAN.map((h) => x.row[h])));
      const bad = (v: string, h: string) => (v === "auto" || v === "notify") && (h === "rejected" || h === "modified");
      return table({
        id: `confusion-${slug(a.action)}`,
        caption: `${a.action}: policy verdict (rows) against the human decision (columns)`,
        rows,
        columns: [{ head: "policy said", cell: (x) => x.verdict }, ...HUMAN.map((h) => ({ head: h.replace("_", " "), cell: (x: (typeof rows)[number]) => shaded(x.row[h], max, bad(x.verdict, h)), numeric: true }))],
      });
    })
    .join("\n");
  const suggestions = table({ id: "table-calibration-suggestions", caption: "Matrix changes suggested", rows: cal.suggestions, empty: "none", columns: [{ head: "action", cell: (s) => s.action }, { head: "from", cell: (s) => s.from }, { head: "to", cell: (s) => s.to }, { head: "why", cell: (s) => s.why }] });
  return {
    id: "calibration",
    title: "Shadow calibration",
    body: `<p>In shadow mode a human decides every action the policy does not block, while the policy's verdict is recorded. Agreement: the policy allowed (auto, notify) and the human approved; it asked (approve) and the human approved or modified; it blocked (nobody is asked).</p>${summary}<h3>Confusion tables</h3>${confusion}<h3>Suggestions</h3>${suggestions}`,
  };
}

/** The least-privilege review: per role, grants held against grants used, and the proposed role table. */
export function leastPrivilegeSection(r: Pick<ReviewReport, "least_privilege">): Section {
  const lp = r.least_privilege;
  if (!lp) return { id: "least-privilege", title: "Least privilege", body: `<p class="empty">No bundle store: the role table could not be read.</p>` };
  const useSeries: Series[] = [{ key: "used", label: "decisions the grant let through", color: "#2b6cb0" }];
  const roles = lp.roles
    .map((role) => {
      const labels = role.grants.map((g) => `${g.system}:${g.access}`);
      const chart = role.grants.length
        ? figure({
            id: `fig-lp-${slug(role.role)}`,
            caption: `${role.role}: grants held, and how often each was used`,
            svg: bars({ id: `chart-lp-${slug(role.role)}`, title: `Use of each grant of role ${role.role}`, desc: `${role.grants.length} grants, ${role.unused.length} unused.`, labels, series: useSeries, value: (i) => role.grants[i]!.used, note: (i) => (role.grants[i]!.used ? String(role.grants[i]!.used) : "unused") }),
            table: table({
              id: `table-lp-${slug(role.role)}`,
              caption: `Grants of ${role.role}`,
              rows: role.grants,
              flag: (g) => g.used === 0,
              columns: [
                { head: "grant", cell: (g) => `${g.system}:${g.access}` },
                { head: "used", cell: (g) => g.used, numeric: true },
                { head: "blocked requests", cell: (g) => g.blocked, numeric: true },
                { head: "actions needing it", cell: (g) => g.actions.join(", ") },
                { head: "requested", cell: (g) => g.requested_actions.join(", ") },
              ],
            }),
          })
        : `<p class="empty">${esc(role.role)} holds no grants.</p>`;
      const denied = role.denied.length ? table({ id: `table-lp-denied-${slug(role.role)}`, caption: `Grants ${role.role} lacks that its agents asked for`, rows: role.denied, columns: [{ head: "grant", cell: (d) => `${d.system}:${d.access}` }, { head: "requests", cell: (d) => d.requests, numeric: true }] }) : "";
      return `<h3>${esc(role.role)}</h3>${chart}${denied}`;
    })
    .join("\n");
  return {
    id: "least-privilege",
    title: "Least privilege",
    body:
      `<p>The role table of revision <code>${esc(short(lp.revision))}</code> against the grants the window's decisions used. ${lp.removed} grant(s) were never used: the proposal below removes them. Build it into a candidate bundle and replay it against the recorded traffic before applying it: <code>warden report impact --candidate REVISION</code>.</p>` +
      roles +
      `<h3>Per agent</h3>` +
      table({
        id: "table-lp-agents",
        caption: "Each agent, under the role it acted as: the grants its decisions used, and those it never used",
        rows: lp.agents,
        flag: (a) => a.unused.length > 0,
        columns: [
          { head: "agent", cell: (a) => a.agent },
          { head: "role", cell: (a) => a.role },
          { head: "decisions", cell: (a) => a.decisions, numeric: true },
          { head: "blocked", cell: (a) => a.blocked, numeric: true },
          { head: "grants used", cell: (a) => a.used.join(", ") },
          { head: "grants never used", cell: (a) => a.unused.join(", ") },
        ],
      }) +
      `<h3>Proposed role table</h3><pre id="lp-proposed"><code>${esc(JSON.stringify(lp.proposed_roles, null, 2))}</code></pre>` +
      `<details><summary>The proposed data.governance (drop-in data.json)</summary><pre id="lp-proposed-data"><code>${esc(JSON.stringify(lp.proposed_data, null, 2))}</code></pre></details>`,
  };
}

/** A page with one section of the review: calibration or least privilege on its own. */
export function renderSectionHtml(title: string, section: Section, r: Pick<ReviewReport, "since" | "until" | "records">, footer: string): string {
  return page({ title, lead: `From ${esc(windowText(r as ReviewReport))}: ${r.records} records read.`, sections: [section], footer });
}
