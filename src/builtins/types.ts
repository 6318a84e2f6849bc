// Static types of Rego values, as the type checker and built-in declarations use them.

export type Type =
  | { kind: "any" }
  | { kind: "null" }
  | { kind: "boolean" }
  | { kind: "number" }
  | { kind: "string" }
  /** `of`: element type of a dynamic array; `items`: element types of a fixed-length array. */
  | { kind: "array"; of?: Type; items?: Type[] }
  /** `fields`: known string keys; `key`/`value`: the dynamic part. */
  | { kind: "object"; fields?: Record<string, Type>; key?: Type; value?: Type }
  | { kind: "set"; of: Type }
  | { kind: "union"; of: Type[] };

export const T = {
  any: { kind: "any" } as Type,
  null: { kind: "null" } as Type,
  boolean: { kind: "boolean" } as Type,
  number: { kind: "number" } as Type,
  string: { kind: "string" } as Type,
  arrayOf: (of: Type): Type => ({ kind: "array", of }),
  tuple: (...items: Type[]): Type => ({ kind: "array", items }),
  setOf: (of: Type): Type => ({ kind: "set", of }),
  objectOf: (key: Type, value: Type): Type => ({ kind: "object", key, value }),
  union: (...of: Type[]): Type => ({ kind: "union", of }),
};

/** A built-in's signature: argument types (in order) and result type. */
export interface Signature {
  args: Type[];
  /** Set when the last argument repeats (none of OPA's built-ins need this yet). */
  variadic?: Type;
  result: Type;
}
