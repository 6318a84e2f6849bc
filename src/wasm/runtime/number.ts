// Numbers: reading and printing decimal text, comparison and OPA's arithmetic.
//
// A number is an i64 when it is an integer that fits, otherwise an f64, and when neither holds it
// (integers beyond i64, magnitudes beyond f64) its decimal text. Arithmetic on non-integers
// works on the shortest decimal form of each operand, as OPA computes with decimals rather
// than binary floats: 0.1 + 0.2 is 0.3, not 0.30000000000000004.
import { opa_malloc } from "./alloc";
import { bufByte, bufBytes, bufI64, bufLen, bufNew, bufPtr } from "./buf";
import { bigAdd, bigMul, bigOf, bigRem, bigSign } from "./bigint";
import { bufF64, decimalDigits, decimalExp, decimalToF64, textToF64, toDecimal } from "./float";
import {
  floatOf, floatValue, intOf, intValue, numKind, refValue, NUM_FLOAT, NUM_INT, NUM_REF,
} from "./value";

const I64_MAX: i64 = 0x7fffffffffffffff;
const I64_MIN: i64 = -0x7fffffffffffffff - 1;

// ---------------------------------------------------------------------------------------------
// Text

@inline function byteAt(p: usize, len: u32, k: u32): u32 {
  return k < len ? <u32>load<u8>(p + k) : 0;
}

@inline function isDigit(c: u32): bool {
  return c - 48 < 10;
}

/** Length of the JSON number at `p` (at most `len` bytes), or 0 if there is none. */
export function scanNumber(p: usize, len: u32): u32 {
  let i: u32 = 0;
  if (byteAt(p, len, i) == 45) i++;
  if (byteAt(p, len, i) == 48) i++;
  else if (isDigit(byteAt(p, len, i))) while (isDigit(byteAt(p, len, i))) i++;
  else return 0;
  if (byteAt(p, len, i) == 46) {
    if (!isDigit(byteAt(p, len, i + 1))) return 0;
    i++;
    while (isDigit(byteAt(p, len, i))) i++;
  }
  if ((byteAt(p, len, i) | 32) == 101) {
    let j = i + 1;
    if (byteAt(p, len, j) == 43 || byteAt(p, len, j) == 45) j++;
    if (!isDigit(byteAt(p, len, j))) return 0;
    while (isDigit(byteAt(p, len, j))) j++;
    i = j;
  }
  return i;
}

/**
 * The number written at `p` (`len` bytes of valid JSON number syntax), read as OPA reads it:
 * integers (also when written "1e3" or "2.0") become ints, or exact digits beyond i64; other
 * numbers become floats; a number beyond f64's range keeps its text as written.
 */
export function parseNumber(p: usize, len: u32): usize {
  let i: u32 = 0;
  const neg = load<u8>(p) == 45;
  if (neg) i++;
  // The digits, as one sequence across the point: m holds the first 19 significant ones.
  let m: u64 = 0;
  let kept: i32 = 0; // significant digits in m
  let seq: i32 = 0; // position in the digit sequence
  let intDigits: i32 = 0; // digits before the point
  let firstNonZero: i32 = -1; // position of the first non-zero digit
  let lastNonZero: i32 = -1; // position of the last non-zero digit
  let e: i32 = 0; // m × 10^e is the value, once the exponent is added
  let seenPoint = false;
  for (; i < len; i++) {
    const c = <u32>load<u8>(p + i);
    if (c == 46) {
      seenPoint = true;
      continue;
    }
    if (c - 48 >= 10) break;
    const d = c - 48;
    if (!seenPoint) intDigits++;
    if (d) {
      if (firstNonZero < 0) firstNonZero = seq;
      lastNonZero = seq;
    }
    seq++;
    if (seenPoint) e--;
    if (kept == 0 && d == 0) continue;
    if (kept < 19) {
      m = m * 10 + d;
      kept++;
    } else e++; // a digit beyond m's precision: only its place value is kept
  }
  let exp: i32 = 0;
  if (i < len) {
    i++;
    let sign: i32 = 1;
    const c = load<u8>(p + i);
    if (c == 45 || c == 43) {
      if (c == 45) sign = -1;
      i++;
    }
    for (; i < len; i++) if (exp < 1000000) exp = exp * 10 + (load<u8>(p + i) - 48);
    exp *= sign;
  }
  e += exp;
  if (lastNonZero < 0) return intValue(0);
  const exact = lastNonZero < firstNonZero + 19 && m <= <u64>I64_MAX; // m holds every digit
  const f = exact ? decimalToF64(<i64>m, e) : textToF64(p, len);
  const finite = isFinite(f);
  if (lastNonZero < intDigits + exp) {
    // An integer: exact when it fits, else as its digits in full (when f64 can hold it).
    while (e < 0) {
      m /= 10;
      e++;
    }
    if (exact && scale(<i64>m, e)) return intValue(neg ? -scaled : scaled);
    if (finite) return bigIntText(p, len, neg);
  }
  if (!finite) return refValue(p, len); // beyond f64: keep the text as written
  return floatValue(neg ? -f : f); // underflow to zero gives 0, as in JavaScript
}

