// Integers of any size, for arithmetic whose operands or result leave i64: + - * % stay exact, as
// in the IR interpreter (JavaScript bigints) and OPA (Go's big.Int). The slow path: i64 arithmetic
// that does not overflow never comes here (number.ts).
//
// A big integer is a block in the heap: u32 limb count, i32 sign (-1, 0, 1), then the magnitude's
// limbs in base 10^9, least significant first, with no leading zero limb.
import { opa_malloc } from "./alloc";
import { intOf, intValue, numKind, refValue, NUM_INT } from "./value";

const BASE: u64 = 1_000_000_000;
const BASE_DIGITS: u32 = 9;

@inline function count(b: usize): u32 {
  return load<u32>(b);
}
@inline function sign(b: usize): i32 {
  return load<i32>(b, 4);
}
@inline function limb(b: usize, i: u32): u32 {
  return i < count(b) ? load<u32>(b + 8 + (<usize>i << 2)) : 0;
}
@inline function setLimb(b: usize, i: u32, v: u32): void {
  store<u32>(b + 8 + (<usize>i << 2), v);
}

function alloc(n: u32, s: i32): usize {
  const b = opa_malloc(8 + (<usize>n << 2));
  store<u32>(b, n);
  store<i32>(b, s, 4);
  return b;
}

/** Drops leading zero limbs; a zero magnitude gets sign 0. */
function trim(b: usize): usize {
  let n = count(b);
  while (n > 0 && limb(b, n - 1) == 0) n--;
  store<u32>(b, n);
  if (n == 0) store<i32>(b, 0, 4);
  return b;
}

/** An integer value (NUM_INT, or a NUM_REF holding only digits) as a big integer. */
export function bigOf(v: usize): usize {
  if (numKind(v) == NUM_INT) {
    const x = intOf(v);
    // The magnitude as u64 (also for i64's minimum).
    let m: u64 = x < 0 ? <u64>(-(x + 1)) + 1 : <u64>x;
    const b = alloc(3, x < 0 ? -1 : x > 0 ? 1 : 0);
    for (let i: u32 = 0; i < 3; i++) {
      setLimb(b, i, <u32>(m % BASE));
      m /= BASE;
    }
    return trim(b);
  }
  const p = <usize>load<u32>(v, 8);
  const len = load<u32>(v, 12);
  const neg = len > 0 && load<u8>(p) == 45;
  const start: u32 = neg ? 1 : 0;
  const digits = len - start;
  const n = (digits + BASE_DIGITS - 1) / BASE_DIGITS;
  const b = alloc(n, neg ? -1 : 1);
  // Limb i covers the digits ending BASE_DIGITS * i from the end.
  for (let i: u32 = 0; i < n; i++) {
    const end = len - i * BASE_DIGITS;
    const from = end >= start + BASE_DIGITS ? end - BASE_DIGITS : start;
    let x: u32 = 0;
    for (let k = from; k < end; k++) x = x * 10 + (<u32>load<u8>(p + k) - 48);
    setLimb(b, i, x);
  }
  return trim(b);
}

/** The big integer as a value: an i64 when it fits, else its decimal text. */
export function bigValue(b: usize): usize {
  const n = count(b);
  if (n == 0) return intValue(0);
  if (n <= 3) {
    // Up to 27 digits: read into a u64 with overflow guards, then check i64's range.
    let m: u64 = 0;
    let fits = true;
    for (let i = <i32>n - 1; i >= 0; i--) {
      const l = <u64>limb(b, <u32>i);
      if (m > (0xffffffffffffffff - l) / BASE) {
        fits = false;
        break;
      }
      m = m * BASE + l;
    }
    if (fits) {
      if (sign(b) > 0 && m <= <u64>0x7fffffffffffffff) return intValue(<i64>m);
      if (sign(b) < 0 && m <= <u64>0x8000000000000000) return intValue(m == <u64>0x8000000000000000 ? <i64>m : -<i64>m);
    }
  }
  // Text: sign, the top limb unpadded, then each limb as 9 digits.
  const cap = 1 + n * BASE_DIGITS;
  const p = opa_malloc(cap);
  let at: usize = p;
  if (sign(b) < 0) store<u8>(at++, 45);
  let top = limb(b, n - 1);
  let topDigits: u32 = 1;
  for (let t = top; t >= 10; t /= 10) topDigits++;
  for (let k = topDigits; k > 0; k--) {
    store<u8>(at + k - 1, 48 + top % 10);
    top /= 10;
  }
  at += topDigits;
  for (let i = <i32>n - 2; i >= 0; i--) {
    let x = limb(b, <u32>i);
    for (let k: u32 = BASE_DIGITS; k > 0; k--) {
      store<u8>(at + k - 1, 48 + x % 10);
      x /= 10;
    }
    at += BASE_DIGITS;
  }
  return refValue(p, <u32>(at - p));
}

