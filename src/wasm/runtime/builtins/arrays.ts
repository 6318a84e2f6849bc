// array.concat, array.slice, array.reverse.
import { arrayGet, collData, collLen, intOf, numKind, opa_array_with_cap, typeOf, NUM_INT, TYPE_ARRAY, TYPE_NUMBER } from "../value";

export function builtin_array_concat(a: usize, b: usize): usize {
  if (typeOf(a) != TYPE_ARRAY || typeOf(b) != TYPE_ARRAY) return 0;
  const la = collLen(a);
  const lb = collLen(b);
  const out = opa_array_with_cap(la + lb);
  memory.copy(collData(out), collData(a), la * 4);
  memory.copy(collData(out) + la * 4, collData(b), lb * 4);
  store<u32>(out, la + lb, 4);
  return out;
}

@inline function clamp(x: i64, lo: i64, hi: i64): i64 {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Out-of-range indices are clamped, and a start past the stop gives an empty slice. */
export function builtin_array_slice(a: usize, start: usize, stop: usize): usize {
  if (typeOf(a) != TYPE_ARRAY || !isIntNumber(start) || !isIntNumber(stop)) return 0;
  const len = <i64>collLen(a);
  const hi = clamp(intOf(stop), 0, len);
  const lo = clamp(intOf(start), 0, hi);
  const n = <u32>(hi - lo);
  const out = opa_array_with_cap(n);
  memory.copy(collData(out), collData(a) + <usize>lo * 4, n * 4);
  store<u32>(out, n, 4);
  return out;
}

export function builtin_array_reverse(a: usize): usize {
  if (typeOf(a) != TYPE_ARRAY) return 0;
  const n = collLen(a);
  const out = opa_array_with_cap(n);
  for (let i: u32 = 0; i < n; i++) store<u32>(collData(out) + i * 4, arrayGet(a, n - 1 - i));
  store<u32>(out, n, 4);
  return out;
}

@inline export function isIntNumber(v: usize): bool {
  return typeOf(v) == TYPE_NUMBER && numKind(v) == NUM_INT;
}
