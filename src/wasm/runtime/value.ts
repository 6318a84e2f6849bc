// The value model: every value is a pointer to a 16-byte header in linear memory.
//
//   offset 0   u8  tag (TYPE_*)
//   boolean    u8 at 1: 0 or 1
//   number     u8 at 1: NUM_INT (i64 at 8), NUM_FLOAT (f64 at 8) or NUM_REF (text: ptr at 8, len at 12)
//   string     len u32 at 4, UTF-8 bytes ptr at 8
//   array      len at 4, cap at 8, ptr at 12 to `cap` element pointers
//   object     len at 4, cap at 8, ptr at 12 to `cap` (key, value) pointer pairs, sorted by key
//   set        len at 4, cap at 8, ptr at 12 to `cap` member pointers, sorted
//
// Objects and sets are kept in Rego order at all times, so iteration, lookup (binary search),
// comparison and printing need no further work. Values are immutable once handed out; only
// the code that just built a collection appends or inserts into it.
import { opa_malloc } from "./alloc";
import { compareStrings, compareValues } from "./compare";

export const TYPE_NULL: u8 = 1;
export const TYPE_BOOLEAN: u8 = 2;
export const TYPE_NUMBER: u8 = 3;
export const TYPE_STRING: u8 = 4;
export const TYPE_ARRAY: u8 = 5;
export const TYPE_OBJECT: u8 = 6;
export const TYPE_SET: u8 = 7;

export const NUM_INT: u8 = 1;
export const NUM_FLOAT: u8 = 2;
export const NUM_REF: u8 = 3;

export const HEADER: usize = 16;

