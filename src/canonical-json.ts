// Canonical JSON: object keys sorted (by UTF-16 code units) at every depth, no whitespace, numbers
// and strings as JSON.stringify writes them. Two equal documents give the same bytes, so hashes
// over it (the audit chain, request hashes that approvals are bound to) do not depend on key order.
//
// One pass, appending to one string: every governed action canonicalises its request and four
// audit records, so this is on the hot path (a builder of entries, maps and joins cost 3x this).
import { hash } from "node:crypto";

export function canonicalJSON(value: unknown): string {
  return write(value);
}

function write(v: unknown): string {
  switch (typeof v) {
    case "string":
      return JSON.stringify(v);
    case "number":
      if (!Number.isFinite(v)) throw new TypeError(`canonical JSON cannot hold ${v}`);
      return JSON.stringify(v);
    case "boolean":
      return v ? "true" : "false";
    case "object":
      if (v === null) return "null";
      return Array.isArray(v) ? writeArray(v) : writeObject(v as Record<string, unknown>);
    case "bigint":
      throw new TypeError("canonical JSON cannot hold a bigint");
    default:
      throw new TypeError(`canonical JSON cannot hold ${typeof v}`);
  }
}

function writeArray(a: readonly unknown[]): string {
  let s = "[";
  for (let i = 0; i < a.length; i++) s += (i === 0 ? "" : ",") + write(a[i]);
  return s + "]";
}

function writeObject(o: Record<string, unknown>): string {
  const keys = Object.keys(o);
  // Sorted already, often (documents that were canonical JSON once); else by UTF-16 code units,
  // which is what the default sort compares.
  for (let i = 1; i < keys.length; i++) {
    if (!(keys[i - 1]! < keys[i]!)) {
      keys.sort();
      break;
    }
  }
  let s = "{";
  let first = true;
  for (const k of keys) {
    const v = o[k];
    if (v === undefined) continue;
    s += (first ? "" : ",") + JSON.stringify(k) + ":" + write(v);
    first = false;
  }
  return s + "}";
}

/** SHA-256 (hex) of a document's canonical JSON. */
export function hashJSON(value: unknown): string {
  return hash("sha256", canonicalJSON(value), "hex");
}
