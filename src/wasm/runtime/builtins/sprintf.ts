// sprintf: Go's fmt.Sprintf over the argument kinds OPA hands it (int, *big.Int, float64, and
// the Rego text of anything else as a string). Go's complaints are part of the output
// (`%!d(string=x)`, `%!v(MISSING)`, `%!(EXTRA int=1)`), as OPA returns whatever Go prints.
// Supported: flags + - space 0 #, width, precision; verbs v d s f F e E g x X o b q c U t %.
import { opa_malloc } from "../alloc";
import { bufByte, bufBytes, bufGrow, bufLen, bufNew, bufPtr, bufRune, bufU64 } from "../buf";
import { dumpValue, DUMP_SPACED } from "../dump";
import { decimalDigits, decimalExp, toDecimal } from "../float";
import { decodeRune, runeCount, runeOffset, runeWidth } from "../utf8";
import { arrayGet, collLen, floatOf, intOf, numKind, strLen, strPtr, typeOf, NUM_FLOAT, NUM_INT, TYPE_ARRAY, TYPE_NUMBER, TYPE_STRING } from "../value";
import { bufString } from "./strings";

const KIND_INT = 1;
const KIND_BIGINT = 2;
const KIND_FLOAT = 3;
const KIND_STRING = 4;

// The directive being formatted.
let fPlus = false;
let fMinus = false;
let fSharp = false;
let fSpace = false;
let fZero = false;
let width: i32 = -1;
let prec: i32 = -1;

/** OPA's argument kind for a value. */
function kindOf(v: usize): i32 {
  if (typeOf(v) == TYPE_STRING) return KIND_STRING;
  if (typeOf(v) == TYPE_NUMBER) {
    const k = numKind(v);
    if (k == NUM_INT) return KIND_INT;
    if (k == NUM_FLOAT) return KIND_FLOAT;
    const p = <usize>load<u32>(v, 8);
    const len = load<u32>(v, 12);
    for (let i: u32 = 0; i < len; i++) if (<u32>load<u8>(p + i) - 48 >= 10 && !(i == 0 && load<u8>(p) == 45)) return KIND_STRING;
    return KIND_BIGINT;
  }
  return KIND_STRING;
}

/** Text of a string-kind argument: the string itself, or the value's Rego text. */
function stringOf(v: usize): usize {
  if (typeOf(v) == TYPE_STRING) return v;
  const b = bufNew(32);
  dumpValue(b, v, DUMP_SPACED);
  return bufString(b);
}

// Go type names for complaints.
const T_INT = memory.data<u8>([105, 110, 116, 0]);
const T_BIGINT = memory.data<u8>([42, 98, 105, 103, 46, 73, 110, 116, 0]);
const T_FLOAT = memory.data<u8>([102, 108, 111, 97, 116, 54, 52, 0]);
const T_STRING = memory.data<u8>([115, 116, 114, 105, 110, 103, 0]);
const MISSING = memory.data<u8>([40, 77, 73, 83, 83, 73, 78, 71, 41, 0]);
const EXTRA = memory.data<u8>([37, 33, 40, 69, 88, 84, 82, 65, 32, 0]);
const NOVERB = memory.data<u8>([37, 33, 40, 78, 79, 86, 69, 82, 66, 41, 0]);

function lit(b: usize, s: usize): void {
  let n: u32 = 0;
  while (load<u8>(s + n)) n++;
  bufBytes(b, s, n);
}

function typeName(kind: i32): usize {
  return kind == KIND_INT ? T_INT : kind == KIND_BIGINT ? T_BIGINT : kind == KIND_FLOAT ? T_FLOAT : T_STRING;
}