/** The integer written (possibly with fraction zeros or an exponent) at `p`, as plain digits. */
function bigIntText(p: usize, len: u32, neg: bool): usize {
  // Collect mantissa digits and the exponent, then lay the integer out in full.
  const b = bufNew(len + 16);
  if (neg) bufByte(b, 45);
  let i: u32 = neg ? 1 : 0;
  let fracDigits: i32 = 0;
  let seenPoint = false;
  let started = false;
  for (; i < len; i++) {
    const c = <u32>load<u8>(p + i);
    if (c == 46) {
      seenPoint = true;
      continue;
    }
    if (c - 48 >= 10) break;
    if (seenPoint) fracDigits++;
    if (!started && c == 48) continue;
    started = true;
    bufByte(b, c);
  }
  let exp: i32 = 0;
  if (i < len) {
    i++;
    let sign: i32 = 1;
    if (load<u8>(p + i) == 45 || load<u8>(p + i) == 43) {
      if (load<u8>(p + i) == 45) sign = -1;
      i++;
    }
    for (; i < len; i++) exp = exp * 10 + (load<u8>(p + i) - 48);
    exp *= sign;
  }
  let shift = exp - fracDigits;
  // Negative shift drops zero digits (the caller knows the value is an integer).
  let n = bufLen(b);
  if (shift < 0) n += shift;
  store<u32>(b, n, 4);
  for (; shift > 0; shift--) bufByte(b, 48);
  return refValue(bufPtr(b), bufLen(b));
}

/** RT.numberRef: a number from its decimal text; 0 if the text is not a number. */
export function opa_number_ref(p: usize, len: u32): usize {
  if (len == 0 || scanNumber(p, len) != len) return 0;
  return parseNumber(p, len);
}

/** Appends OPA's text for a number. */
export function bufNumber(b: usize, v: usize): void {
  const k = numKind(v);
  if (k == NUM_INT) bufI64(b, intOf(v));
  else if (k == NUM_FLOAT) bufF64(b, floatOf(v));
  else bufBytes(b, load<u32>(v, 8), load<u32>(v, 12));
}

// ---------------------------------------------------------------------------------------------
// Conversions

export function toF64(v: usize): f64 {
  const k = numKind(v);
  if (k == NUM_INT) return <f64>intOf(v);
  if (k == NUM_FLOAT) return floatOf(v);
  return textToF64(load<u32>(v, 8), load<u32>(v, 12));
}

@inline export function isInt(v: usize): bool {
  return numKind(v) == NUM_INT;
}

