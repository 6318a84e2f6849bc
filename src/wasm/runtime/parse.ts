// Reading JSON text, and Rego's value syntax (JSON plus sets: `{1, 2}`, `set()`), into values.
// Strings without escapes point into the source text rather than being copied: the source
// lives in the heap for at least as long as the values read from it.
import { opa_malloc } from "./alloc";
import { bufByte, bufGrow, bufLen, bufNew, bufPtr, bufRune } from "./buf";
import { parseNumber, scanNumber } from "./number";
import { sortUnique } from "./sort";
import {
  opa_array_append, opa_array_with_cap, opa_boolean, opa_null, opa_string, TYPE_OBJECT, TYPE_SET,
} from "./value";

let pos: usize = 0;
let end: usize = 0;
let regoSyntax = false;

export function parseText(p: usize, len: u32, rego: bool): usize {
  pos = p;
  end = p + len;
  regoSyntax = rego;
  skipSpace();
  const v = parseValue();
  if (v == 0) return 0;
  skipSpace();
  return pos == end ? v : 0;
}

export function opa_json_parse(p: usize, len: u32): usize {
  return parseText(p, len, false);
}

export function opa_value_parse(p: usize, len: u32): usize {
  return parseText(p, len, true);
}

@inline function peek(): u32 {
  return pos < end ? <u32>load<u8>(pos) : 0;
}

function skipSpace(): void {
  while (pos < end) {
    const c = load<u8>(pos);
    if (c != 32 && c != 9 && c != 10 && c != 13) break;
    pos++;
  }
}

/** Consumes `word` (a NUL-terminated literal) if it comes next. */
function word(lit: usize): bool {
  let i: usize = 0;
  while (load<u8>(lit + i)) {
    if (pos + i >= end || load<u8>(pos + i) != load<u8>(lit + i)) return false;
    i++;
  }
  pos += i;
  return true;
}

const TRUE_WORD = memory.data<u8>([116, 114, 117, 101, 0]);
const FALSE_WORD = memory.data<u8>([102, 97, 108, 115, 101, 0]);
const NULL_WORD = memory.data<u8>([110, 117, 108, 108, 0]);
const SET_WORD = memory.data<u8>([115, 101, 116, 40, 41, 0]); // set()

function parseValue(): usize {
  const c = peek();
  if (c == 123) return parseBraces();
  if (c == 91) return parseArray();
  if (c == 34) return parseString();
  if (c == 116) return word(TRUE_WORD) ? opa_boolean(1) : 0;
  if (c == 102) return word(FALSE_WORD) ? opa_boolean(0) : 0;
  if (c == 110) return word(NULL_WORD) ? opa_null() : 0;
  if (c == 115 && regoSyntax) return word(SET_WORD) ? collection(TYPE_SET, 0, 0) : 0;
  const n = scanNumber(pos, <u32>(end - pos));
  if (n == 0) return 0;
  const v = parseNumber(pos, n);
  pos += n;
  return v;
}

function parseArray(): usize {
  pos++;
  const arr = opa_array_with_cap(0);
  skipSpace();
  if (peek() == 93) {
    pos++;
    return arr;
  }
  for (;;) {
    skipSpace();
    const v = parseValue();
    if (v == 0) return 0;
    opa_array_append(arr, v);
    skipSpace();
    const c = peek();
    pos++;
    if (c == 93) return arr;
    if (c != 44) return 0;
  }
  return 0; // not reached
}

/** `{...}`: an object, or in Rego syntax a set when the first member has no `:`. */
function parseBraces(): usize {
  pos++;
  skipSpace();
  if (peek() == 125) {
    pos++;
    return collection(TYPE_OBJECT, 0, 0);
  }
  // Members are gathered unsorted in a scratch buffer, then sorted once.
  const scratch = bufNew(64);
  let isSet = false;
  for (let first = true; ; first = false) {
    skipSpace();
    const key = regoSyntax ? parseValue() : peek() == 34 ? parseString() : 0;
    if (key == 0) return 0;
    skipSpace();
    store<u32>(bufGrow(scratch, 4), key);
    if (first) isSet = regoSyntax && peek() != 58;
    if (!isSet) {
      if (peek() != 58) return 0;
      pos++;
      skipSpace();
      const v = parseValue();
      if (v == 0) return 0;
      store<u32>(bufGrow(scratch, 4), v);
      skipSpace();
    }
    const c = peek();
    pos++;
    if (c == 125) break;
    if (c != 44) return 0;
  }
  const slot: u32 = isSet ? 4 : 8;
  return collection(isSet ? TYPE_SET : TYPE_OBJECT, bufPtr(scratch), bufLen(scratch) / slot);
}

/** An object or set over `n` unsorted slots at `data` (taken over, not copied). */
function collection(tag: u8, data: usize, n: u32): usize {
  const slot: u32 = tag == TYPE_SET ? 4 : 8;
  const len = sortUnique(data, n, slot);
  const v = opa_malloc(16);
  store<u8>(v, tag);
  store<u32>(v, len, 4);
  store<u32>(v, n, 8);
  store<u32>(v, data, 12);
  return v;
}

function hexDigit(c: u32): i32 {
  if (c - 48 < 10) return c - 48;
  c |= 32;
  if (c - 97 < 6) return c - 87;
  return -1;
}

function hex4(p: usize): i32 {
  if (p + 4 > end) return -1;
  let x: i32 = 0;
  for (let i = 0; i < 4; i++) {
    const d = hexDigit(load<u8>(p + i));
    if (d < 0) return -1;
    x = (x << 4) | d;
  }
  return x;
}

function parseString(): usize {
  pos++;
  const start = pos;
  while (pos < end) {
    const c = load<u8>(pos);
    if (c == 34) {
      const v = opa_string(start, <u32>(pos - start));
      pos++;
      return v;
    }
    if (c == 92) break;
    if (c < 32) return 0;
    pos++;
  }
  // Escapes: decode into a fresh copy.
  const b = bufNew(<u32>(pos - start) + 16);
  for (let p = start; p < pos; p++) bufByte(b, load<u8>(p));
  while (pos < end) {
    const c = <u32>load<u8>(pos);
    if (c == 34) {
      pos++;
      return opa_string(bufPtr(b), bufLen(b));
    }
    if (c < 32) return 0;
    if (c != 92) {
      bufByte(b, c);
      pos++;
      continue;
    }
    pos++;
    const e = peek();
    pos++;
    if (e == 34 || e == 92 || e == 47) bufByte(b, e);
    else if (e == 98) bufByte(b, 8);
    else if (e == 102) bufByte(b, 12);
    else if (e == 110) bufByte(b, 10);
    else if (e == 114) bufByte(b, 13);
    else if (e == 116) bufByte(b, 9);
    else if (e == 117) {
      let r = hex4(pos);
      if (r < 0) return 0;
      pos += 4;
      if (r >= 0xd800 && r < 0xdc00) {
        // A surrogate pair; a lone surrogate becomes U+FFFD, as Go decodes it.
        const lo = pos + 6 <= end && load<u8>(pos) == 92 && load<u8>(pos + 1) == 117 ? hex4(pos + 2) : -1;
        if (lo >= 0xdc00 && lo < 0xe000) {
          r = 0x10000 + ((r - 0xd800) << 10) + (lo - 0xdc00);
          pos += 6;
        } else r = 0xfffd;
      } else if (r >= 0xdc00 && r < 0xe000) r = 0xfffd;
      bufRune(b, r);
    } else return 0;
  }
  return 0;
}
