// Set algebra: & and | on two sets, set difference, intersection and union of a set of sets.
// Sets are sorted, so each operation is one linear merge and builds its result in order.
import { compareValues } from "../compare";
import { arrayGet, collLen, opa_set_add, setHas, setWithCap, typeOf, TYPE_SET } from "../value";

/** Members of `a`, keeping those whose presence in `b` equals `keep`. */
function filterSet(a: usize, b: usize, keep: bool): usize {
  const n = collLen(a);
  const out = setWithCap(n);
  for (let i: u32 = 0; i < n; i++) {
    const x = arrayGet(a, i);
    if (setHas(b, x) == keep) opa_set_add(out, x);
  }
  return out;
}

export function setUnion(a: usize, b: usize): usize {
  const la = collLen(a);
  const lb = collLen(b);
  const out = setWithCap(la + lb);
  let i: u32 = 0;
  let j: u32 = 0;
  while (i < la || j < lb) {
    let c: i32 = 0;
    if (i == la) c = 1;
    else if (j == lb) c = -1;
    else c = compareValues(arrayGet(a, i), arrayGet(b, j));
    if (c <= 0) opa_set_add(out, arrayGet(a, i++));
    if (c == 0) j++;
    else if (c > 0) opa_set_add(out, arrayGet(b, j++));
  }
  return out;
}

export function setDifference(a: usize, b: usize): usize {
  return filterSet(a, b, false);
}

export function builtin_and(a: usize, b: usize): usize {
  if (typeOf(a) != TYPE_SET || typeOf(b) != TYPE_SET) return 0;
  return collLen(a) <= collLen(b) ? filterSet(a, b, true) : filterSet(b, a, true);
}

export function builtin_or(a: usize, b: usize): usize {
  if (typeOf(a) != TYPE_SET || typeOf(b) != TYPE_SET) return 0;
  return setUnion(a, b);
}

/** Whether `s` is a set whose members are all sets. */
function isSetOfSets(s: usize): bool {
  if (typeOf(s) != TYPE_SET) return false;
  const n = collLen(s);
  for (let i: u32 = 0; i < n; i++) if (typeOf(arrayGet(s, i)) != TYPE_SET) return false;
  return true;
}

export function builtin_intersection(s: usize): usize {
  if (!isSetOfSets(s)) return 0;
  const n = collLen(s);
  if (n == 0) return setWithCap(0);
  let acc = arrayGet(s, 0);
  for (let i: u32 = 1; i < n; i++) acc = builtin_and(acc, arrayGet(s, i));
  return acc;
}

export function builtin_union(s: usize): usize {
  if (!isSetOfSets(s)) return 0;
  const n = collLen(s);
  let acc = setWithCap(0);
  for (let i: u32 = 0; i < n; i++) acc = setUnion(acc, arrayGet(s, i));
  return acc;
}
