// Conversions between float64 and decimal text, on raw bytes.
//
// Both lean on AssemblyScript's standard library (Grisu2 for printing, its strtod for the slow
// path of reading), which works on its own UTF-16 strings; the helpers here adapt raw memory to
// and from that form without touching AssemblyScript's allocator.
import { dtoa_buffered } from "util/number";
import { strtod } from "util/string";
import { opa_malloc } from "./alloc";
import { bufByte, bufGrow, bufI64, bufLen, bufNew, bufPtr } from "./buf";

/** Scratch for one dtoa result: at most 28 UTF-16 units. */
const DTOA_SCRATCH = memory.data(64, 8);

/**
 * Appends JavaScript's text for a non-integral or very large finite `f` ("0.1", "1e+21",
 * "1.5e-7"), which is also what OPA prints for it. AssemblyScript's dtoa already follows
 * JavaScript's layout except that it writes integral values with a ".0" suffix.
 */
export function bufF64(b: usize, f: f64): void {
  if (f == 0) {
    bufByte(b, 48);
    return;
  }
  let n = dtoa_buffered(DTOA_SCRATCH, f);
  if (n > 2 && load<u16>(DTOA_SCRATCH + (n - 1) * 2) == 48 && load<u16>(DTOA_SCRATCH + (n - 2) * 2) == 46) n -= 2;
  const out = bufGrow(b, n);
  for (let i: u32 = 0; i < n; i++) store<u8>(out + i, <u8>load<u16>(DTOA_SCRATCH + i * 2));
}

/** The significant decimal digits and exponent of `f` (f = digits × 10^exp), shortest form. */
export let decimalDigits: u64 = 0;
export let decimalExp: i32 = 0;

/**
 * Splits a finite non-zero `f` into decimalDigits × 10^decimalExp, from its shortest text: this
 * is the decimal OPA would have read, so arithmetic on it reproduces OPA's exact results
 * (0.1 + 0.2 == 0.3). Returns false when the digits do not fit.
 */
export function toDecimal(f: f64): bool {
  const n = dtoa_buffered(DTOA_SCRATCH, f);
  let m: u64 = 0;
  let e: i32 = 0;
  let digits = 0;
  let afterPoint = false;
  let neg = false;
  let i: u32 = 0;
  for (; i < n; i++) {
    const c = load<u16>(DTOA_SCRATCH + i * 2);
    if (c == 45) neg = true;
    else if (c == 46) afterPoint = true;
    else if (c == 101) break;
    else {
      if (digits >= 18) return false;
      m = m * 10 + (c - 48);
      if (m) digits++;
      if (afterPoint) e--;
    }
  }
  if (i < n) {
    // exponent: e+21 / e-7
    let x: i32 = 0;
    const sign = load<u16>(DTOA_SCRATCH + (i + 1) * 2) == 45 ? -1 : 1;
    for (let j = i + 2; j < n; j++) x = x * 10 + (load<u16>(DTOA_SCRATCH + j * 2) - 48);
    e += sign * x;
  }
  decimalDigits = neg ? <u64>(-(<i64>m)) : m;
  decimalExp = e;
  return true;
}

// Exact powers of ten representable as f64.
const POW10 = memory.data<f64>([
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]);

@inline export function pow10f(n: i32): f64 {
  return load<f64>(POW10 + (<usize>n << 3));
}

/** `m × 10^e` rounded to f64 (|m| < 2^63). */
export function decimalToF64(m: i64, e: i32): f64 {
  const a = m < 0 ? -m : m;
  if (a < 9007199254740992 && e >= -22 && e <= 22) {
    // Clinger's fast path: both m and 10^|e| are exact, so there is one rounding.
    const f = <f64>m;
    return e < 0 ? f / pow10f(-e) : f * pow10f(e);
  }
  const b = bufNew(32);
  bufI64(b, m);
  bufByte(b, 101);
  bufI64(b, e);
  return textToF64(bufPtr(b), bufLen(b));
}

/** Reads decimal text with AssemblyScript's strtod, through a temporary UTF-16 copy. */
export function textToF64(text: usize, len: u32): f64 {
  // An AssemblyScript string is UTF-16 data preceded by a header whose last field (at -4) is
  // the byte length; strtod reads nothing else of it.
  const s = opa_malloc(20 + len * 2) + 20;
  store<u32>(s - 4, len * 2);
  for (let i: u32 = 0; i < len; i++) store<u16>(s + i * 2, load<u8>(text + i));
  return strtod(changetype<string>(s));
}
