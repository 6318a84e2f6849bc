import { UsageError, type Command } from "../command.ts";
import { listIncomplete, resolveIncomplete, type Resolution } from "../../governance/recover.ts";
import { FileStateStore } from "../../rollback/store.ts";
import { DEPLOYMENT_HELP, DEPLOYMENT_OPTIONS, openGovernanceStore, principalId, refused, subcommand } from "../governance.ts";

const RESOLUTIONS: Record<string, Resolution> = { completed: "completed", "rolled-back": "rolled_back", failed: "failed" };

const USAGE = `warden recover list|resolve [OPTIONS]

Actions left with an intent and no outcome, such as after a crash. Each is listed with whether
its handler started: "never started" ran nothing; "may have run" could have taken effect wholly,
partly or not at all (look at its resource first). An action still running in a live service
also shows here, as "RUNNING" (its governor is alive: its process on this host, or its session
on PostgreSQL from any host), or "GOVERNOR UNKNOWN" (another host on SQLite, or a mark written
by an older version); resolving either is refused unless forced.

warden recover list [--json]
warden recover resolve ACTION_ID --as completed|rolled-back|failed --by ID [--comment TEXT] [--force] [--json]
  completed     it ran: the outcome records the change of its resource from before the handler
                to now (so it can be rolled back); a notify action joins the review queue
  rolled-back   put its resource back as it was before the handler started
  failed        it did not take effect; nothing is written to the state
  --force       resolve it although its governor may be running it (a handler hung for good);
                it still writes its own outcome if it ever ends. The outcome says it was forced.
  The principal needs warden:operator or warden:admin; the resolution is audited.

${DEPLOYMENT_HELP}`;

export const recover: Command = {
  summary: "list and resolve actions a crash left without an outcome",
  usage: USAGE,
  options: { ...DEPLOYMENT_OPTIONS, json: { type: "boolean" }, as: { type: "string" }, by: { type: "string" }, comment: { type: "string" }, force: { type: "boolean" } },
  async run(v, positionals) {
    const [given, ...rest] = positionals;
    const sub = subcommand("recover", v, given, { list: ["json"], resolve: ["as", "by", "comment", "force", "json"] });
    if (sub === "list" ? rest.length > 0 : rest.length !== 1) throw new UsageError(sub === "list" ? `recover list: unexpected argument ${JSON.stringify(rest[0])}` : "recover resolve: give one ACTION_ID");
    const resolution = sub === "resolve" ? RESOLUTIONS[(v.as as string | undefined) ?? ""] : undefined;
    if (sub === "resolve" && !resolution) throw new UsageError(`recover resolve: --as must be one of ${Object.keys(RESOLUTIONS).join(", ")}`);
    if (sub === "resolve" && v.by === undefined) throw new UsageError("recover resolve: --by ID is required: who resolves");
    const g = await openGovernanceStore(v);
    try {
      const items = await listIncomplete(g.state);
      if (sub === "list") {
        const shown = (i: (typeof items)[number]) => (i.state === "never_started" ? "never started" : i.governor === "alive" ? "RUNNING" : i.governor === "unknown" ? "GOVERNOR UNKNOWN" : "MAY HAVE RUN");
        if (v.json) for (const i of items) console.log(JSON.stringify({ action_id: i.action_id, state: i.state, governor: i.governor ?? null, action: i.intent.executed?.action, resource: i.resource ?? null, intent_seq: i.intent.seq, intent_time: i.intent.time }));
        else if (items.length === 0) console.log("no incomplete actions");
        else for (const i of items) console.log([i.action_id, (i.intent.executed?.action ?? "?").padEnd(22), shown(i).padEnd(16), i.resource ?? "", i.intent.time].join("  "));
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
        const rec = await resolveIncomplete(g.state, new FileStateStore(g.deployment.state), matches[0]!.action_id, resolution!, by, {
          ...(v.comment !== undefined ? { comment: v.comment as string } : {}),
          ...(v.force ? { force: true } : {}),
        });
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
