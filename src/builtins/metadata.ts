// rego.metadata.rule and rego.metadata.chain. The compiler folds every call inside a rule into the
// constant of that rule's annotations (src/compiler/metadata.ts); what reaches an engine is a call
// from a query, which has no rule and so no annotations: an empty object and an empty chain.
import { ObjectValue } from "../values/value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { fn } from "./args.ts";
import { T } from "./types.ts";

export const METADATA: BuiltinDef[] = [
  { name: "rego.metadata.rule", signature: fn([], T.any), impl: () => new ObjectValue() },
  { name: "rego.metadata.chain", signature: fn([], T.arrayOf(T.any)), impl: () => [] },
];
