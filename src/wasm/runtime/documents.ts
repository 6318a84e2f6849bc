// Building documents from rule results: merging partial objects and upserting at a path.
import { valuesEqual } from "./compare";
import { setUnion } from "./builtins/sets";
import {
  arrayGet, collLen, objectCopy, objectGet, objectKey, objectValue, opa_object, opa_object_insert,
  typeOf, TYPE_OBJECT, TYPE_SET,
} from "./value";

/** Recursive merge; on a key both hold, a's value wins unless both are objects. */
export function opa_value_merge(a: usize, b: usize): usize {
  return merge(a, b, false);
}

/** Merge where a key both hold must agree: equal values, objects (merged) or sets (united).
 * 0 on a conflict. */
export function warden_merge_strict(a: usize, b: usize): usize {
  return merge(a, b, true);
}

/** Both merges: objects merge recursively; other clashes keep a's value, or when strict must be
 * equal (sets are united), else the merge fails with 0. 0 too if a or b is not an object. */
function merge(a: usize, b: usize, strict: bool): usize {
  if (typeOf(a) != TYPE_OBJECT || typeOf(b) != TYPE_OBJECT) return 0;
  const n = collLen(b);
  const out = objectCopy(a, n);
  for (let i: u32 = 0; i < n; i++) {
    const k = objectKey(b, i);
    const vb = objectValue(b, i);
    const va = objectGet(a, k);
    if (!va) {
      opa_object_insert(out, k, vb);
      continue;
    }
    let merged: usize = 0;
    if (typeOf(va) == TYPE_OBJECT && typeOf(vb) == TYPE_OBJECT) merged = merge(va, vb, strict);
    else if (!strict || valuesEqual(va, vb)) merged = va;
    else if (typeOf(va) == TYPE_SET && typeOf(vb) == TYPE_SET) merged = setUnion(va, vb);
    if (!merged) return 0;
    opa_object_insert(out, k, merged);
  }
  return out;
}

/** A copy of `doc` (0 = an empty object) with `value` at `path` (an array of keys); the
 * objects along the path are copied, everything else is shared. */
export function warden_upsert(doc: usize, path: usize, value: usize): usize {
  return upsertFrom(doc, path, 0, value);
}

function upsertFrom(doc: usize, path: usize, i: u32, value: usize): usize {
  if (i == collLen(path)) return value;
  const isObject = doc != 0 && typeOf(doc) == TYPE_OBJECT;
  const out = isObject ? objectCopy(doc, 1) : opa_object();
  const key = arrayGet(path, i);
  const child = isObject ? objectGet(doc, key) : 0;
  opa_object_insert(out, key, upsertFrom(child, path, i + 1, value));
  return out;
}
