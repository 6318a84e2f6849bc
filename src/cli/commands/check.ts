import type { Command } from "../command.ts";
import { compileSources } from "../../pipeline.ts";
import { loadPaths } from "../files.ts";

export const check: Command = {
  summary: "compile policies and report every error, located",
  usage: "warden check [PATH...]\n\nParses and compiles every .rego file under PATH (default: policy/) and prints all\nerrors as file:line:col: code: message. Exit 1 if there are any.",
  options: {},
  async run(_v, paths) {
    const { sources } = loadPaths(paths.length ? paths : ["policy"], { tests: true });
    compileSources(sources);
    console.log(`${sources.length} file(s) checked, no errors`);
    return 0;
  },
};
