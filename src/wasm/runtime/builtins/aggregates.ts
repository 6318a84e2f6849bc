// Aggregates over collections: count, sum, product, max, min, sort, all, any.
import { opa_malloc } from "../alloc";
import { compareValues } from "../compare";
import { numAdd, numMul } from "../number";
import { sortSlots } from "../sort";
import { runeCount } from "../utf8";
import {
  arrayGet, collData, collLen, intValue, isCollection, opa_array_with_cap, opa_boolean, strLen, strPtr,
  typeOf, TYPE_ARRAY, TYPE_BOOLEAN, TYPE_NUMBER, TYPE_OBJECT, TYPE_SET, TYPE_STRING,
} from "../value";

export function builtin_count(x: usize): usize {
  const t = typeOf(x);
  if (t == TYPE_STRING) return intValue(runeCount(strPtr(x), strLen(x)));
  if (t == TYPE_ARRAY || t == TYPE_OBJECT || t == TYPE_SET) return intValue(collLen(x));
  return 0;
}

/** Folds the numbers of an array or set; undefined if any member is not a number. */
function fold(xs: usize, start: i64, multiply: bool): usize {
  if (!isCollection(xs)) return 0;
  let acc = intValue(start);
  const n = collLen(xs);
  for (let i: u32 = 0; i < n; i++) {
    const x = arrayGet(xs, i);
    if (typeOf(x) != TYPE_NUMBER) return 0;
    acc = multiply ? numMul(acc, x) : numAdd(acc, x, false);
  }
  return acc;
}

export function builtin_sum(xs: usize): usize {
  return fold(xs, 0, false);
}

export function builtin_product(xs: usize): usize {
  return fold(xs, 1, true);
}

/** The greatest (sign 1) or least (sign -1) member; undefined when empty. */
function extreme(xs: usize, sign: i32): usize {
  if (!isCollection(xs)) return 0;
  const n = collLen(xs);
  if (n == 0) return 0;
  // A set is sorted: its extremes are its ends.
  if (typeOf(xs) == TYPE_SET) return arrayGet(xs, sign > 0 ? n - 1 : 0);
  let best = arrayGet(xs, 0);
  for (let i: u32 = 1; i < n; i++) {
    const x = arrayGet(xs, i);
    if (sign * compareValues(x, best) > 0) best = x;
  }
  return best;
}

export function builtin_max(xs: usize): usize {
  return extreme(xs, 1);
}

export function builtin_min(xs: usize): usize {
  return extreme(xs, -1);
}

export function builtin_sort(xs: usize): usize {
  if (!isCollection(xs)) return 0;
  const n = collLen(xs);
  const out = opa_array_with_cap(n);
  memory.copy(collData(out), collData(xs), n * 4);
  store<u32>(out, n, 4);
  if (typeOf(xs) == TYPE_ARRAY) sortSlots(collData(out), n, 4, opa_malloc(n * 4));
  return out;
}

/** Whether every (all) or some (any) member is `true`. */
function quantify(xs: usize, every: bool): usize {
  if (!isCollection(xs)) return 0;
  const n = collLen(xs);
  for (let i: u32 = 0; i < n; i++) {
    const x = arrayGet(xs, i);
    const isTrue = typeOf(x) == TYPE_BOOLEAN && load<u8>(x, 1) != 0;
    if (isTrue != every) return opa_boolean(!every);
  }
  return opa_boolean(every);
}

export function builtin_all(xs: usize): usize {
  return quantify(xs, true);
}

export function builtin_any(xs: usize): usize {
  return quantify(xs, false);
}