export function builtin_sprintf(format: usize, args: usize): usize {
  if (typeOf(format) != TYPE_STRING || typeOf(args) != TYPE_ARRAY) return 0;
  const b = bufNew(strLen(format) + 16);
  const p = strPtr(format);
  const end = p + strLen(format);
  const n = collLen(args);
  let next: u32 = 0;
  let q = p;
  while (q < end) {
    const c = load<u8>(q++);
    if (c != 37) {
      bufByte(b, c);
      continue;
    }
    fPlus = fMinus = fSharp = fSpace = fZero = false;
    width = prec = -1;
    for (; q < end; q++) {
      const f = load<u8>(q);
      if (f == 43) fPlus = true;
      else if (f == 45) fMinus = true;
      else if (f == 35) fSharp = true;
      else if (f == 32) fSpace = true;
      else if (f == 48) fZero = true;
      else break;
    }
    while (q < end && <u32>load<u8>(q) - 48 < 10) width = (width < 0 ? 0 : width * 10) + (load<u8>(q++) - 48);
    if (q < end && load<u8>(q) == 46) {
      q++;
      prec = 0;
      while (q < end && <u32>load<u8>(q) - 48 < 10) prec = prec * 10 + (load<u8>(q++) - 48);
    }
    if (q >= end) {
      lit(b, NOVERB);
      break;
    }
    const verb = <u32>load<u8>(q++);
    if (verb == 37) {
      bufByte(b, 37);
      continue;
    }
    if (next >= n) {
      bufByte(b, 37);
      bufByte(b, 33);
      bufByte(b, verb);
      lit(b, MISSING);
      continue;
    }
    formatArg(b, arrayGet(args, next++), verb);
  }
  if (next < n) {
    lit(b, EXTRA);
    fPlus = fMinus = fSharp = fSpace = fZero = false;
    width = prec = -1;
    for (let i = next; i < n; i++) {
      if (i > next) {
        bufByte(b, 44);
        bufByte(b, 32);
      }
      const v = arrayGet(args, i);
      lit(b, typeName(kindOf(v)));
      bufByte(b, 61);
      formatArg(b, v, 118);
    }
    bufByte(b, 41);
  }
  return bufString(b);
}

function formatArg(b: usize, v: usize, verb: u32): void {
  const kind = kindOf(v);
  const t = bufNew(32);
  if (verb == 84) {
    // %T: the argument's Go type, padded as a string is
    lit(t, typeName(kind));
    pad(t, 0, false);
    bufBytes(b, bufPtr(t), bufLen(t));
    return;
  }
  let ok = false;
  if (kind == KIND_INT) ok = formatInt(t, intOf(v), verb);
  else if (kind == KIND_BIGINT) ok = formatBigInt(t, v, verb);
  else if (kind == KIND_FLOAT) ok = formatFloat(t, floatOf(v), verb);
  else ok = formatString(t, stringOf(v), verb);
  if (ok) {
    bufBytes(b, bufPtr(t), bufLen(t));
    return;
  }
  // %!verb(type=value), the value shown with %v under the same flags
  bufByte(b, 37);
  bufByte(b, 33);
  bufByte(b, verb);
  bufByte(b, 40);
  lit(b, typeName(kind));
  bufByte(b, 61);
  formatArg(b, v, 118);
  bufByte(b, 41);
}

/** Pads `t` (from byte `from` on) to the width with spaces, or zeros after any sign. */
function pad(t: usize, from: u32, zero: bool): void {
  const len = bufLen(t) - from;
  const runes = <i32>runeCount(bufPtr(t) + from, len);
  if (width <= runes) return;
  const n = <u32>(width - runes);
  if (fMinus) {
    for (let i: u32 = 0; i < n; i++) bufByte(t, 32);
    return;
  }
  bufGrow(t, n);
  const start = bufPtr(t) + from;
  let signLen: u32 = 0;
  if (zero && len > 0) {
    const c = load<u8>(start);
    if (c == 45 || c == 43 || c == 32) signLen = 1;
  }
  memory.copy(start + signLen + n, start + signLen, len - signLen);
  memory.fill(start + signLen, zero ? 48 : 32, n);
}

function sign(t: usize, negative: bool): void {
  if (negative) bufByte(t, 45);
  else if (fPlus) bufByte(t, 43);
  else if (fSpace) bufByte(t, 32);
}

const DIGITS_LOWER = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);
const DIGITS_UPPER = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 65, 66, 67, 68, 69, 70]);

/** The rune Go's %c, %q and %U print for an integer: U+FFFD for what is not a scalar value. */
function runeOf(i: i64): u32 {
  if (i < 0 || i > 0x10ffff || (i >= 0xd800 && i <= 0xdfff)) return 0xfffd;
  return <u32>i;
}

