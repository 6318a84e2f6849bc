// Rego's total order over values and its equality (which ignores how a number is held).
import { compareNumbers } from "./number";
import {
  arrayGet, boolValue, collData, collLen, objectKey, objectValue, strLen, strPtr, typeOf,
  TYPE_ARRAY, TYPE_BOOLEAN, TYPE_NUMBER, TYPE_OBJECT, TYPE_SET, TYPE_STRING,
} from "./value";

/** Bytewise, which for UTF-8 is code point order, as Go compares strings. */
export function compareStrings(a: usize, b: usize): i32 {
  if (a == b) return 0;
  const la = strLen(a);
  const lb = strLen(b);
  const pa = strPtr(a);
  const pb = strPtr(b);
  // The first bytes decide most comparisons of distinct keys.
  if (la > 0 && lb > 0) {
    const x = load<u8>(pa);
    const y = load<u8>(pb);
    if (x != y) return x < y ? -1 : 1;
  }
  const c = memory.compare(pa, pb, la < lb ? la : lb);
  if (c != 0) return c < 0 ? -1 : 1;
  return la < lb ? -1 : la > lb ? 1 : 0;
}

/**
 * null < booleans < numbers < strings < arrays < objects < sets; the tags are numbered in that
 * order. Collections compare element by element (objects key, then value), then by length.
 */
export function compareValues(a: usize, b: usize): i32 {
  if (a == b) return 0;
  const ta = typeOf(a);
  const tb = typeOf(b);
  if (ta != tb) return ta < tb ? -1 : 1;
  switch (ta) {
    case TYPE_BOOLEAN:
      return <i32>boolValue(a) - <i32>boolValue(b);
    case TYPE_NUMBER:
      return compareNumbers(a, b);
    case TYPE_STRING:
      return compareStrings(a, b);
    case TYPE_ARRAY:
    case TYPE_SET:
      return compareSlots(a, b, 4);
    case TYPE_OBJECT:
      return compareSlots(a, b, 8);
  }
  return 0; // null
}

/** Compares the pointer slots of two collections in order (an object's slots are key, value). */
function compareSlots(a: usize, b: usize, slot: u32): i32 {
  const la = collLen(a);
  const lb = collLen(b);
  const n = (la < lb ? la : lb) * (slot >> 2);
  const da = collData(a);
  const db = collData(b);
  for (let i: u32 = 0; i < n; i++) {
    const c = compareValues(load<u32>(da + i * 4), load<u32>(db + i * 4));
    if (c != 0) return c;
  }
  return la < lb ? -1 : la > lb ? 1 : 0;
}

export function opa_value_compare(a: usize, b: usize): i32 {
  return compareValues(a, b);
}

/** Equality: as compare == 0, with early exits on type and size. */
export function valuesEqual(a: usize, b: usize): bool {
  if (a == b) return true;
  const t = typeOf(a);
  if (t != typeOf(b)) return false;
  switch (t) {
    case TYPE_STRING:
      return strLen(a) == strLen(b) && memory.compare(strPtr(a), strPtr(b), strLen(a)) == 0;
    case TYPE_ARRAY:
    case TYPE_SET: {
      const n = collLen(a);
      if (n != collLen(b)) return false;
      for (let i: u32 = 0; i < n; i++) if (!valuesEqual(arrayGet(a, i), arrayGet(b, i))) return false;
      return true;
    }
    case TYPE_OBJECT: {
      const n = collLen(a);
      if (n != collLen(b)) return false;
      for (let i: u32 = 0; i < n; i++) {
        if (!valuesEqual(objectKey(a, i), objectKey(b, i))) return false;
        if (!valuesEqual(objectValue(a, i), objectValue(b, i))) return false;
      }
      return true;
    }
  }
  return compareValues(a, b) == 0;
}

export function warden_equal(a: usize, b: usize): i32 {
  return valuesEqual(a, b) ? 1 : 0;
}
