// rego.parse_module: a module's source as OPA's AST JSON (src/syntax/astjson.ts). Parsed as Rego
// v1, and as v0 when v1 refuses it (OPA's own cases parse v0 modules with it); a module neither
// accepts is reported with the v1 parser's errors, worded as Go's ast.Errors.
import { RegoErrors } from "../errors.ts";
import { parseModule } from "../syntax/parser.ts";
import { moduleJSON } from "../syntax/astjson.ts";
import type { Module } from "../syntax/ast.ts";
import { fromJSON } from "../values/value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { builtinError, fn, str } from "./args.ts";
import { T } from "./types.ts";

function parse(file: string, text: string): Module {
  try {
    return parseModule(text, file, { regoVersion: 1 });
  } catch (v1) {
    if (!(v1 instanceof RegoErrors)) throw v1;
    try {
      return parseModule(text, file, { regoVersion: 0 });
    } catch {
      const n = v1.errors.length;
      throw builtinError(`${n} error${n === 1 ? "" : "s"} occurred: ${v1.errors.map((e) => e.message).join("\n")}`);
    }
  }
}

export const REGO_PARSE: BuiltinDef[] = [
  {
    name: "rego.parse_module",
    signature: fn([T.string, T.string], T.objectOf(T.string, T.any)),
    impl: (args) => fromJSON(moduleJSON(parse(str(args, 0), str(args, 1)))),
  },
];
