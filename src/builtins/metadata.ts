// rego.metadata.rule and rego.metadata.chain. The compiler folds every call inside a rule into the
// constant of that rule's annotations (src/compiler/metadata.ts); what reaches an engine is a call
// from a query, which has no rule: refused as OPA refuses it.
import type { BuiltinDef } from "./builtin.ts";
import { builtinError, fn } from "./args.ts";
import { T } from "./types.ts";

function outsideRule(name: string): never {
  throw builtinError(`the ${name} function must only be called within the scope of a rule`);
}

export const METADATA: BuiltinDef[] = [
  { name: "rego.metadata.rule", signature: fn([], T.any), impl: () => outsideRule("rego.metadata.rule") },
  { name: "rego.metadata.chain", signature: fn([], T.arrayOf(T.any)), impl: () => outsideRule("rego.metadata.chain") },
];
