// Type tests: is_number, is_string, ... and type_name.
import { typeName, type TypeName } from "../values/value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { fn } from "./args.ts";
import { T } from "./types.ts";

function isType(name: string, type: TypeName): BuiltinDef {
  return { name, signature: fn([T.any], T.boolean), impl: ([x]) => typeName(x!) === type };
}

export const TYPECHECKS: BuiltinDef[] = [
  isType("is_number", "number"),
  isType("is_string", "string"),
  isType("is_boolean", "boolean"),
  isType("is_array", "array"),
  isType("is_set", "set"),
  isType("is_object", "object"),
  isType("is_null", "null"),
  { name: "type_name", signature: fn([T.any], T.string), impl: ([x]) => typeName(x!) },
];
