import { readFileSync, writeFileSync } from "node:fs";
import { UsageError, type Command } from "../command.ts";
import { AuditLog } from "../../audit/log.ts";
import { replay } from "../../replay/replay.ts";
import { impact, renderImpact } from "../../report/impact.ts";
import { renderImpactHtml } from "../../report/impact-html.ts";
import { calibrationSection, leastPrivilegeSection, renderSectionHtml } from "../../report/review-html.ts";
import { DEPLOYMENT_HELP, DEPLOYMENT_OPTIONS, checkStoreExists, deploymentFrom } from "../governance.ts";
import { WINDOW_HELP, reviewFromFlags } from "./review.ts";

const USAGE = `warden report calibration|least-privilege|impact [OPTIONS] [--html FILE] [--json]

One part of the governance review on its own, as text, JSON or a standalone HTML page.

  calibration        shadow mode: the policy's verdict against what the humans decided, per
                     action (a confusion table), and the matrix changes it suggests
                     (--json: the Calibration of schemas/review-report.schema.json)
  least-privilege    per role, the grants the policy's role table gives against the grants used
                     in the window; unused ones as a proposed data.governance (drop-in data.json)
                     to build into a candidate and test with \`report impact\` (--json: LeastPrivilege)
  impact             every recorded decision evaluated against --candidate REVISION: per action
                     and category transition, how many would change and in which direction,
                     denied -> allowed ("opens") first (--json: schemas/review-impact.schema.json)

${WINDOW_HELP}
                 (impact: --since SEQ|TIME only; the candidate replays every decision from there)
  --candidate R  impact: the candidate revision (in the bundle store)
  --fail-on-opens  impact: exit 1 if any denied decision would be allowed
  --html FILE    also write a standalone HTML page with charts
  --json         print the figures as one JSON document

${DEPLOYMENT_HELP}`;

export const report: Command = {
  summary: "one part of the review: shadow calibration, least privilege, or a candidate's impact",
  usage: USAGE,
  options: {
    ...DEPLOYMENT_OPTIONS,
    since: { type: "string" },
    until: { type: "string" },
    candidate: { type: "string" },
    "fail-on-opens": { type: "boolean" },
    html: { type: "string" },
    json: { type: "boolean" },
  },
  async run(v, positionals) {
    const [sub, ...rest] = positionals;
    if (rest.length) throw new UsageError(`report: unexpected argument ${JSON.stringify(rest[0])}`);
    if (sub === "impact") return impactReport(v);
    if (v.candidate !== undefined || v["fail-on-opens"] !== undefined) throw new UsageError(`report ${sub ?? ""}: --candidate and --fail-on-opens are for \`report impact\``);
    if (sub === "calibration" || sub === "least-privilege") {
      const { report: r, store } = await reviewFromFlags(v);
      const generated = `generated ${new Date().toISOString()} from ${store}`;
      if (sub === "calibration") {
        if (typeof v.html === "string") writeFileSync(v.html, renderSectionHtml("Shadow-mode calibration", calibrationSection(r), r, `warden report calibration, ${generated}.`));
        console.log(v.json ? JSON.stringify(r.calibration) : calibrationText(r.calibration));
        return 0;
      }
      if (!r.least_privilege) throw new UsageError("report least-privilege: needs the bundle store (--bundles DIR) holding the revision to review");
      if (typeof v.html === "string") writeFileSync(v.html, renderSectionHtml("Least-privilege review", leastPrivilegeSection(r), r, `warden report least-privilege, ${generated}.`));
      console.log(v.json ? JSON.stringify(r.least_privilege) : leastPrivilegeText(r.least_privilege));
      return 0;
    }
    throw new UsageError(sub === undefined ? "report: which report? calibration, least-privilege or impact" : `report: unknown report ${JSON.stringify(sub)} (calibration, least-privilege or impact)`);
  },
};

