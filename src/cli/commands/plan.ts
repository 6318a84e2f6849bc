import { JSON_OPTION, UsageError, type Command } from "../command.ts";
import { compileSources } from "../../pipeline.ts";
import { planEntrypoints } from "../../planner/planner.ts";
import { printPolicy } from "../../ir/printer.ts";
import { loadPaths } from "../files.ts";

export const plan: Command = {
  summary: "print the plan IR of entrypoints (what the backends compile)",
  usage:
    "warden plan [PATH...] -e ENTRYPOINT... [--json]\n\nENTRYPOINT is a path such as authz/allow or data.authz.allow.\n" +
    "--json prints the plan IR as the plain data it is (src/ir/ir.ts), big integers as strings.",
  options: { entrypoint: { type: "string", short: "e", multiple: true }, ...JSON_OPTION },
  async run(v, paths) {
    const eps = (v.entrypoint as string[] | undefined) ?? [];
    if (eps.length === 0) throw new UsageError("plan needs at least one -e ENTRYPOINT");
    const { sources } = loadPaths(paths.length ? paths : ["policy"]);
    const policy = planEntrypoints(compileSources(sources), eps);
    console.log(v.json ? JSON.stringify(policy, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x)) : printPolicy(policy));
    return 0;
  },
};
