import type { Command } from "../command.ts";
import { runDemo } from "../../governance/demo.ts";

export const demo: Command = {
  summary: "run the customer-support agent demo end to end (start here)",
  usage: `warden demo [--home DIR] [--bundles DIR] [--policy DIR] [--json]

Builds the demo policy shipped with Warden (its own policy/, wherever you run it; --policy DIR
for another) into a signed bundle (key pair made once in .warden/keys), publishes it to
bundles/, and governs a customer-support agent's actions on the embedded defaults: lookups
run, a discount runs and waits for review, a refund over 500 waits for a support lead, an
account deletion and a permission change are refused, the discount is rolled back, and the
kill switch halts a running action. Prints what happened; leaves .warden/ (audit trail,
approvals, state, deployment.json) for the other commands. Each run starts a fresh store.
--json ends the output with one JSON line: revision, records, halt latency, outcomes.`,
  options: {
    home: { type: "string" },
    bundles: { type: "string" },
    policy: { type: "string" },
    json: { type: "boolean" },
  },
  async run(v) {
    const summary = await runDemo({
      home: v.home as string | undefined,
      bundles: v.bundles as string | undefined,
      policy: v.policy as string | undefined,
    });
    if (v.json) console.log(JSON.stringify(summary));
    return 0;
  },
};
