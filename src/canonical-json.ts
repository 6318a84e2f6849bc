// Canonical JSON: object keys sorted (by UTF-16 code units) at every depth, no whitespace, numbers
// and strings as JSON.stringify writes them. Two equal documents give the same bytes, so hashes
// over it (the audit chain, request hashes that approvals are bound to) do not depend on key order.
import { createHash } from "node:crypto";

export function canonicalJSON(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (value === undefined || typeof value === "function" || typeof value === "symbol") {
      throw new TypeError(`canonical JSON cannot hold ${typeof value}`);
    }
    if (typeof value === "number" && !Number.isFinite(value)) throw new TypeError(`canonical JSON cannot hold ${value}`);
    if (typeof value === "bigint") throw new TypeError("canonical JSON cannot hold a bigint");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJSON).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJSON(v)}`).join(",")}}`;
}

/** SHA-256 (hex) of a document's canonical JSON. */
export function hashJSON(value: unknown): string {
  return createHash("sha256").update(canonicalJSON(value)).digest("hex");
}
