// Warden's built-ins in OPA's capabilities JSON form (`opa capabilities`): each built-in's name and
// declaration, with OPA's markers (infix, relation, nondeterministic, deprecated). `warden
// capabilities` prints it; test/builtins/capabilities.test.ts compares it with OPA v1's own file.
import { BUILTINS } from "./registry.ts";
import type { Type } from "./types.ts";

/** A type as OPA's capabilities file writes it (types.Type's JSON). */
export type TypeJSON = Record<string, unknown>;

export interface BuiltinCapability {
  name: string;
  decl: TypeJSON;
  infix?: string;
  relation?: boolean;
  nondeterministic?: boolean;
  deprecated?: boolean;
}

const flatten = (ts: Type[]): Type[] => ts.flatMap((t) => (t.kind === "union" ? flatten(t.of) : [t]));

export function typeJSON(t: Type): TypeJSON {
  switch (t.kind) {
    case "any":
    case "null":
    case "boolean":
    case "number":
    case "string":
      return { type: t.kind };
    case "union": // nested unions flattened, as OPA's any<...> is
      return { type: "any", of: flatten(t.of).map(typeJSON) };
    case "set":
      return { type: "set", of: typeJSON(t.of) };
    case "array":
      return {
        type: "array",
        ...(t.items ? { static: t.items.map(typeJSON) } : {}),
        ...(t.of ? { dynamic: typeJSON(t.of) } : {}),
      };
    case "object": {
      const fields = Object.entries(t.fields ?? {});
      return {
        type: "object",
        ...(fields.length > 0 ? { static: fields.map(([key, value]) => ({ key, value: typeJSON(value) })) } : {}),
        ...(t.key && t.value ? { dynamic: { key: typeJSON(t.key), value: typeJSON(t.value) } } : {}),
      };
    }
  }
}

/**
 * The language's own callables, declared as OPA declares them; the compiler handles them, not the
 * registry: `print` (any number of arguments, no result), unification `=` and assignment `:=`;
 * and `internal.print`, what the compiler rewrites print into (a registry built-in without result).
 */
const ANY2_BOOL: TypeJSON = { type: "function", args: [{ type: "any" }, { type: "any" }], result: { type: "boolean" } };
const LANGUAGE: BuiltinCapability[] = [
  { name: "print", decl: { type: "function", variadic: { type: "any" } } },
  { name: "eq", decl: ANY2_BOOL, infix: "=" },
  { name: "assign", decl: ANY2_BOOL, infix: ":=" },
  { name: "internal.print", decl: { type: "function", args: [{ type: "array", dynamic: { type: "set", of: { type: "any" } } }] } },
];

export function builtinCapabilities(): BuiltinCapability[] {
  const out: BuiltinCapability[] = [...LANGUAGE];
  for (const b of BUILTINS.values()) {
    if (LANGUAGE.some((l) => l.name === b.name)) continue;
    const decl: TypeJSON = {
      type: "function",
      ...(b.signature.args.length > 0 ? { args: b.signature.args.map(typeJSON) } : {}),
      ...(b.signature.variadic ? { variadic: typeJSON(b.signature.variadic) } : {}),
      result: typeJSON(b.signature.result),
    };
    out.push({
      name: b.name,
      decl,
      ...(b.infix ? { infix: b.infix } : {}),
      ...(b.relation ? { relation: true } : {}),
      ...(b.nondeterministic ? { nondeterministic: true } : {}),
      ...(b.deprecated ? { deprecated: true } : {}),
    });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The document `warden capabilities` prints: OPA's shape, with Warden's built-ins. */
export function capabilities(): { builtins: BuiltinCapability[]; future_keywords: string[]; wasm_abi_versions: { version: number; minor_version: number }[]; features: string[] } {
  return {
    builtins: builtinCapabilities(),
    future_keywords: [], // Rego v1: contains, every, if and in are keywords already
    wasm_abi_versions: [{ version: 1, minor_version: 3 }], // src/wasm/runtime/abi.ts
    features: ["rego_v1"],
  };
}
