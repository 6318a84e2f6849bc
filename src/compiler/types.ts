// Checking constant values against declared built-in types, for compile-time type errors.
import type { Type } from "../builtins/types.ts";
import { ObjectValue, SetValue, typeName, type Value } from "../values/value.ts";

/** True if the value can be an argument of the type. */
export function fits(v: Value, t: Type): boolean {
  switch (t.kind) {
    case "any":
      return true;
    case "union":
      return t.of.some((u) => fits(v, u));
    case "null":
    case "boolean":
    case "number":
    case "string":
      return typeName(v) === t.kind;
    case "array":
      if (!Array.isArray(v)) return false;
      if (t.items) return v.length === t.items.length && v.every((x, i) => fits(x, t.items![i]!));
      return !t.of || v.every((x) => fits(x, t.of!));
    case "set":
      return v instanceof SetValue && v.values().every((x) => fits(x, t.of));
    case "object":
      if (!(v instanceof ObjectValue)) return false;
      return v.entries().every(([k, x]) => {
        const field = typeof k === "string" ? t.fields?.[k] : undefined;
        if (field) return fits(x, field);
        return (!t.key || fits(k, t.key)) && (!t.value || fits(x, t.value));
      });
  }
}

/** OPA-like text for a type: `string`, `array[number]`, `any<string, set[any]>`. */
export function typeText(t: Type): string {
  switch (t.kind) {
    case "union":
      return `any<${t.of.map(typeText).join(", ")}>`;
    case "array":
      return t.items ? `array<${t.items.map(typeText).join(", ")}>` : `array[${t.of ? typeText(t.of) : "any"}]`;
    case "set":
      return `set[${typeText(t.of)}]`;
    case "object":
      return t.key || t.value ? `object[${t.key ? typeText(t.key) : "any"}: ${t.value ? typeText(t.value) : "any"}]` : "object";
    default:
      return t.kind;
  }
}
