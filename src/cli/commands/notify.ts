import { UsageError, type Command } from "../command.ts";
import { reviewNotified } from "../../governance/notify.ts";
import { DEPLOYMENT_HELP, DEPLOYMENT_OPTIONS, openGovernanceStore, principalId, refused, span, subcommand } from "../governance.ts";

const USAGE = `warden notify list|review [OPTIONS]

The review queue: notify-category actions ran at once, and a human must review each within 24
hours of it running.

warden notify list [--all] [--json]
  Actions waiting for review (with --all: reviewed ones too), oldest first, with their due time;
  overdue ones are marked. Exit 0.

warden notify review ACTION_ID --by ID [--comment TEXT] [--json]
  Marks the action reviewed by ID, a principal the directory gives warden:reviewer,
  warden:operator or warden:admin (audited). Exit 1 if refused, if it is not in the queue or was
  already reviewed. To undo the action instead, see warden rollback.

${DEPLOYMENT_HELP}`;

export const notify: Command = {
  summary: "the 24-hour review queue of notify actions",
  usage: USAGE,
  options: { ...DEPLOYMENT_OPTIONS, all: { type: "boolean" }, json: { type: "boolean" }, by: { type: "string" }, comment: { type: "string" } },
  async run(v, positionals) {
    const [given, ...rest] = positionals;
    const sub = subcommand("notify", v, given, { list: ["all", "json"], review: ["by", "comment", "json"] });
    if (sub === "list" && rest.length) throw new UsageError(`notify list: unexpected argument ${JSON.stringify(rest[0])}`);
    if (sub === "review" && rest.length !== 1) throw new UsageError("notify review: give one ACTION_ID");
    if (sub === "review" && v.by === undefined) throw new UsageError("notify review: --by ID is required: who reviewed");
    const g = await openGovernanceStore(v);
    try {
      const state = g.state;
      const now = new Date();
      if (sub === "list") {
        const items = await state.notifyQueue({ pendingOnly: v.all !== true });
        if (v.json) {
          for (const i of items) console.log(JSON.stringify(i));
          return 0;
        }
        if (items.length === 0) console.log(v.all ? "the review queue is empty" : "nothing waits for review");
        for (const i of items) {
          const due = Date.parse(i.due_at) - now.getTime();
          const when = i.reviewed_at ? `reviewed by ${i.reviewed_by} at ${i.reviewed_at}` : due >= 0 ? `due in ${span(due)}` : `OVERDUE by ${span(-due)}`;
          console.log([i.action_id, i.action.padEnd(22), `ran ${i.enqueued_at}`, when].join("  "));
        }
        return 0;
      }
      const by = principalId(v);
      const action_id = rest[0]!;
      let reviewed;
      try {
        reviewed = await reviewNotified(state, action_id, by, { now, ...(v.comment !== undefined ? { comment: v.comment as string } : {}) });
      } catch (e) {
        return refused(e);
      }
      const { item, late_ms } = reviewed;
      if (v.json) console.log(JSON.stringify({ ...item, late_ms }));
      else console.log(`reviewed action ${action_id} (${item.action}) by ${by}${late_ms > 0 ? `, ${span(late_ms)} after its due time` : ""}`);
      return 0;
    } finally {
      await g.close();
    }
  },
};
