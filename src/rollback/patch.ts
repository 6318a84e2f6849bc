// JSON-Patch between two JSON documents, with the cases fast-json-patch's compare() leaves out
// (a root that changes type, or is not a container), and JSON Pointer look-ups that report
// absence instead of throwing.
import jsonpatch, { type Operation } from "fast-json-patch";
import { canonicalJSON } from "../canonical-json.ts";
import type { JsonPatch } from "../schemas/types.ts";

/** A patch that turns `from` into `to` (both plain JSON). */
export function patchBetween(from: unknown, to: unknown): JsonPatch {
  if (canonicalJSON(from) === canonicalJSON(to)) return [];
  const bothArrays = Array.isArray(from) && Array.isArray(to);
  const bothObjects = isPlainObject(from) && isPlainObject(to);
  if (bothArrays || bothObjects) return jsonpatch.compare(from as object, to as object) as JsonPatch;
  return [{ op: "replace", path: "", value: structuredClone(to) }];
}

/** Applies a patch to a deep copy of `doc`, validating each operation; the argument is untouched. */
export function applyToCopy(doc: unknown, patch: JsonPatch): unknown {
  return jsonpatch.applyPatch(structuredClone(doc), patch as Operation[], true, true).newDocument;
}

/** fast-json-patch's validator: the patch's shape, and with `doc`, that every operation applies. Returns the problem or undefined. */
export function patchProblem(patch: JsonPatch, doc?: unknown): string | undefined {
  const err = doc === undefined ? jsonpatch.validate(patch as Operation[]) : jsonpatch.validate(patch as Operation[], structuredClone(doc));
  if (!err) return undefined;
  return `operation ${err.index ?? "?"} (${JSON.stringify(err.operation)}): ${err.name}: ${err.message.split("\n")[0]}`;
}

/** The value at a JSON Pointer, or `{present: false}` when nothing is there. */
export function lookup(doc: unknown, pointer: string): { present: true; value: unknown } | { present: false } {
  if (pointer === "") return { present: true, value: doc };
  let node = doc;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) {
      if (!/^(0|[1-9][0-9]*)$/.test(key) || Number(key) >= node.length) return { present: false };
      node = node[Number(key)];
    } else if (isPlainObject(node) && Object.prototype.hasOwnProperty.call(node, key)) {
      node = node[key];
    } else {
      return { present: false };
    }
  }
  return { present: true, value: node };
}

/**
 * Throws TypeError unless `value` is plain JSON (null, booleans, finite numbers, strings, arrays,
 * plain objects) free of keys that fast-json-patch refuses to touch (`__proto__`,
 * `constructor/prototype`), so that a record captured now can always be applied later.
 */
export function assertPlainJSON(value: unknown, path = ""): void {
  if (value === null || typeof value === "string" || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`${path || "(root)"}: ${value} is not JSON`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertPlainJSON(v, `${path}/${i}`));
    return;
  }
  if (!isPlainObject(value)) throw new TypeError(`${path || "(root)"}: ${describe(value)} is not plain JSON`);
  for (const [k, v] of Object.entries(value)) {
    const at = `${path}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`;
    if (k === "__proto__" || (k === "prototype" && path.endsWith("/constructor"))) {
      throw new TypeError(`${at}: this key cannot be patched (fast-json-patch bans prototype modification)`);
    }
    assertPlainJSON(v, at);
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function describe(v: unknown): string {
  if (v === undefined) return "undefined";
  if (typeof v === "object") return `an instance of ${(v as object).constructor?.name ?? "an unknown class"}`;
  return `a ${typeof v}`;
}