/**
 * Go's strconv.IsPrint, up to its Unicode tables, which the runtime does not carry: ASCII
 * graphic characters and space; of the rest, all but the C1 controls, no-break space and soft
 * hyphen count as printable.
 */
function isPrint(r: u32): bool {
  if (r < 0x80) return r >= 0x20 && r < 0x7f;
  return r > 0xa0 && r != 0xad;
}

/**
 * strconv's appendEscapedRune: the quote and backslash escaped, printable runes as they are
 * (with `ascii`, only ASCII ones), else \a-style, \xNN, \uNNNN or \UNNNNNNNN.
 */
function escapedRune(t: usize, r: u32, q: u32, ascii: bool): void {
  if (r == q || r == 92) {
    bufByte(t, 92);
    bufByte(t, r);
    return;
  }
  if (isPrint(r) && (r < 0x80 || !ascii)) {
    bufRune(t, r);
    return;
  }
  const short = r == 7 ? 97 : r == 8 ? 98 : r == 12 ? 102 : r == 10 ? 110 : r == 13 ? 114 : r == 9 ? 116 : r == 11 ? 118 : 0;
  if (short) {
    bufByte(t, 92);
    bufByte(t, short);
    return;
  }
  const digits = r < 0x20 || r == 0x7f ? 2 : r < 0x10000 ? 4 : 8;
  bufByte(t, 92);
  bufByte(t, digits == 2 ? 120 : digits == 4 ? 117 : 85);
  for (let k = digits - 1; k >= 0; k--) bufByte(t, load<u8>(DIGITS_LOWER + ((r >> (<u32>k * 4)) & 15)));
}

/** %c, %q and %U of an integer: the rune, Go's quoted rune literal, Unicode notation. */
function formatRune(t: usize, i: i64, verb: u32): void {
  const r = runeOf(i);
  if (verb == 99) bufRune(t, r);
  else if (verb == 113) {
    bufByte(t, 39);
    escapedRune(t, r, 39, fPlus);
    bufByte(t, 39);
  } else {
    // U+0041, or U+0041 'A' with #; the number is the argument's, in at least four hex digits
    bufByte(t, 85);
    bufByte(t, 43);
    const u = <u64>i;
    let digits = 4;
    while (digits < 16 && u >> (<u64>digits * 4) != 0) digits++;
    for (let k = digits - 1; k >= 0; k--) bufByte(t, load<u8>(DIGITS_UPPER + <usize>((u >> (<u64>k * 4)) & 15)));
    if (fSharp && <i64>r == i && isPrint(r)) {
      bufByte(t, 32);
      bufByte(t, 39);
      bufRune(t, r);
      bufByte(t, 39);
    }
  }
  pad(t, 0, false);
}

function formatInt(t: usize, i: i64, verb: u32): bool {
  if (verb == 99 || verb == 113 || verb == 85) {
    formatRune(t, i, verb);
    return true;
  }
  let base: u64 = 0;
  if (verb == 100 || verb == 118) base = 10;
  else if (verb == 120 || verb == 88) base = 16;
  else if (verb == 111) base = 8;
  else if (verb == 98) base = 2;
  else return false;
  const negative = i < 0;
  let u: u64 = negative ? <u64>(-i) : <u64>i;
  const tmp = opa_malloc(64);
  let k: u32 = 64;
  const table = verb == 88 ? DIGITS_UPPER : DIGITS_LOWER;
  do {
    store<u8>(tmp + --k, load<u8>(table + <usize>(u % base)));
    u /= base;
  } while (u);
  const digits = 64 - k;
  sign(t, negative);
  if (fSharp && base == 16) {
    bufByte(t, 48);
    bufByte(t, verb);
  } else if (fSharp && base == 8) bufByte(t, 48);
  else if (fSharp && base == 2) {
    bufByte(t, 48);
    bufByte(t, 98);
  }
  // Precision asks for leading zeros; %.0d of zero prints nothing.
  if (prec == 0 && i == 0) {
    pad(t, 0, false);
    return true;
  }
  for (let z = <i32>digits; z < prec; z++) bufByte(t, 48);
  bufBytes(t, tmp + k, digits);
  pad(t, 0, fZero && !fMinus && prec < 0);
  return true;
}

