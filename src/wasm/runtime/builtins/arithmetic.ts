// Arithmetic: + - * / %, abs and rounding. Non-numbers (and division by zero) are undefined.
import { isInt, numAdd, numDiv, numMul, numNeg, numRem, toF64 } from "../number";
import { floatValue, numKind, typeOf, NUM_FLOAT, TYPE_NUMBER, TYPE_SET } from "../value";
import { setDifference } from "./sets";

@inline function numbers(a: usize, b: usize): bool {
  return typeOf(a) == TYPE_NUMBER && typeOf(b) == TYPE_NUMBER;
}

export function builtin_plus(a: usize, b: usize): usize {
  return numbers(a, b) ? numAdd(a, b, false) : 0;
}

/** Number subtraction, or set difference when both operands are sets. */
export function builtin_minus(a: usize, b: usize): usize {
  if (numbers(a, b)) return numAdd(a, b, true);
  if (typeOf(a) == TYPE_SET && typeOf(b) == TYPE_SET) return setDifference(a, b);
  return 0;
}

export function builtin_mul(a: usize, b: usize): usize {
  return numbers(a, b) ? numMul(a, b) : 0;
}

export function builtin_div(a: usize, b: usize): usize {
  return numbers(a, b) ? numDiv(a, b) : 0;
}

export function builtin_rem(a: usize, b: usize): usize {
  return numbers(a, b) ? numRem(a, b) : 0;
}

export function builtin_abs(a: usize): usize {
  if (typeOf(a) != TYPE_NUMBER) return 0;
  if (isInt(a) ? load<i64>(a, 8) >= 0 : toF64(a) >= 0) return a;
  return numNeg(a);
}

/** Integers are already whole; only floats are rounded (a big ref keeps its text). */
function whole(a: usize, mode: i32): usize {
  if (typeOf(a) != TYPE_NUMBER) return 0;
  if (numKind(a) != NUM_FLOAT) return a;
  const x = load<f64>(a, 8);
  let r: f64;
  if (mode == 0) r = x < 0 ? -Math.round(-x) : Math.round(x); // half away from zero, as Go
  else if (mode == 1) r = Math.ceil(x);
  else r = Math.floor(x);
  return floatValue(r + 0.0);
}

export function builtin_round(a: usize): usize {
  return whole(a, 0);
}

export function builtin_ceil(a: usize): usize {
  return whole(a, 1);
}

export function builtin_floor(a: usize): usize {
  return whole(a, 2);
}
