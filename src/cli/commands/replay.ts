import { readFileSync, writeFileSync } from "node:fs";
import { UsageError, type Command } from "../command.ts";
import { AuditLog } from "../../audit/log.ts";
import { clean, renderPathDifference, replay as replayAudit, type ReplayReport } from "../../replay/replay.ts";
import { impact } from "../../report/impact.ts";
import { renderImpactHtml } from "../../report/impact-html.ts";
import { DEPLOYMENT_HELP, DEPLOYMENT_OPTIONS, checkStoreExists, deploymentFrom } from "../governance.ts";

const USAGE = `warden replay [--since SEQ|TIME] [--candidate REVISION [--html FILE]] [--json]

Re-evaluates every audited decision against the bundle revision that made it (from the bundle
store), with its recorded input, clock, random seed and kill switch, and compares the result
with the recorded one. Prints progress to stderr, then a summary and every difference.

  --since SEQ|TIME       only decisions from this seq, or recorded at or after this RFC 3339 time
  --candidate REVISION   evaluate every decision against this revision instead (impact analysis:
                         what the new policy would decide differently)
  --html FILE            with --candidate: also write the candidate's impact as a standalone
                         HTML page with charts (as warden report impact --html)
  --json                 print the report as one JSON document

Exit 0 when every decision replays identically; 1 when any differs or a revision is missing
from the bundle store (or fails verification); 2 on usage errors.

${DEPLOYMENT_HELP}`;

export const replay: Command = {
  summary: "re-evaluate audited decisions against the policy that made them (or a candidate)",
  usage: USAGE,
  options: { ...DEPLOYMENT_OPTIONS, since: { type: "string" }, candidate: { type: "string" }, html: { type: "string" }, json: { type: "boolean" } },
  async run(v, positionals) {
    if (positionals.length) throw new UsageError(`replay: unexpected argument ${JSON.stringify(positionals[0])}`);
    if (v.revision !== undefined) throw new UsageError("replay: --revision does not apply (each decision replays against its own revision; see --candidate)");
    const since = sinceOption(v.since as string | undefined);
    const candidate = v.candidate as string | undefined;
    if (candidate !== undefined && !/^[0-9a-f]{64}$/.test(candidate)) throw new UsageError(`--candidate: not a revision: ${JSON.stringify(candidate)} (64 lowercase hex digits)`);
    const html = v.html as string | undefined;
    if (html !== undefined && candidate === undefined) throw new UsageError("replay: --html needs --candidate (the page shows a candidate's impact)");
    const d = deploymentFrom(v, { needsRevision: false });
    checkStoreExists(d.store);
    const verification = d.verification_key ? { key: readFileSync(d.verification_key, "utf8"), ...(d.algorithm ? { algorithm: d.algorithm } : {}) } : undefined;
    const audit = await AuditLog.open(d.store);
    try {
      const tty = process.stderr.isTTY === true;
      const report = await replayAudit(audit, {
        bundles: d.bundles,
        ...(since !== undefined ? { since } : {}),
        ...(candidate ? { candidate } : {}),
        ...(verification ? { verification } : {}),
        progressEvery: 200,
        onProgress: ({ checked, seq }) => process.stderr.write(`${tty ? "\r" : ""}replaying: ${checked} decision(s), at seq ${seq}${tty ? "" : "\n"}`),
      });
      if (tty) process.stderr.write("\n");
      if (html !== undefined) {
        writeFileSync(html, renderImpactHtml(impact(report), { generated: new Date().toISOString(), store: d.store, ...(since !== undefined ? { since: String(since) } : {}) }));
        process.stderr.write(`wrote ${html}\n`);
      }
      if (v.json) console.log(JSON.stringify(report));
      else print(report, d.bundles);
      return clean(report) ? 0 : 1;
    } finally {
      await audit.close();
    }
  },
};

function sinceOption(s: string | undefined): number | string | undefined {
  if (s === undefined) return undefined;
  if (/^\d+$/.test(s)) return Number(s);
  if (Number.isNaN(Date.parse(s))) throw new UsageError(`--since: expected a seq or an RFC 3339 time, got ${JSON.stringify(s)}`);
  return s;
}

function print(r: ReplayReport, bundles: string): void {
  const against = r.candidate ? ` against candidate ${r.candidate.slice(0, 12)}` : "";
  console.log(`replayed ${r.checked} decision${r.checked === 1 ? "" : "s"}${against}: ${r.same} same, ${r.differences.length} different`);
  for (const m of r.missing_revisions) {
    console.log(`missing revision ${m.revision}: ${m.decisions} decision(s) not replayed (seq ${m.seqs.join(", ")}${m.decisions > m.seqs.length ? ", ..." : ""})`);
    console.log(`  ${m.reason} (bundle store ${bundles})`);
  }
  for (const d of r.differences) {
    const rev = d.replayed_revision !== d.revision ? `revision ${d.revision.slice(0, 12)}, replayed on ${d.replayed_revision.slice(0, 12)}` : `revision ${d.revision.slice(0, 12)}`;
    console.log(`DIFFERENT seq ${d.seq}${d.action ? ` ${d.action}` : ""} (action ${d.action_id ?? "-"}, decision ${d.decision_id}, ${rev})`);
    for (const p of d.diff) console.log(`  ${renderPathDifference(p)}`);
  }
}