/** Whether a ref's text is an integer (only digits after an optional minus). */
function isRefInt(v: usize): bool {
  const p = <usize>load<u32>(v, 8);
  const len = load<u32>(v, 12);
  for (let i: u32 = 0; i < len; i++) {
    const c = <u32>load<u8>(p + i);
    if (c - 48 >= 10 && !(i == 0 && c == 45)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Comparison

export function compareNumbers(a: usize, b: usize): i32 {
  const ka = numKind(a);
  const kb = numKind(b);
  if (ka == NUM_INT && kb == NUM_INT) {
    const x = intOf(a);
    const y = intOf(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  // Integers beyond i64 compare exactly by their digits.
  const ra = ka == NUM_REF && isRefInt(a);
  const rb = kb == NUM_REF && isRefInt(b);
  if (ra && (rb || kb == NUM_INT)) return rb ? compareBigInts(a, b) : refSign(a);
  if (rb && ka == NUM_INT) return -refSign(b);
  const x = toF64(a);
  const y = toF64(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function refSign(v: usize): i32 {
  return load<u8>(<usize>load<u32>(v, 8)) == 45 ? -1 : 1;
}

function compareBigInts(a: usize, b: usize): i32 {
  const sa = refSign(a);
  const sb = refSign(b);
  if (sa != sb) return sa;
  const la = load<u32>(a, 12);
  const lb = load<u32>(b, 12);
  if (la != lb) return la < lb ? -sa : sa;
  const c = memory.compare(load<u32>(a, 8), load<u32>(b, 8), la);
  return c < 0 ? -sa : c > 0 ? sa : 0;
}

// ---------------------------------------------------------------------------------------------
// Arithmetic

// The operands as decimals m × 10^e, set by decimals().
let ma: i64 = 0;
let ea: i32 = 0;
let mb: i64 = 0;
let eb: i32 = 0;

function decimalOf(v: usize): bool {
  const k = numKind(v);
  if (k == NUM_INT) {
    decimalDigits = intOf(v);
    decimalExp = 0;
    return true;
  }
  return k == NUM_FLOAT && toDecimal(floatOf(v));
}

function decimals(a: usize, b: usize): bool {
  if (!decimalOf(a)) return false;
  ma = <i64>decimalDigits;
  ea = decimalExp;
  if (!decimalOf(b)) return false;
  mb = <i64>decimalDigits;
  eb = decimalExp;
  return true;
}

/** m × 10^k, or false on overflow (result in `scaled`). */
let scaled: i64 = 0;
function scale(m: i64, k: i32): bool {
  for (; k > 0; k--) {
    if (m > I64_MAX / 10 || m < I64_MIN / 10) return false;
    m *= 10;
  }
  scaled = m;
  return true;
}

/** A decimal result as a value: integers stay exact, other values round to f64. */
function fromDecimal(m: i64, e: i32): usize {
  if (m == 0) return intValue(0);
  while (e < 0 && m % 10 == 0) {
    m /= 10;
    e++;
  }
  if (e >= 0) {
    if (scale(m, e)) return intValue(scaled);
    return floatValue(<f64>m * Math.pow(10, e));
  }
  return floatValue(decimalToF64(m, e));
}

@inline function addOverflows(a: i64, b: i64, r: i64): bool {
  return ((a ^ r) & (b ^ r)) < 0;
}

function mulOverflows(a: i64, b: i64): bool {
  if (a == 0 || b == 0) return false;
  if ((a == -1 && b == I64_MIN) || (b == -1 && a == I64_MIN)) return true;
  const r = a * b;
  return r / b != a;
}

/** Whether a number is an integer: an i64, or a ref of digits only (beyond i64). */
@inline function integral(v: usize): bool {
  const k = numKind(v);
  return k == NUM_INT || (k == NUM_REF && isRefInt(v));
}

/** a + b (or a - b when `negate`). */
export function numAdd(a: usize, b: usize, negate: bool): usize {
  if (isInt(a) && isInt(b)) {
    const x = intOf(a);
    const y = intOf(b);
    const r = negate ? x - y : x + y;
    const overflow = negate ? ((x ^ y) & (x ^ r)) < 0 : addOverflows(x, y, r);
    if (!overflow) return intValue(r);
    return bigAdd(bigOf(a), bigOf(b), negate);
  }
  if (integral(a) && integral(b)) return bigAdd(bigOf(a), bigOf(b), negate);
  if (decimals(a, b)) {
    if (negate) {
      if (mb == I64_MIN) return floatValue(toF64(a) - toF64(b));
      mb = -mb;
    }
    const e = ea < eb ? ea : eb;
    if (scale(ma, ea - e)) {
      const x = scaled;
      if (scale(mb, eb - e)) {
        const r = x + scaled;
        if (!addOverflows(x, scaled, r)) return fromDecimal(r, e);
      }
    }
  }
  return floatValue(negate ? toF64(a) - toF64(b) : toF64(a) + toF64(b));
}

export function numMul(a: usize, b: usize): usize {
  if (integral(a) && integral(b) && (!isInt(a) || !isInt(b) || mulOverflows(intOf(a), intOf(b)))) return bigMul(bigOf(a), bigOf(b));
  if (decimals(a, b) && !mulOverflows(ma, mb)) return fromDecimal(ma * mb, ea + eb);
  return floatValue(toF64(a) * toF64(b));
}

/** a / b; 0 (undefined) when b is zero. */
export function numDiv(a: usize, b: usize): usize {
  if (toF64(b) == 0) return 0;
  if (decimals(a, b)) {
    // Exact when the quotient terminates within i64's digits.
    let m = ma;
    for (let k: i32 = 0; k < 19; k++) {
      if (!(m == I64_MIN && mb == -1) && m % mb == 0) return fromDecimal(m / mb, ea - eb - k);
      if (!scale(m, 1)) break;
      m = scaled;
    }
    return floatValue((<f64>ma / <f64>mb) * Math.pow(10, ea - eb));
  }
  return floatValue(toF64(a) / toF64(b));
}

/** a % b on integers (sign of the dividend); 0 (undefined) for non-integers or b = 0. */
export function numRem(a: usize, b: usize): usize {
  if ((!isInt(a) || !isInt(b)) && integral(a) && integral(b)) {
    const y = bigOf(b);
    return bigSign(y) == 0 ? 0 : bigRem(bigOf(a), y);
  }
  if (!isInt(a) || !isInt(b)) return 0;
  const y = intOf(b);
  if (y == 0) return 0;
  if (y == -1) return intValue(0);
  return intValue(intOf(a) % y);
}

/** -v */
export function numNeg(v: usize): usize {
  const k = numKind(v);
  if (k == NUM_INT && intOf(v) != I64_MIN) return intValue(-intOf(v));
  if (k == NUM_FLOAT) return floatValue(-floatOf(v));
  if (k == NUM_REF && refSign(v) < 0) return refValue(load<u32>(v, 8) + 1, load<u32>(v, 12) - 1);
  if (k == NUM_REF) {
    const len = load<u32>(v, 12);
    const p = opa_malloc(len + 1);
    store<u8>(p, 45);
    memory.copy(p + 1, load<u32>(v, 8), len);
    return refValue(p, len + 1);
  }
  return floatValue(-toF64(v));
}
