// Objects: object.* and the JSON document operations json.filter, json.remove, json.patch.
import { ObjectValue, SetValue, compare, equal, isNumber, toBigInt, typeName, type Value } from "../values/value.ts";
import { BuiltinError, type BuiltinDef } from "./builtin.ts";
import {
  ANY_ARRAY,
  ANY_OBJECT,
  ANY_SET,
  arr,
  elementError,
  fn,
  members,
  obj,
  operandError,
  typeError,
} from "./args.ts";
import { T } from "./types.ts";

// ---------------------------------------------------------------------------------------------
// Paths into documents

/** An array index written as a number or as decimal text (JSON pointers are text). */
function arrayIndex(key: Value, length: number): number | undefined {
  let i: bigint | null = null;
  if (isNumber(key)) i = toBigInt(key);
  else if (typeof key === "string" && /^(0|[1-9][0-9]*)$/.test(key)) i = BigInt(key);
  return i !== null && i >= 0n && i < BigInt(length) ? Number(i) : undefined;
}

/** The child of a collection under a key: object value, array element or set member. */
function child(container: Value, key: Value): Value | undefined {
  if (container instanceof ObjectValue) return container.get(key);
  if (Array.isArray(container)) {
    const i = arrayIndex(key, container.length);
    return i === undefined ? undefined : container[i];
  }
  if (container instanceof SetValue) return container.has(key) ? key : undefined;
  return undefined;
}