async function impactReport(v: Record<string, unknown>): Promise<number> {
  const candidate = v.candidate as string | undefined;
  if (candidate === undefined) throw new UsageError("report impact: --candidate REVISION is required");
  if (!/^[0-9a-f]{64}$/.test(candidate)) throw new UsageError(`--candidate: not a revision: ${JSON.stringify(candidate)} (64 lowercase hex digits)`);
  if (v.until !== undefined) throw new UsageError("report impact: --until does not apply (the candidate replays every decision from --since on)");
  const s = v.since as string | undefined;
  let since: string | number | undefined;
  if (s !== undefined) {
    if (/^\d+$/.test(s)) since = Number(s);
    else if (Number.isNaN(Date.parse(s))) throw new UsageError(`--since: expected a seq or an RFC 3339 time, got ${JSON.stringify(s)}`);
    else since = new Date(Date.parse(s)).toISOString();
  }
  const d = deploymentFrom(v, { needsRevision: false });
  checkStoreExists(d.store);
  const verification = d.verification_key ? { key: readFileSync(d.verification_key, "utf8"), ...(d.algorithm ? { algorithm: d.algorithm } : {}) } : undefined;
  const audit = await AuditLog.open(d.store);
  const tty = process.stderr.isTTY === true;
  try {
    const rep = await replay(audit, {
      bundles: d.bundles,
      candidate,
      ...(since !== undefined ? { since } : {}),
      ...(verification ? { verification } : {}),
      progressEvery: 10_000,
      onProgress: ({ checked, seq }) => process.stderr.write(`${tty ? "\r" : ""}replaying: ${checked} decision(s), at seq ${seq}${tty ? "" : "\n"}`),
    });
    if (tty) process.stderr.write("\n");
    const missing = rep.missing_revisions.find((m) => m.revision === candidate);
    if (missing) throw new UsageError(`--candidate ${candidate}: ${missing.reason} (bundle store ${d.bundles})`);
    const im = impact(rep);
    if (typeof v.html === "string") {
      writeFileSync(v.html, renderImpactHtml(im, { generated: new Date().toISOString(), store: d.store, ...(since !== undefined ? { since: String(since) } : {}) }));
      process.stderr.write(`wrote ${v.html}\n`);
    }
    console.log(v.json ? JSON.stringify(im) : renderImpact(im));
    return v["fail-on-opens"] === true && im.directions.opens > 0 ? 1 : 0;
  } finally {
    await audit.close();
  }
}

type Review = Awaited<ReturnType<typeof reviewFromFlags>>["report"];

function calibrationText(c: Review["calibration"]): string {
  const lines = [`Shadow calibration: ${c.decisions} decisions in shadow mode, ${c.agreed} where the policy and the humans agreed`];
  for (const a of c.actions) {
    const cells = (["auto", "notify", "approve", "block"] as const).flatMap((p) =>
      Object.entries(a.table[p])
        .filter(([, n]) => n > 0)
        .map(([h, n]) => `${p}/${h} ${n}`),
    );
    lines.push(`  ${a.action.padEnd(22)} ${a.agreed}/${a.decisions} agreed: ${cells.join(", ")}`);
  }
  if (c.suggestions.length) lines.push("", "Suggested matrix changes:");
  for (const s of c.suggestions) lines.push(`  ${s.action}: ${s.from} -> ${s.to} (${s.why})`);
  return lines.join("\n");
}

function leastPrivilegeText(lp: NonNullable<Review["least_privilege"]>): string {
  const lines = [`Least privilege (revision ${lp.revision}): ${lp.removed} grant(s) never used in the window`];
  for (const role of lp.roles) {
    lines.push(`  ${role.role}: ${role.grants.map((g) => `${g.system}:${g.access} ${g.used}`).join(", ") || "no grants"}`);
    for (const u of role.unused) lines.push(`    unused: ${u.system}:${u.access}`);
    for (const dn of role.denied) lines.push(`    lacks:  ${dn.system}:${dn.access} (${dn.requests} request(s))`);
  }
  lines.push("", "Per agent (grants used; never used):");
  for (const a of lp.agents) lines.push(`  ${a.agent.padEnd(18)} as ${a.role}: ${a.decisions} decisions, ${a.blocked} blocked; used ${a.used.join(", ") || "none"}; never ${a.unused.join(", ") || "none"}`);
  lines.push("", "Proposed role table (data.governance.roles; --json has the whole data.governance):", JSON.stringify(lp.proposed_roles, null, 2));
  return lines.join("\n");
}
