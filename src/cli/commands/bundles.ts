import { UsageError, type Command } from "../command.ts";
import { bundleCommand, human } from "../bundle-options.ts";
import { openStore } from "../../bundle/store.ts";

export const bundles: Command = {
  summary: "list the bundles of a bundle store",
  usage: `warden bundles list [--store DIR] [--json]

Lists the revisions published to DIR (default bundles/), oldest first, with their entrypoints,
signer key id, size and publish time. --json prints the index entries as a JSON list.`,
  options: { store: { type: "string" }, json: { type: "boolean" } },
  run: (v, rest) =>
    bundleCommand(async () => {
      if (rest.length > 1 || (rest.length === 1 && rest[0] !== "list")) throw new UsageError("usage: warden bundles list [--store DIR] [--json]");
      const entries = openStore((v.store as string | undefined) ?? "bundles").list();
      if (v.json) {
        console.log(JSON.stringify(entries, null, 2));
        return 0;
      }
      if (entries.length === 0) {
        console.log("no bundles published");
        return 0;
      }
      for (const e of entries) {
        const signer = e.signed ? (e.signer ?? "signed") : "unsigned";
        console.log(`${e.revision}  ${e.published_at}  ${human(e.size).padStart(9)}  ${signer.padEnd(12)}  ${e.entrypoints.join(", ")}`);
      }
      return 0;
    }),
};