function find(doc: Value, path: Value[]): Value | undefined {
  let v: Value | undefined = doc;
  for (const key of path) {
    v = child(v, key);
    if (v === undefined) return undefined;
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// object.*

/** The keys named by an object (its keys), a set or an array operand. */
function keyList(args: Value[], i: number): Value[] {
  const v = args[i]!;
  if (v instanceof ObjectValue) return v.keys();
  if (v instanceof SetValue) return v.values();
  if (Array.isArray(v)) return v;
  throw typeError(i + 1, v, "object", "set", "array");
}

function objectGet(args: Value[]): Value {
  const o = obj(args, 0);
  const [, key, fallback] = args;
  // An array key is a path; the empty path selects the object itself.
  const found = Array.isArray(key) ? find(o, key) : o.get(key!);
  return found === undefined ? fallback! : found;
}

function objectRemove(args: Value[]): Value {
  const out = obj(args, 0).copy();
  for (const k of keyList(args, 1)) out.delete(k);
  return out;
}

function objectFilter(args: Value[]): Value {
  const o = obj(args, 0);
  const out = new ObjectValue();
  for (const k of keyList(args, 1)) {
    const v = o.get(k);
    if (v !== undefined) out.set(k, v);
  }
  return out;
}

/** Merges `b` into `a`: values of `b` win, except that two objects under one key merge. */
function merge(a: ObjectValue, b: ObjectValue): ObjectValue {
  const out = a.copy();
  for (const [k, vb] of b.map.values()) {
    const va = a.get(k);
    out.set(k, va instanceof ObjectValue && vb instanceof ObjectValue ? merge(va, vb) : vb);
  }
  return out;
}

function unionN(args: Value[]): Value {
  let out = new ObjectValue();
  for (const o of arr(args, 0)) {
    if (!(o instanceof ObjectValue)) throw elementError(1, args[0]!, o, "object");
    out = merge(out, o);
  }
  return out;
}

function objectSubset([sup, sub]: Value[]): Value {
  const result = subset(sup!, sub!);
  if (result === undefined) {
    throw new BuiltinError("eval_type_error", "both arguments to object.subset must be of the same type or array and set");
  }
  return result;
}

/**
 * Whether `sub` is contained in `sup`: objects recursively by key, sets by membership, arrays as
 * a contiguous run, and a set in an array by membership. Undefined for other type pairs.
 */
function subset(sup: Value, sub: Value): boolean | undefined {
  if (sup instanceof ObjectValue && sub instanceof ObjectValue) {
    for (const [k, v] of sub.map.values()) {
      const s = sup.get(k);
      if (s === undefined || !(subset(s, v) ?? equal(s, v))) return false;
    }
    return true;
  }
  if (sup instanceof SetValue && sub instanceof SetValue) return sub.values().every((x) => sup.has(x));
  if (Array.isArray(sup) && Array.isArray(sub)) return containsRun(sup, sub);
  if (Array.isArray(sup) && sub instanceof SetValue) {
    const elems = SetValue.of(sup);
    return sub.values().every((x) => elems.has(x));
  }
  return undefined;
}

function containsRun(sup: Value[], sub: Value[]): boolean {
  for (let start = 0; start + sub.length <= sup.length; start++) {
    if (sub.every((x, i) => compare(sup[start + i]!, x) === 0)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// json.filter and json.remove: paths are "a/b/c" strings or arrays of segments, gathered into a
// tree of objects whose null leaves mark the selected (or removed) documents.

function jsonPaths(args: Value[]): Value[][] {
  const v = args[1]!;
  if (!Array.isArray(v) && !(v instanceof SetValue)) throw typeError(2, v, "set", "array");
  return members(args, 1).map((p) => {
    if (typeof p === "string") return pointerSegments(p);
    if (Array.isArray(p)) return p;
    throw operandError(2, `must be one of {set, array} containing string paths or array of path segments but got ${typeName(p)}`);
  });
}

/**
 * A "/a/b" path's segments, read as OPA's parsePath does for json.filter, json.remove and
 * json.patch alike: the leading slashes are optional (all are trimmed), and "" is the root.
 */
function pointerSegments(path: string): string[] {
  return path === "" ? [] : path.replace(/^\/+/, "").split("/").map(unescapePointer);
}

function unescapePointer(segment: string): string {
  return segment.replaceAll("~1", "/").replaceAll("~0", "~");
}

function pathTree(paths: Value[][]): ObjectValue {
  const root = new ObjectValue();
  for (const path of paths) {
    if (path.length === 0) continue;
    let node: ObjectValue | null = root;
    for (const key of path.slice(0, -1)) {
      const next: Value | undefined = node.get(key);
      if (next === null) {
        node = null; // a shorter path already selects everything below
        break;
      }
      if (next === undefined) {
        const fresh = new ObjectValue();
        node.set(key, fresh);
        node = fresh;
      } else node = next as ObjectValue;
    }
    node?.set(path[path.length - 1]!, null);
  }
  return root;
}

/** The parts of `doc` that the tree selects; a null leaf selects the whole subdocument. */
function filterDoc(doc: Value, tree: Value): Value {
  if (!(tree instanceof ObjectValue)) return doc;
  if (doc instanceof ObjectValue) {
    const out = new ObjectValue();
    for (const [k, sub] of tree.map.values()) {
      const v = doc.get(k);
      if (v !== undefined) out.set(k, filterDoc(v, sub));
    }
    return out;
  }
  if (Array.isArray(doc)) {
    const out: Value[] = [];
    doc.forEach((v, i) => {
      const sub = tree.get(String(i));
      if (sub !== undefined) out.push(filterDoc(v, sub));
    });
    return out;
  }
  if (doc instanceof SetValue) {
    return SetValue.of(doc.values().flatMap((v) => (tree.has(v) ? [filterDoc(v, tree.get(v)!)] : [])));
  }
  return doc;
}

/** `doc` without the parts the tree marks; undefined when the whole of `doc` is removed. */
function removeDoc(doc: Value, tree: Value | undefined): Value | undefined {
  if (tree === undefined) return doc;
  if (tree === null) return undefined;
  const t = tree as ObjectValue;
  if (doc instanceof ObjectValue) {
    const out = new ObjectValue();
    for (const [k, v] of doc.map.values()) {
      const kept = removeDoc(v, t.get(k));
      if (kept !== undefined) out.set(k, kept);
    }
    return out;
  }
  if (Array.isArray(doc)) {
    // Removed elements close up, as JSON patch removals do.
    return doc.flatMap((v, i) => {
      const kept = removeDoc(v, t.get(String(i)));
      return kept === undefined ? [] : [kept];
    });
  }
  if (doc instanceof SetValue) {
    const out = new SetValue();
    for (const v of doc.values()) {
      const kept = removeDoc(v, t.get(v));
      if (kept !== undefined) out.add(kept);
    }
    return out;
  }
  return doc;
}

// ---------------------------------------------------------------------------------------------
// json.patch (RFC 6902), applied without mutating the input. A failed operation makes the
// whole call undefined.

/** A path as a JSON pointer ("/a/0", or "a/0": OPA does not insist on the slash) or an array of segments. */
function patchPath(v: Value | undefined): Value[] | undefined {
  if (Array.isArray(v)) return v;
  return typeof v === "string" ? pointerSegments(v) : undefined;
}

/** A change to the child `key` of `container`: the new container, or undefined if it does not apply. */
type Edit = (container: Value, key: Value) => Value | undefined;

function editAt(doc: Value, path: Value[], edit: Edit): Value | undefined {
  const [key, ...rest] = path;
  if (rest.length === 0) return edit(doc, key!);
  const c = child(doc, key!);
  if (c === undefined) return undefined;
  const updated = editAt(c, rest, edit);
  return updated === undefined ? undefined : withChild(doc, key!, c, updated);
}

function withChild(container: Value, key: Value, old: Value, value: Value): Value {
  if (container instanceof ObjectValue) return container.copy().set(key, value);
  if (Array.isArray(container)) return container.map((v, i) => (i === arrayIndex(key, container.length) ? value : v));
  const s = (container as SetValue).copy();
  s.delete(old);
  return s.add(value);
}

const addEdit =
  (value: Value): Edit =>
  (c, key) => {
    if (c instanceof ObjectValue) return c.copy().set(key, value);
    if (c instanceof SetValue) return c.copy().add(value);
    if (!Array.isArray(c)) return undefined;
    const i = key === "-" ? c.length : arrayIndex(key, c.length + 1);
    return i === undefined ? undefined : [...c.slice(0, i), value, ...c.slice(i)];
  };

const removeEdit: Edit = (c, key) => {
  if (child(c, key) === undefined) return undefined;
  if (c instanceof ObjectValue) {
    const out = c.copy();
    out.delete(key);
    return out;
  }
  if (Array.isArray(c)) return c.filter((_, i) => i !== arrayIndex(key, c.length));
  const out = (c as SetValue).copy();
  out.delete(key);
  return out;
};

const replaceEdit =
  (value: Value): Edit =>
  (c, key) => {
    const old = child(c, key);
    return old === undefined ? undefined : withChild(c, key, old, value);
  };

function applyPatch(doc: Value, op: ObjectValue): Value | undefined {
  const path = patchPath(op.getString("path"));
  const value = op.getString("value");
  const from = patchPath(op.getString("from"));
  if (path === undefined) return undefined;
  const at = (d: Value, edit: Edit, whole: Value | undefined) => (path.length === 0 ? whole : editAt(d, path, edit));
  switch (op.getString("op")) {
    case "add":
      return value === undefined ? undefined : at(doc, addEdit(value), value);
    case "remove":
      return at(doc, removeEdit, undefined);
    case "replace":
      return value === undefined ? undefined : at(doc, replaceEdit(value), value);
    case "test": {
      const actual = find(doc, path);
      return value !== undefined && actual !== undefined && equal(actual, value) ? doc : undefined;
    }
    case "copy":
    case "move": {
      const moved = from === undefined ? undefined : find(doc, from);
      if (moved === undefined) return undefined;
      const rest = op.getString("op") === "move" && from!.length > 0 ? editAt(doc, from!, removeEdit) : doc;
      return rest === undefined ? undefined : at(rest, addEdit(moved), moved);
    }
  }
  return undefined;
}

function jsonPatch(args: Value[]): Value | undefined {
  let doc: Value | undefined = args[0]!;
  for (const op of arr(args, 1)) {
    if (!(op instanceof ObjectValue)) throw elementError(2, args[1]!, op, "object");
    doc = applyPatch(doc, op);
    if (doc === undefined) return undefined;
  }
  return doc;
}

// ---------------------------------------------------------------------------------------------

const KEYS = T.union(ANY_ARRAY, ANY_OBJECT, ANY_SET);
const PATHS = T.union(T.arrayOf(T.union(T.string, ANY_ARRAY)), T.setOf(T.union(T.string, ANY_ARRAY)));

export const OBJECTS: BuiltinDef[] = [
  { name: "object.get", signature: fn([ANY_OBJECT, T.any, T.any], T.any), impl: objectGet },
  { name: "object.keys", signature: fn([ANY_OBJECT], ANY_SET), impl: (args) => SetValue.of(obj(args, 0).keys()) },
  { name: "object.remove", signature: fn([ANY_OBJECT, KEYS], ANY_OBJECT), impl: objectRemove },
  { name: "object.filter", signature: fn([ANY_OBJECT, KEYS], ANY_OBJECT), impl: objectFilter },
  {
    name: "object.union",
    signature: fn([ANY_OBJECT, ANY_OBJECT], ANY_OBJECT),
    impl: (args) => merge(obj(args, 0), obj(args, 1)),
  },
  { name: "object.union_n", signature: fn([T.arrayOf(ANY_OBJECT)], ANY_OBJECT), impl: unionN },
  {
    name: "object.subset",
    signature: fn([T.union(ANY_OBJECT, ANY_SET, ANY_ARRAY), T.union(ANY_OBJECT, ANY_SET, ANY_ARRAY)], T.boolean),
    impl: objectSubset,
  },
  {
    name: "json.filter",
    signature: fn([ANY_OBJECT, PATHS], ANY_OBJECT),
    impl: (args) => filterDoc(obj(args, 0), pathTree(jsonPaths(args))),
  },
  {
    name: "json.remove",
    signature: fn([ANY_OBJECT, PATHS], ANY_OBJECT),
    impl: (args) => removeDoc(obj(args, 0), pathTree(jsonPaths(args))),
  },
  {
    name: "json.patch",
    signature: fn([T.any, T.arrayOf({ kind: "object", fields: { op: T.string, path: T.any }, key: T.any, value: T.any })], T.any),
    impl: jsonPatch,
  },
];