function formatBigInt(t: usize, v: usize, verb: u32): bool {
  if (verb != 100 && verb != 118 && verb != 115) return false;
  bufBytes(t, load<u32>(v, 8), load<u32>(v, 12));
  pad(t, 0, fZero && !fMinus);
  return true;
}

/** Go's %q of a string: strconv.Quote (QuoteToASCII with +), or backquoted with # when it can be. */
function quoteString(t: usize, p: usize, len: u32): void {
  const end = p + len;
  if (fSharp && canBackquote(p, end)) {
    bufByte(t, 96);
    bufBytes(t, p, len);
    bufByte(t, 96);
    return;
  }
  bufByte(t, 34);
  for (let q = p; q < end; q += runeWidth) escapedRune(t, decodeRune(q, end), 34, fPlus);
  bufByte(t, 34);
}

function canBackquote(p: usize, end: usize): bool {
  for (let q = p; q < end; q += runeWidth) {
    const r = decodeRune(q, end);
    if (r == 0xfffd || r == 0x60 || r == 0x7f || (r < 0x20 && r != 9)) return false;
  }
  return true;
}

function formatString(t: usize, s: usize, verb: u32): bool {
  const p = strPtr(s);
  let len = strLen(s);
  if (verb == 115 || verb == 118) {
    if (prec >= 0) len = runeOffset(p, len, prec);
    bufBytes(t, p, len);
  } else if (verb == 113) quoteString(t, p, prec >= 0 ? runeOffset(p, len, prec) : len);
  else if (verb == 120 || verb == 88) {
    const table = verb == 88 ? DIGITS_UPPER : DIGITS_LOWER;
    for (let i: u32 = 0; i < len; i++) {
      const c = load<u8>(p + i);
      if (fSpace && i > 0) bufByte(t, 32);
      bufByte(t, load<u8>(table + (c >> 4)));
      bufByte(t, load<u8>(table + (c & 15)));
    }
  } else return false;
  pad(t, 0, false);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Floats: decimal digits (ASCII, no leading zeros) with the point after `dp` of them.

let dBuf: usize = 0;
let dLen: i32 = 0;
let dp: i32 = 0;

function shortestDigits(f: f64): void {
  toDecimal(f);
  const m = <u64>(<i64>decimalDigits < 0 ? -(<i64>decimalDigits) : <i64>decimalDigits);
  const b = bufNew(24);
  bufU64(b, m);
  dBuf = bufPtr(b);
  dLen = bufLen(b);
  dp = dLen + decimalExp;
  trimZeros();
}

function trimZeros(): void {
  while (dLen > 0 && load<u8>(dBuf + dLen - 1) == 48) dLen--;
  if (dLen == 0) dp = 0;
}

/** The exact decimal expansion of finite f > 0: mantissa × 2^exp computed in base-1e9 limbs. */
function exactDigits(f: f64): void {
  if (f == 0) {
    dLen = dp = 0;
    return;
  }
  const bits = reinterpret<u64>(f);
  const biased = <i32>((bits >> 52) & 0x7ff);
  let mant = bits & 0xfffffffffffff;
  if (biased) mant |= <u64>1 << 52;
  const exp = (biased ? biased : 1) - 1075;
  const limbs = opa_malloc(130 * 4);
  let n: u32 = 0;
  for (; mant; n++) {
    store<u32>(limbs + n * 4, <u32>(mant % 1000000000));
    mant /= 1000000000;
  }
  // Multiply by 2^exp, or by 5^-exp (and shift the point left by -exp).
  let count = exp >= 0 ? exp : -exp;
  while (count > 0) {
    const step = exp >= 0 ? min(count, 29) : min(count, 13);
    const factor: u64 = exp >= 0 ? <u64>1 << step : <u64>Math.pow(5, step);
    let carry: u64 = 0;
    for (let i: u32 = 0; i < n; i++) {
      const x = <u64>load<u32>(limbs + i * 4) * factor + carry;
      store<u32>(limbs + i * 4, <u32>(x % 1000000000));
      carry = x / 1000000000;
    }
    while (carry) {
      store<u32>(limbs + n++ * 4, <u32>(carry % 1000000000));
      carry /= 1000000000;
    }
    count -= step;
  }
  const b = bufNew(n * 9);
  bufU64(b, load<u32>(limbs + (n - 1) * 4));
  for (let i = <i32>n - 2; i >= 0; i--) {
    const x = load<u32>(limbs + i * 4);
    for (let d: u32 = 100000000; d; d /= 10) bufByte(b, 48 + (x / d) % 10);
  }
  dBuf = bufPtr(b);
  dLen = bufLen(b);
  dp = exp >= 0 ? dLen : dLen + exp;
  trimZeros();
}

/** Rounds to `n` significant digits, halves to even (as strconv does on exact digits). */
function roundDigits(n: i32): void {
  if (n >= dLen) return;
  if (n < 0) {
    dLen = 0;
    dp = 0;
    return;
  }
  const next = load<u8>(dBuf + n) - 48;
  let rest = false;
  for (let i = n + 1; i < dLen; i++) if (load<u8>(dBuf + i) != 48) rest = true;
  const prevOdd = n > 0 && (load<u8>(dBuf + n - 1) - 48) % 2 == 1;
  const up = next > 5 || (next == 5 && (rest || prevOdd));
  dLen = n;
  if (up) {
    let i = n - 1;
    while (i >= 0 && load<u8>(dBuf + i) == 57) store<u8>(dBuf + i--, 48);
    if (i >= 0) store<u8>(dBuf + i, load<u8>(dBuf + i) + 1);
    else {
      // 999 -> 1000: the digits become "1" and the point moves right.
      store<u8>(dBuf, 49);
      dLen = 1;
      dp++;
    }
  }
  trimZeros();
}

@inline function digitAt(i: i32): u32 {
  return i >= 0 && i < dLen ? load<u8>(dBuf + i) : 48;
}

function formatE(t: usize, frac: i32, upper: bool): void {
  bufByte(t, digitAt(0));
  if (frac > 0) {
    bufByte(t, 46);
    for (let i = 1; i <= frac; i++) bufByte(t, digitAt(i));
  }
  const exp = dLen == 0 ? 0 : dp - 1;
  bufByte(t, upper ? 69 : 101);
  bufByte(t, exp < 0 ? 45 : 43);
  const a = exp < 0 ? -exp : exp;
  if (a < 10) bufByte(t, 48);
  bufU64(t, a);
}

function formatF(t: usize, frac: i32): void {
  if (dp > 0) for (let i = 0; i < dp; i++) bufByte(t, digitAt(i));
  else bufByte(t, 48);
  if (frac > 0) {
    bufByte(t, 46);
    for (let i = 0; i < frac; i++) bufByte(t, digitAt(dp + i));
  }
}

function formatFloat(t: usize, f: f64, verb: u32): bool {
  const upper = verb == 69 || verb == 70 || verb == 71;
  const lower = verb | 32;
  if (lower != 118 && lower != 101 && lower != 102 && lower != 103) return false;
  sign(t, f < 0);
  const a = Math.abs(f);
  if ((lower == 118 || lower == 103) && prec < 0) {
    // Shortest form; %v and %g switch to an exponent below 1e-4 and from 1e21 on.
    shortestDigits(a);
    const exp = dp - 1;
    if (exp < -4 || exp >= 21) formatE(t, dLen - 1, upper);
    else formatF(t, max(dLen - dp, 0));
  } else if (lower == 101) {
    exactDigits(a);
    const p = prec < 0 ? 6 : prec;
    roundDigits(p + 1);
    formatE(t, p, upper);
  } else if (lower == 102) {
    exactDigits(a);
    const p = prec < 0 ? 6 : prec;
    roundDigits(dp + p);
    formatF(t, p);
  } else {
    // %g with a precision: that many significant digits, trailing zeros dropped.
    exactDigits(a);
    const p = prec == 0 ? 1 : prec;
    roundDigits(p);
    const eprec = p > dLen && dLen >= dp ? dLen : p;
    const exp = dp - 1;
    if (exp < -4 || exp >= eprec) formatE(t, min(p, dLen) - 1, upper);
    else formatF(t, max(min(p, dLen) - dp, 0));
  }
  pad(t, 0, fZero && !fMinus);
  return true;
}
