// object.get, object.keys, object.remove, object.filter, object.union, object.union_n.
import { opa_value_merge } from "../documents";
import {
  arrayGet, collLen, objectCopy, objectGet, objectKey, objectRemove, objectWithCap, opa_object_insert,
  opa_value_get, setWithCap, strLen, strPtr, typeOf, TYPE_ARRAY, TYPE_OBJECT, TYPE_SET, TYPE_STRING,
} from "../value";

/** object.get(obj, key, default); an array key is a path, the empty path the object itself. */
export function builtin_object_get(obj: usize, key: usize, fallback: usize): usize {
  if (typeOf(obj) != TYPE_OBJECT) return 0;
  if (typeOf(key) != TYPE_ARRAY) {
    const v = objectGet(obj, key);
    return v ? v : fallback;
  }
  let v = obj;
  const n = collLen(key);
  for (let i: u32 = 0; i < n && v; i++) v = child(v, arrayGet(key, i));
  return v ? v : fallback;
}

/** As opa_value_get, also taking an array index written as decimal text (as in JSON pointers). */
function child(v: usize, key: usize): usize {
  if (typeOf(v) != TYPE_ARRAY || typeOf(key) != TYPE_STRING) return opa_value_get(v, key);
  const p = strPtr(key);
  const len = strLen(key);
  if (len == 0 || len > 9 || (len > 1 && load<u8>(p) == 48)) return 0;
  let i: u32 = 0;
  for (let j: u32 = 0; j < len; j++) {
    const d = <u32>load<u8>(p + j) - 48;
    if (d >= 10) return 0;
    i = i * 10 + d;
  }
  return i < collLen(v) ? arrayGet(v, i) : 0;
}

export function builtin_object_keys(obj: usize): usize {
  if (typeOf(obj) != TYPE_OBJECT) return 0;
  const n = collLen(obj);
  const out = setWithCap(n);
  // Keys are already in order: copy them straight into the set.
  for (let i: u32 = 0; i < n; i++) store<u32>(load<u32>(out, 12) + i * 4, objectKey(obj, i));
  store<u32>(out, n, 4);
  return out;
}

/** The keys named by an object (its keys), a set or an array; 0 for anything else. */
function isKeyList(keys: usize): bool {
  const t = typeOf(keys);
  return t == TYPE_OBJECT || t == TYPE_SET || t == TYPE_ARRAY;
}

@inline function keyAt(keys: usize, i: u32): usize {
  return typeOf(keys) == TYPE_OBJECT ? objectKey(keys, i) : arrayGet(keys, i);
}

export function builtin_object_remove(obj: usize, keys: usize): usize {
  if (typeOf(obj) != TYPE_OBJECT || !isKeyList(keys)) return 0;
  const out = objectCopy(obj, 0);
  const n = collLen(keys);
  for (let i: u32 = 0; i < n; i++) objectRemove(out, keyAt(keys, i));
  return out;
}

export function builtin_object_filter(obj: usize, keys: usize): usize {
  if (typeOf(obj) != TYPE_OBJECT || !isKeyList(keys)) return 0;
  const n = collLen(keys);
  const out = objectWithCap(n);
  for (let i: u32 = 0; i < n; i++) {
    const k = keyAt(keys, i);
    const v = objectGet(obj, k);
    if (v) opa_object_insert(out, k, v);
  }
  return out;
}

/** b's values win, except that two objects under one key merge recursively. */
export function builtin_object_union(a: usize, b: usize): usize {
  return opa_value_merge(b, a);
}

export function builtin_object_union_n(objs: usize): usize {
  if (typeOf(objs) != TYPE_ARRAY) return 0;
  let acc = objectWithCap(0);
  const n = collLen(objs);
  for (let i: u32 = 0; i < n; i++) {
    acc = opa_value_merge(arrayGet(objs, i), acc);
    if (!acc) return 0;
  }
  return acc;
}