// null and the booleans are shared static values.
const NULL_VALUE = memory.data<u8>([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 16);
const FALSE_VALUE = memory.data<u8>([2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 16);
const TRUE_VALUE = memory.data<u8>([2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 16);

@inline export function typeOf(v: usize): u8 {
  return load<u8>(v);
}

// ---------------------------------------------------------------------------------------------
// Scalars

export function opa_null(): usize {
  return NULL_VALUE;
}

export function opa_boolean(b: i32): usize {
  return b ? TRUE_VALUE : FALSE_VALUE;
}

@inline export function boolValue(v: usize): bool {
  return load<u8>(v, 1) != 0;
}

export function opa_value_type(v: usize): i32 {
  return load<u8>(v);
}

/** A string value over `len` bytes at `ptr`; the bytes are shared, not copied. */
export function opa_string(ptr: usize, len: u32): usize {
  const v = opa_malloc(HEADER);
  store<u8>(v, TYPE_STRING);
  store<u32>(v, len, 4);
  store<u32>(v, ptr, 8);
  return v;
}

@inline export function strLen(v: usize): u32 {
  return load<u32>(v, 4);
}

@inline export function strPtr(v: usize): usize {
  return load<u32>(v, 8);
}

// ---------------------------------------------------------------------------------------------
// Collections (shared layout)

@inline export function collLen(v: usize): u32 {
  return load<u32>(v, 4);
}

@inline export function collData(v: usize): usize {
  return load<u32>(v, 12);
}

function newCollection(tag: u8, cap: u32, slot: u32): usize {
  const v = opa_malloc(HEADER);
  store<u8>(v, tag);
  store<u32>(v, 0, 4);
  store<u32>(v, cap, 8);
  store<u32>(v, cap ? opa_malloc(cap * slot) : 0, 12);
  return v;
}

/** Makes room for one more slot of `slot` bytes, doubling the capacity when full. */
function reserve(v: usize, slot: u32): void {
  const len = collLen(v);
  const cap = load<u32>(v, 8);
  if (len < cap) return;
  const next = cap < 4 ? 4 : cap * 2;
  const data = opa_malloc(next * slot);
  memory.copy(data, collData(v), len * slot);
  store<u32>(v, next, 8);
  store<u32>(v, data, 12);
}

/** Opens a gap of one slot at index `at` and bumps the length. */
function insertSlot(v: usize, at: u32, slot: u32): usize {
  reserve(v, slot);
  const len = collLen(v);
  const p = collData(v) + at * slot;
  memory.copy(p + slot, p, (len - at) * slot);
  store<u32>(v, len + 1, 4);
  return p;
}

/**
 * Binary search over sorted slots of `slot` bytes by the pointer at the start of each slot.
 * Returns the index of `key`, or -(insertion point) - 1 when absent.
 */
export function search(data: usize, len: u32, slot: u32, key: usize): i32 {
  let lo: i32 = 0;
  let hi: i32 = <i32>len - 1;
  // Most keys looked up are strings among strings (object fields): compared without dispatch.
  const stringKey = typeOf(key) == TYPE_STRING;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = load<u32>(data + <usize>mid * slot);
    const c = stringKey && typeOf(at) == TYPE_STRING ? compareStrings(at, key) : compareValues(at, key);
    if (c == 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

/** Where `key` goes: its index when present, else the insertion point, found at the end first
 * because keys very often arrive in order (iterating a sorted collection into a new one). */
function locate(v: usize, slot: u32, key: usize): i32 {
  const len = collLen(v);
  if (len == 0) return -1;
  const c = compareValues(load<u32>(collData(v) + (len - 1) * slot), key);
  if (c < 0) return -(<i32>len) - 1;
  if (c == 0) return len - 1;
  return search(collData(v), len - 1, slot, key);
}

// ---------------------------------------------------------------------------------------------
// Arrays

export function opa_array_with_cap(cap: u32): usize {
  return newCollection(TYPE_ARRAY, cap, 4);
}

export function opa_array_append(arr: usize, elem: usize): void {
  reserve(arr, 4);
  const len = collLen(arr);
  store<u32>(collData(arr) + len * 4, elem);
  store<u32>(arr, len + 1, 4);
}

@inline export function arrayGet(arr: usize, i: u32): usize {
  return load<u32>(collData(arr) + i * 4);
}

// ---------------------------------------------------------------------------------------------
// Objects

export function opa_object(): usize {
  return newCollection(TYPE_OBJECT, 0, 8);
}

export function objectWithCap(cap: u32): usize {
  return newCollection(TYPE_OBJECT, cap, 8);
}

@inline export function objectKey(obj: usize, i: u32): usize {
  return load<u32>(collData(obj) + i * 8);
}

@inline export function objectValue(obj: usize, i: u32): usize {
  return load<u32>(collData(obj) + i * 8, 4);
}

/** The value under `key`, or 0. */
export function objectGet(obj: usize, key: usize): usize {
  const i = search(collData(obj), collLen(obj), 8, key);
  return i < 0 ? 0 : objectValue(obj, i);
}

/** Inserts or replaces (last write wins). */
export function opa_object_insert(obj: usize, key: usize, value: usize): void {
  const i = locate(obj, 8, key);
  if (i >= 0) {
    store<u32>(collData(obj) + <usize>i * 8, value, 4);
    return;
  }
  const p = insertSlot(obj, -i - 1, 8);
  store<u32>(p, key);
  store<u32>(p, value, 4);
}

/** Inserts a new key; for an existing key, 1 if it holds an equal value already, else 0. */
export function warden_object_insert_once(obj: usize, key: usize, value: usize): i32 {
  const i = locate(obj, 8, key);
  if (i >= 0) return compareValues(objectValue(obj, i), value) == 0 ? 1 : 0;
  const p = insertSlot(obj, -i - 1, 8);
  store<u32>(p, key);
  store<u32>(p, value, 4);
  return 1;
}

/** Removes `key` if present (only on an object the caller is still building). */
export function objectRemove(obj: usize, key: usize): void {
  const i = search(collData(obj), collLen(obj), 8, key);
  if (i < 0) return;
  const len = collLen(obj);
  const p = collData(obj) + <usize>i * 8;
  memory.copy(p, p + 8, (len - i - 1) * 8);
  store<u32>(obj, len - 1, 4);
}

/** A shallow copy with room for `extra` more entries. */
export function objectCopy(obj: usize, extra: u32): usize {
  const len = collLen(obj);
  const out = objectWithCap(len + extra);
  memory.copy(collData(out), collData(obj), len * 8);
  store<u32>(out, len, 4);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Sets

export function opa_set(): usize {
  return newCollection(TYPE_SET, 0, 4);
}

export function setWithCap(cap: u32): usize {
  return newCollection(TYPE_SET, cap, 4);
}

export function opa_set_add(set: usize, member: usize): void {
  const i = locate(set, 4, member);
  if (i >= 0) return;
  store<u32>(insertSlot(set, -i - 1, 4), member);
}

export function setHas(set: usize, member: usize): bool {
  return search(collData(set), collLen(set), 4, member) >= 0;
}

// ---------------------------------------------------------------------------------------------
// Generic access, as the generated code uses it

/** DotStmt: object key, array index, set member; 0 if none. */
export function opa_value_get(v: usize, key: usize): usize {
  switch (typeOf(v)) {
    case TYPE_OBJECT:
      return objectGet(v, key);
    case TYPE_ARRAY: {
      const i = indexOf(key);
      return i >= 0 && <u32>i < collLen(v) ? arrayGet(v, <u32>i) : 0;
    }
    case TYPE_SET: {
      const i = search(collData(v), collLen(v), 4, key);
      return i < 0 ? 0 : load<u32>(collData(v) + <usize>i * 4);
    }
  }
  return 0;
}

/** A number key as an array index; -1 if it is not a non-negative integer. */
export function indexOf(key: usize): i64 {
  if (typeOf(key) != TYPE_NUMBER || load<u8>(key, 1) != NUM_INT) return -1;
  const i = load<i64>(key, 8);
  return i < 0 || i > 0x7fffffff ? -1 : i;
}

export function warden_length(v: usize): i32 {
  const t = typeOf(v);
  return t == TYPE_ARRAY || t == TYPE_OBJECT || t == TYPE_SET ? collLen(v) : -1;
}

export function warden_iter_key(v: usize, i: u32): usize {
  switch (typeOf(v)) {
    case TYPE_ARRAY:
      return intValue(i);
    case TYPE_OBJECT:
      return objectKey(v, i);
  }
  return load<u32>(collData(v) + i * 4);
}

export function warden_iter_value(v: usize, i: u32): usize {
  if (typeOf(v) == TYPE_OBJECT) return objectValue(v, i);
  return load<u32>(collData(v) + i * 4);
}

/** Arrays and sets share their layout: both are read element by element with arrayGet. */
@inline export function isCollection(v: usize): bool {
  const t = typeOf(v);
  return t == TYPE_ARRAY || t == TYPE_SET;
}

// ---------------------------------------------------------------------------------------------
// Numbers (constructors; arithmetic lives in number.ts)

export function intValue(i: i64): usize {
  const v = opa_malloc(HEADER);
  store<u8>(v, TYPE_NUMBER);
  store<u8>(v, NUM_INT, 1);
  store<i64>(v, i, 8);
  return v;
}

export function opa_number_int(i: i64): usize {
  return intValue(i);
}

/** A float; integral values within ±2^53 become ints so that integers have one representation. */
export function floatValue(f: f64): usize {
  if (Math.abs(f) <= 9007199254740992.0 && Math.floor(f) == f) return intValue(<i64>f);
  const v = opa_malloc(HEADER);
  store<u8>(v, TYPE_NUMBER);
  store<u8>(v, NUM_FLOAT, 1);
  store<f64>(v, f, 8);
  return v;
}

/** A number held as its canonical decimal text (beyond i64 or f64). */
export function refValue(ptr: usize, len: u32): usize {
  const v = opa_malloc(HEADER);
  store<u8>(v, TYPE_NUMBER);
  store<u8>(v, NUM_REF, 1);
  store<u32>(v, ptr, 8);
  store<u32>(v, len, 12);
  return v;
}

@inline export function numKind(v: usize): u8 {
  return load<u8>(v, 1);
}

@inline export function intOf(v: usize): i64 {
  return load<i64>(v, 8);
}

@inline export function floatOf(v: usize): f64 {
  return load<f64>(v, 8);
}
