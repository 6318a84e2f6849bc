// String built-ins over UTF-8 bytes. Offsets and lengths count runes (code points), as Go's
// []rune conversions do; searching works on bytes, which is equivalent for valid UTF-8.
import { casemap } from "util/casemap";
import { bufByte, bufBytes, bufLen, bufNew, bufPtr, bufRune } from "../buf";
import { toF64 } from "../number";
import { decodeRune, runeCount, runeOffset, runeWidth } from "../utf8";
import {
  arrayGet, collLen, intOf, intValue, isCollection, numKind, opa_array_append, opa_array_with_cap, opa_boolean,
  opa_string, strLen, strPtr, typeOf, NUM_INT, TYPE_NUMBER, TYPE_STRING,
} from "../value";
import { isIntNumber } from "./arrays";

@inline function isStr(v: usize): bool {
  return typeOf(v) == TYPE_STRING;
}

/** Bytes of a buffer as a string value. */
export function bufString(b: usize): usize {
  return opa_string(bufPtr(b), bufLen(b));
}

/** Byte offset of the first `needle` in `hay` at or after `from`, or -1. */
function find(hay: usize, hayLen: u32, needle: usize, needleLen: u32, from: u32): i32 {
  if (needleLen > hayLen) return -1;
  const last = hayLen - needleLen;
  for (let i = from; i <= last; i++) {
    if (load<u8>(hay + i) == load<u8>(needle) && memory.compare(hay + i, needle, needleLen) == 0) return i;
  }
  return -1;
}

@inline function findIn(s: usize, sub: usize, from: u32): i32 {
  return find(strPtr(s), strLen(s), strPtr(sub), strLen(sub), from);
}

export function builtin_concat(delim: usize, xs: usize): usize {
  if (!isStr(delim) || !isCollection(xs)) return 0;
  const n = collLen(xs);
  const b = bufNew(64);
  for (let i: u32 = 0; i < n; i++) {
    const x = arrayGet(xs, i);
    if (!isStr(x)) return 0;
    if (i) bufBytes(b, strPtr(delim), strLen(delim));
    bufBytes(b, strPtr(x), strLen(x));
  }
  return bufString(b);
}

export function builtin_contains(s: usize, sub: usize): usize {
  if (!isStr(s) || !isStr(sub)) return 0;
  return opa_boolean(findIn(s, sub, 0) >= 0);
}

function hasPrefix(s: usize, prefix: usize): bool {
  return strLen(prefix) <= strLen(s) && memory.compare(strPtr(s), strPtr(prefix), strLen(prefix)) == 0;
}

function hasSuffix(s: usize, suffix: usize): bool {
  const n = strLen(suffix);
  return n <= strLen(s) && memory.compare(strPtr(s) + strLen(s) - n, strPtr(suffix), n) == 0;
}

export function builtin_startswith(s: usize, prefix: usize): usize {
  if (!isStr(s) || !isStr(prefix)) return 0;
  return opa_boolean(hasPrefix(s, prefix));
}

export function builtin_endswith(s: usize, suffix: usize): usize {
  if (!isStr(s) || !isStr(suffix)) return 0;
  return opa_boolean(hasSuffix(s, suffix));
}

/** Go's unicode.ToLower / ToUpper applied rune by rune (dir 0 lower, 1 upper). */
function mapCase(s: usize, dir: i32): usize {
  if (!isStr(s)) return 0;
  const p = strPtr(s);
  const end = p + strLen(s);
  const b = bufNew(strLen(s));
  for (let q = p; q < end; ) {
    const c = <u32>load<u8>(q);
    if (c < 0x80) {
      const isUpper = c - 65 < 26;
      const isLower = c - 97 < 26;
      bufByte(b, dir == 0 && isUpper ? c + 32 : dir == 1 && isLower ? c - 32 : c);
      q++;
      continue;
    }
    const r = decodeRune(q, end);
    const w = runeWidth;
    if (r == 0xfffd && w == 1) bufByte(b, c); // keep invalid bytes as they are
    else if (r == 0xdf) bufRune(b, r); // ß has no simple upper case in Go (the table says ẞ)
    else bufRune(b, <u32>casemap(r, dir));
    q += w;
  }
  return bufString(b);
}

