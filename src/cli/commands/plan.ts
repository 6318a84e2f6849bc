import { UsageError, type Command } from "../command.ts";
import { compileSources } from "../../pipeline.ts";
import { planEntrypoints } from "../../planner/planner.ts";
import { printPolicy } from "../../ir/printer.ts";
import { loadPaths } from "../files.ts";

export const plan: Command = {
  summary: "print the plan IR of entrypoints (what the backends compile)",
  usage: "warden plan [PATH...] -e ENTRYPOINT...\n\nENTRYPOINT is a path such as authz/allow or data.authz.allow.",
  options: { entrypoint: { type: "string", short: "e", multiple: true } },
  async run(v, paths) {
    const eps = (v.entrypoint as string[] | undefined) ?? [];
    if (eps.length === 0) throw new UsageError("plan needs at least one -e ENTRYPOINT");
    const { sources } = loadPaths(paths.length ? paths : ["policy"]);
    console.log(printPolicy(planEntrypoints(compileSources(sources), eps)));
    return 0;
  },
};