/** Compares magnitudes: negative, 0 or positive. */
function magCompare(a: usize, b: usize): i32 {
  const na = count(a);
  const nb = count(b);
  if (na != nb) return na < nb ? -1 : 1;
  for (let i = <i32>na - 1; i >= 0; i--) {
    const x = limb(a, <u32>i);
    const y = limb(b, <u32>i);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

function magAdd(a: usize, b: usize, s: i32): usize {
  const n = (count(a) > count(b) ? count(a) : count(b)) + 1;
  const r = alloc(n, s);
  let carry: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    let x = limb(a, i) + limb(b, i) + carry;
    carry = x >= <u32>BASE ? 1 : 0;
    if (carry != 0) x -= <u32>BASE;
    setLimb(r, i, x);
  }
  return trim(r);
}

/** |a| - |b| for |a| >= |b|. */
function magSub(a: usize, b: usize, s: i32): usize {
  const n = count(a);
  const r = alloc(n, s);
  let borrow: i64 = 0;
  for (let i: u32 = 0; i < n; i++) {
    let x = <i64>limb(a, i) - <i64>limb(b, i) - borrow;
    borrow = x < 0 ? 1 : 0;
    if (borrow != 0) x += <i64>BASE;
    setLimb(r, i, <u32>x);
  }
  return trim(r);
}

/** a + b, or a - b when `negate`. */
export function bigAdd(a: usize, b: usize, negate: bool): usize {
  const sa = sign(a);
  const sb = negate ? -sign(b) : sign(b);
  if (sb == 0) return bigValue(a);
  if (sa == 0) return bigValue(magAdd(b, alloc(0, 0), sb));
  if (sa == sb) return bigValue(magAdd(a, b, sa));
  const c = magCompare(a, b);
  if (c == 0) return intValue(0);
  return bigValue(c > 0 ? magSub(a, b, sa) : magSub(b, a, sb));
}

function magMul(a: usize, b: usize, s: i32): usize {
  const na = count(a);
  const nb = count(b);
  const r = alloc(na + nb, s);
  for (let i: u32 = 0; i < na + nb; i++) setLimb(r, i, 0);
  for (let i: u32 = 0; i < na; i++) {
    let carry: u64 = 0;
    const x = <u64>limb(a, i);
    for (let j: u32 = 0; j < nb || carry != 0; j++) {
      const t = <u64>limb(r, i + j) + x * <u64>limb(b, j) + carry;
      setLimb(r, i + j, <u32>(t % BASE));
      carry = t / BASE;
    }
  }
  return trim(r);
}

export function bigMul(a: usize, b: usize): usize {
  if (sign(a) == 0 || sign(b) == 0) return intValue(0);
  return bigValue(magMul(a, b, sign(a) * sign(b)));
}

/** |b| × k for a small k (< BASE). */
function magMulSmall(b: usize, k: u32): usize {
  const n = count(b) + 1;
  const r = alloc(n, 1);
  let carry: u64 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const t = <u64>limb(b, i) * <u64>k + carry;
    setLimb(r, i, <u32>(t % BASE));
    carry = t / BASE;
  }
  return trim(r);
}

/** |r| × BASE + l. */
function shiftIn(r: usize, l: u32): usize {
  const n = count(r) + 1;
  const out = alloc(n, 1);
  setLimb(out, 0, l);
  for (let i: u32 = 1; i < n; i++) setLimb(out, i, limb(r, i - 1));
  return trim(out);
}

/** a % b with the sign of the dividend (Go's Rem, truncated division); b is not zero. */
export function bigRem(a: usize, b: usize): usize {
  let r = alloc(0, 0);
  for (let i = <i32>count(a) - 1; i >= 0; i--) {
    r = shiftIn(r, limb(a, <u32>i));
    if (magCompare(r, b) < 0) continue;
    // The largest q < BASE with |b| × q <= r, by bisection.
    let lo: u32 = 1;
    let hi: u32 = <u32>BASE - 1;
    while (lo < hi) {
      const mid = lo + (hi - lo + 1) / 2;
      if (magCompare(magMulSmall(b, mid), r) <= 0) lo = mid;
      else hi = mid - 1;
    }
    r = magSub(r, magMulSmall(b, lo), 1);
  }
  if (count(r) == 0) return intValue(0);
  store<i32>(r, sign(a), 4);
  return bigValue(r);
}

@inline export function bigSign(b: usize): i32 {
  return sign(b);
}