export function builtin_lower(s: usize): usize {
  return mapCase(s, 0);
}

export function builtin_upper(s: usize): usize {
  return mapCase(s, 1);
}

/** Rune index of the first occurrence; -1 if none; undefined for an empty search. */
export function builtin_indexof(s: usize, sub: usize): usize {
  if (!isStr(s) || !isStr(sub) || strLen(sub) == 0) return 0;
  const at = findIn(s, sub, 0);
  return intValue(at < 0 ? -1 : runeCount(strPtr(s), at));
}

/** Rune indexes of every occurrence, overlapping ones included. */
export function builtin_indexof_n(s: usize, sub: usize): usize {
  if (!isStr(s) || !isStr(sub) || strLen(sub) == 0) return 0;
  const out = opa_array_with_cap(0);
  for (let at = findIn(s, sub, 0); at >= 0; at = findIn(s, sub, at + 1)) {
    opa_array_append(out, intValue(runeCount(strPtr(s), at)));
  }
  return out;
}

export function builtin_substring(s: usize, start: usize, length: usize): usize {
  if (!isStr(s) || !isIntNumber(start) || !isIntNumber(length)) return 0;
  const p = strPtr(s);
  const len = strLen(s);
  const from = intOf(start);
  const n = intOf(length);
  if (from >= <i64>runeCount(p, len)) return opa_string(p, 0);
  if (from < 0) return 0;
  const a = runeOffset(p, len, <u32>from);
  const b = n < 0 || n > 0x7fffffff ? len : a + runeOffset(p + a, len - a, <u32>n);
  return opa_string(p + a, b - a);
}

// ---------------------------------------------------------------------------------------------
// Trimming

/** Whether rune `r` occurs in the string value `cutset`. */
function inCutset(cutset: usize, r: u32): bool {
  const p = strPtr(cutset);
  const end = p + strLen(cutset);
  for (let q = p; q < end; q += runeWidth) if (decodeRune(q, end) == r) return true;
  return false;
}

/** Go's unicode.IsSpace. */
function isSpace(r: u32): bool {
  if (r < 0x80) return r == 32 || (r >= 9 && r <= 13);
  return r == 0x85 || r == 0xa0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200a) || r == 0x2028 || r == 0x2029 ||
    r == 0x202f || r == 0x205f || r == 0x3000;
}

/** Strips runes from either end while `cutset` holds them (or, when 0, while they are space). */
function trimRunes(s: usize, cutset: usize, left: bool, right: bool): usize {
  let p = strPtr(s);
  let end = p + strLen(s);
  if (left) {
    while (p < end) {
      const r = decodeRune(p, end);
      if (cutset ? !inCutset(cutset, r) : !isSpace(r)) break;
      p += runeWidth;
    }
  }
  if (right) {
    // Forwards, remembering where the last rune to keep ends (runes cannot be read backwards
    // unambiguously when the bytes are not valid UTF-8).
    let keep = p;
    for (let q = p; q < end; ) {
      const r = decodeRune(q, end);
      q += runeWidth;
      if (cutset ? !inCutset(cutset, r) : !isSpace(r)) keep = q;
    }
    end = keep;
  }
  return opa_string(p, <u32>(end - p));
}

export function builtin_trim(s: usize, cutset: usize): usize {
  return isStr(s) && isStr(cutset) ? trimRunes(s, cutset, true, true) : 0;
}

export function builtin_trim_left(s: usize, cutset: usize): usize {
  return isStr(s) && isStr(cutset) ? trimRunes(s, cutset, true, false) : 0;
}

export function builtin_trim_right(s: usize, cutset: usize): usize {
  return isStr(s) && isStr(cutset) ? trimRunes(s, cutset, false, true) : 0;
}

export function builtin_trim_space(s: usize): usize {
  return isStr(s) ? trimRunes(s, 0, true, true) : 0;
}

export function builtin_trim_prefix(s: usize, prefix: usize): usize {
  if (!isStr(s) || !isStr(prefix)) return 0;
  if (!hasPrefix(s, prefix)) return s;
  return opa_string(strPtr(s) + strLen(prefix), strLen(s) - strLen(prefix));
}

