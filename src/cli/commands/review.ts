import { existsSync, writeFileSync } from "node:fs";
import { UsageError, type Command } from "../command.ts";
import { AuditLog } from "../../audit/log.ts";
import { governanceReview, renderReview, type ReviewOptions, type ReviewReport } from "../../governance/review.ts";
import { renderReviewHtml } from "../../report/review-html.ts";
import { DEPLOYMENT_HELP, DEPLOYMENT_OPTIONS, checkStoreExists, deploymentFrom } from "../governance.ts";

export const WINDOW_HELP = `  --since TIME   only records stamped at or after this RFC 3339 time (e.g. 2026-11-01)
  --until TIME   only records stamped before this time (e.g. 2026-12-01): the window is [since, until)`;

export const review: Command = {
  summary: "the monthly governance review, from the audit trail (text, JSON or an HTML page with charts)",
  usage: `warden review [--since TIME] [--until TIME] [--often N] [--html FILE] [--json]

Reads the audit trail of a window and reports: decisions per category per day, per agent and
per action; approvals per action (granted, modified, rejected, expired; time to decision
against the SLA; escalations); actions approved every time (candidates for notify) and blocked
actions often requested (candidates for governed access); notify actions reviewed late or
never; executions, rollbacks and failures (auto actions rolled back: candidates for approval);
kill-switch events; the revision each agent ran over time, with drift; shadow-mode calibration
(the policy's verdict against the humans'); and, with the bundle store, the least-privilege
review of the role table (grants held against grants used, and a proposed table).

${WINDOW_HELP}
  --often N      blocked actions requested at least N times are candidates (default 5)
  --html FILE    also write the report as a standalone HTML page with charts (no network)
  --json         print the report as one JSON document (schemas/review-report.schema.json)

Progress goes to stderr. See also \`warden report calibration|least-privilege|impact\`.

${DEPLOYMENT_HELP}`,
  options: { ...DEPLOYMENT_OPTIONS, since: { type: "string" }, until: { type: "string" }, often: { type: "string" }, html: { type: "string" }, json: { type: "boolean" } },
  async run(v, positionals) {
    if (positionals.length) throw new UsageError(`review: unexpected argument ${JSON.stringify(positionals[0])}`);
    const { report, store } = await reviewFromFlags(v);
    if (typeof v.html === "string") {
      writeFileSync(v.html, renderReviewHtml(report, { generated: new Date().toISOString(), store }));
      process.stderr.write(`wrote ${v.html}\n`);
    }
    console.log(v.json ? JSON.stringify(report) : renderReview(report));
    return 0;
  },
};

/** The review the flags ask for (window, --often, the deployment's store and bundle store), with progress on stderr. */
export async function reviewFromFlags(v: Record<string, unknown>): Promise<{ report: ReviewReport; store: string }> {
  const since = timeOption(v.since, "--since");
  const until = timeOption(v.until, "--until");
  if (since !== undefined && until !== undefined && since >= until) throw new UsageError(`--until must be after --since (${since} .. ${until})`);
  let often: number | undefined;
  if (v.often !== undefined) {
    often = Number(v.often);
    if (!Number.isInteger(often) || often < 1) throw new UsageError(`--often: expected a positive integer, got ${JSON.stringify(v.often)}`);
  }
  if (typeof v.html === "string" && v.html === "") throw new UsageError("--html: expected a file name");
  const d = deploymentFrom(v, { needsRevision: false });
  checkStoreExists(d.store);
  const audit = await AuditLog.open(d.store);
  const tty = process.stderr.isTTY === true;
  try {
    const opts: ReviewOptions = {
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
      ...(often !== undefined ? { often } : {}),
      ...(existsSync(d.bundles) ? { bundles: d.bundles } : {}),
      ...(v.revision !== undefined ? { revision: v.revision as string } : {}),
      progressEvery: 100_000,
      onProgress: ({ records, total }) => process.stderr.write(`${tty ? "\r" : ""}reviewing: ${records} of ${total} record(s)${tty ? "" : "\n"}`),
    };
    const report = await governanceReview(audit, opts);
    if (tty) process.stderr.write("\n");
    return { report, store: d.store };
  } finally {
    await audit.close();
  }
}

function timeOption(s: unknown, flag: string): string | undefined {
  if (s === undefined) return undefined;
  const t = Date.parse(s as string);
  if (Number.isNaN(t)) throw new UsageError(`${flag}: not a time: ${JSON.stringify(s)} (RFC 3339, e.g. 2026-11-01T00:00:00Z)`);
  return new Date(t).toISOString();
}
