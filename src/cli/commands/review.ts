import { UsageError, type Command } from "../command.ts";
import { AuditLog } from "../../audit/log.ts";
import { governanceReview, renderReview } from "../../governance/review.ts";
import { DEPLOYMENT_HELP, DEPLOYMENT_OPTIONS, checkStoreExists, deploymentFrom } from "../governance.ts";

export const review: Command = {
  summary: "the monthly governance review, from the audit trail",
  usage: `warden review [--since TIME] [--json]

Reads the audit trail and reports: approvals per action and whether they are always granted;
blocked actions by how often they are requested, with the reason; executed actions and how
many were rolled back or failed; and which policy revision each agent's decisions ran under.

  --since TIME   only records at or after this RFC 3339 time (e.g. the first of the month)
  --json         print the report as one JSON document

${DEPLOYMENT_HELP}`,
  options: { ...DEPLOYMENT_OPTIONS, since: { type: "string" }, json: { type: "boolean" } },
  async run(v, positionals) {
    if (positionals.length) throw new UsageError(`review: unexpected argument ${JSON.stringify(positionals[0])}`);
    const since = v.since as string | undefined;
    if (since !== undefined && Number.isNaN(Date.parse(since))) throw new UsageError(`--since: not a time: ${JSON.stringify(since)}`);
    const d = deploymentFrom(v, { needsRevision: false });
    checkStoreExists(d.store);
    const audit = await AuditLog.open(d.store);
    try {
      const report = await governanceReview(audit, since !== undefined ? { since } : {});
      console.log(v.json ? JSON.stringify(report) : renderReview(report));
      return 0;
    } finally {
      await audit.close();
    }
  },
};