export function builtin_trim_suffix(s: usize, suffix: usize): usize {
  if (!isStr(s) || !isStr(suffix)) return 0;
  if (!hasSuffix(s, suffix)) return s;
  return opa_string(strPtr(s), strLen(s) - strLen(suffix));
}

// ---------------------------------------------------------------------------------------------
// Splitting and rewriting

/** The runes of a string, each as a string value. */
function runes(s: usize): usize {
  const p = strPtr(s);
  const end = p + strLen(s);
  const out = opa_array_with_cap(0);
  for (let q = p; q < end; q += runeWidth) {
    decodeRune(q, end);
    opa_array_append(out, opa_string(q, runeWidth));
  }
  return out;
}

export function builtin_split(s: usize, delim: usize): usize {
  if (!isStr(s) || !isStr(delim)) return 0;
  if (strLen(delim) == 0) return runes(s);
  const out = opa_array_with_cap(0);
  let from: u32 = 0;
  for (let at = findIn(s, delim, 0); at >= 0; at = findIn(s, delim, from)) {
    opa_array_append(out, opa_string(strPtr(s) + from, at - from));
    from = at + strLen(delim);
  }
  opa_array_append(out, opa_string(strPtr(s) + from, strLen(s) - from));
  return out;
}

/** Go's strings.ReplaceAll; an empty `old` inserts `repl` around every rune. */
export function builtin_replace(s: usize, old: usize, repl: usize): usize {
  if (!isStr(s) || !isStr(old) || !isStr(repl)) return 0;
  const p = strPtr(s);
  const len = strLen(s);
  const b = bufNew(len);
  if (strLen(old) == 0) {
    bufBytes(b, strPtr(repl), strLen(repl));
    for (let q = p; q < p + len; ) {
      decodeRune(q, p + len);
      bufBytes(b, q, runeWidth);
      q += runeWidth;
      bufBytes(b, strPtr(repl), strLen(repl));
    }
    return bufString(b);
  }
  let from: u32 = 0;
  for (let at = findIn(s, old, 0); at >= 0; at = findIn(s, old, from)) {
    bufBytes(b, p + from, at - from);
    bufBytes(b, strPtr(repl), strLen(repl));
    from = at + strLen(old);
  }
  bufBytes(b, p + from, len - from);
  return bufString(b);
}

export function builtin_strings_reverse(s: usize): usize {
  if (!isStr(s)) return 0;
  const p = strPtr(s);
  const len = strLen(s);
  const end = p + len;
  const b = bufNew(len);
  const out = bufPtr(b);
  store<u32>(b, len, 4);
  // Each rune's bytes go, in order, to the mirrored position.
  let w: u32 = len;
  for (let q = p; q < end; q += runeWidth) {
    decodeRune(q, end);
    w -= runeWidth;
    memory.copy(out + w, q, runeWidth);
  }
  return bufString(b);
}

/** Non-overlapping occurrences; the empty string occurs between all runes. */
export function builtin_strings_count(s: usize, sub: usize): usize {
  if (!isStr(s) || !isStr(sub)) return 0;
  if (strLen(sub) == 0) return intValue(runeCount(strPtr(s), strLen(s)) + 1);
  let n: i64 = 0;
  for (let at = findIn(s, sub, 0); at >= 0; at = findIn(s, sub, at + strLen(sub))) n++;
  return intValue(n);
}

const DIGITS = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

/** format_int(n, base) for bases 2, 8, 10 and 16; a fraction is dropped (towards zero). */
export function builtin_format_int(n: usize, base: usize): usize {
  if (typeOf(n) != TYPE_NUMBER || !isIntNumber(base)) return 0;
  const radix = intOf(base);
  if (radix != 2 && radix != 8 && radix != 10 && radix != 16) return 0;
  let i: i64 = numKind(n) == NUM_INT ? intOf(n) : <i64>Math.trunc(toF64(n));
  const neg = i < 0;
  let u: u64 = neg ? <u64>(-i) : <u64>i;
  const tmp = bufNew(66);
  const end = bufPtr(tmp) + 66;
  let q = end;
  do {
    q--;
    store<u8>(q, load<u8>(DIGITS + <usize>(u % <u64>radix)));
    u /= <u64>radix;
  } while (u);
  if (neg) store<u8>(--q, 45);
  return opa_string(q, <u32>(end - q));
}
