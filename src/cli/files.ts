// The CLI's side of reading policies from disk: the `--v0-compatible` flag, and the loader
// itself (src/load.ts), which the commands take from here.
export { loadPaths, readData, LoadError } from "../load.ts";
export type { Loaded, LoadOptions } from "../load.ts";

/** `--v0-compatible`, as OPA 1.x spells it: the policies are pre-1.0 Rego. */
export const V0_OPTION = { "v0-compatible": { type: "boolean" } } as const;
export const V0_HELP =
  "  --v0-compatible    read the policies as Rego v0 (pre-1.0: bodies without `if`, the built-ins OPA deprecated)";

export function regoVersionOf(v: Record<string, unknown>): 0 | 1 {
  return v["v0-compatible"] === true ? 0 : 1;
}
