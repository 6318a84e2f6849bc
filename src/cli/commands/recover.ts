import { UsageError, type Command } from "../command.ts";
import { listIncomplete, resolveIncomplete, type Resolution } from "../../governance/recover.ts";
import { FileStateStore } from "../../rollback/store.ts";
import { DEPLOYMENT_HELP, DEPLOYMENT_OPTIONS, openGovernanceStore, principalId, refused, subcommand } from "../governance.ts";

const RESOLUTIONS: Record<string, Resolution> = { completed: "completed", "rolled-back": "rolled_back", failed: "failed" };

const USAGE = `warden recover list|resolve [OPTIONS]

Actions left with an intent and no outcome, such as after a crash. Each is listed with whether
its handler started: "never started" ran nothing; "may have run" could have taken effect wholly,
partly or not at all (look at its resource first). An action still running in a live service
also shows here: resolve only what you know has stopped.

warden recover list [--json]
warden recover resolve ACTION_ID --as completed|rolled-back|failed --by ID [--comment TEXT] [--json]
  completed     it ran: the outcome records the change of its resource from before the handler
                to now (so it can be rolled back); a notify action joins the review queue
  rolled-back   put its resource back as it was before the handler started
  failed        it did not take effect; nothing is written to the state
  The principal needs warden:operator or warden:admin; the resolution is audited.

${DEPLOYMENT_HELP}`;

export const recover: Command = {
  summary: "list and resolve actions a crash left without an outcome",
  usage: USAGE,
  options: { ...DEPLOYMENT_OPTIONS, json: { type: "boolean" }, as: { type: "string" }, by: { type: "string" }, comment: { type: "string" } },
  async run(v, positionals) {
    const [given, ...rest] = positionals;
    const sub = subcommand("recover", v, given, { list: ["json"], resolve: ["as", "by", "comment", "json"] });
    if (sub === "list" ? rest.length > 0 : rest.length !== 1) throw new UsageError(sub === "list" ? `recover list: unexpected argument ${JSON.stringify(rest[0])}` : "recover resolve: give one ACTION_ID");
    const resolution = sub === "resolve" ? RESOLUTIONS[(v.as as string | undefined) ?? ""] : undefined;
    if (sub === "resolve" && !resolution) throw new UsageError(`recover resolve: --as must be one of ${Object.keys(RESOLUTIONS).join(", ")}`);
    if (sub === "resolve" && v.by === undefined) throw new UsageError("recover resolve: --by ID is required: who resolves");
    const g = await openGovernanceStore(v);
    try {
      const items = await listIncomplete(g.state);
      if (sub === "list") {
        if (v.json) for (const i of items) console.log(JSON.stringify({ action_id: i.action_id, state: i.state, action: i.intent.executed?.action, resource: i.resource ?? null, intent_seq: i.intent.seq, intent_time: i.intent.time }));
        else if (items.length === 0) console.log("no incomplete actions");
        else for (const i of items) console.log([i.action_id, (i.intent.executed?.action ?? "?").padEnd(22), i.state === "never_started" ? "never started" : "MAY HAVE RUN ", i.resource ?? "", i.intent.time].join("  "));
        return 0;
      }
      const key = rest[0]!;
      const matches = items.filter((i) => i.action_id === key || (key.length >= 4 && i.action_id.startsWith(key)));
      if (matches.length !== 1) {
        console.error(`warden: recover resolve: ${matches.length ? `${JSON.stringify(key)} names ${matches.length} actions` : `no incomplete action ${JSON.stringify(key)} (see warden recover list)`}`);
        return 1;
      }
      const by = principalId(v);
      try {
        const rec = await resolveIncomplete(g.state, new FileStateStore(g.deployment.state), matches[0]!.action_id, resolution!, by, v.comment !== undefined ? { comment: v.comment as string } : {});
        console.log(v.json ? JSON.stringify(rec) : `resolved action ${matches[0]!.action_id} as ${v.as as string} (outcome record ${rec.seq}, by ${by})`);
        return 0;
      } catch (e) {
        return refused(e);
      }
    } finally {
      await g.close();
    }
  },
};
