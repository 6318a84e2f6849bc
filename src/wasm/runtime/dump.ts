// Writing values as text: JSON for the host (sets become arrays), and Rego's value syntax.
import { bufByte, bufBytes, bufCString, bufGrow, bufNew } from "./buf";
import { bufNumber } from "./number";
import { decodeRune, runeWidth } from "./utf8";
import {
  arrayGet, boolValue, collLen, objectKey, objectValue, strLen, strPtr, typeOf,
  TYPE_ARRAY, TYPE_BOOLEAN, TYPE_NULL, TYPE_NUMBER, TYPE_OBJECT, TYPE_SET, TYPE_STRING,
} from "./value";

/** JSON: sets as arrays, non-string object keys as strings of their JSON text. */
export const DUMP_JSON: u32 = 1;
/** ", " and ": " between members, as Rego (and OPA's sprintf %v) prints values. */
export const DUMP_SPACED: u32 = 2;
/** Go's json.Marshal escaping of <, >, &, U+2028 and U+2029. */
export const DUMP_HTML_SAFE: u32 = 4;

export function opa_json_dump(v: usize): usize {
  const b = bufNew(64);
  dumpValue(b, v, DUMP_JSON);
  return bufCString(b);
}

export function opa_value_dump(v: usize): usize {
  const b = bufNew(64);
  dumpValue(b, v, 0);
  return bufCString(b);
}

const NULL_TEXT = memory.data<u8>([110, 117, 108, 108]);
const TRUE_TEXT = memory.data<u8>([116, 114, 117, 101]);
const FALSE_TEXT = memory.data<u8>([102, 97, 108, 115, 101]);
const SET_TEXT = memory.data<u8>([115, 101, 116, 40, 41]);
const HEX = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

export function dumpValue(b: usize, v: usize, mode: u32): void {
  switch (typeOf(v)) {
    case TYPE_NULL:
      bufBytes(b, NULL_TEXT, 4);
      return;
    case TYPE_BOOLEAN:
      if (boolValue(v)) bufBytes(b, TRUE_TEXT, 4);
      else bufBytes(b, FALSE_TEXT, 5);
      return;
    case TYPE_NUMBER:
      bufNumber(b, v);
      return;
    case TYPE_STRING:
      quote(b, strPtr(v), strLen(v), mode);
      return;
    case TYPE_ARRAY:
      dumpElements(b, v, mode, 91, 93);
      return;
    case TYPE_SET:
      if (mode & DUMP_JSON) dumpElements(b, v, mode, 91, 93);
      else if (collLen(v) == 0) bufBytes(b, SET_TEXT, 5);
      else dumpElements(b, v, mode, 123, 125);
      return;
    case TYPE_OBJECT:
      dumpObject(b, v, mode);
      return;
  }
}

function separator(b: usize, mode: u32): void {
  bufByte(b, 44);
  if (mode & DUMP_SPACED) bufByte(b, 32);
}

function dumpElements(b: usize, v: usize, mode: u32, open: u32, close: u32): void {
  bufByte(b, open);
  const n = collLen(v);
  for (let i: u32 = 0; i < n; i++) {
    if (i) separator(b, mode);
    dumpValue(b, arrayGet(v, i), mode);
  }
  bufByte(b, close);
}

function dumpObject(b: usize, v: usize, mode: u32): void {
  bufByte(b, 123);
  const n = collLen(v);
  for (let i: u32 = 0; i < n; i++) {
    if (i) separator(b, mode);
    const k = objectKey(v, i);
    if (mode & DUMP_JSON && typeOf(k) != TYPE_STRING) {
      // JSON keys are strings: a non-string key is written as a string of its own JSON text.
      const t = bufNew(32);
      dumpValue(t, k, DUMP_JSON);
      quote(b, load<u32>(t), load<u32>(t, 4), mode);
    } else dumpValue(b, k, mode);
    bufByte(b, 58);
    if (mode & DUMP_SPACED) bufByte(b, 32);
    dumpValue(b, objectValue(v, i), mode);
  }
  bufByte(b, 125);
}

/** A JSON string literal; invalid UTF-8 is written as U+FFFD, as Go's encoder does. */
export function quote(b: usize, p: usize, len: u32, mode: u32): void {
  bufByte(b, 34);
  const end = p + len;
  let run = p; // start of bytes not yet copied
  while (p < end) {
    const c = <u32>load<u8>(p);
    if (c >= 0x20 && c < 0x80 && c != 34 && c != 92 && !(mode & DUMP_HTML_SAFE && (c == 60 || c == 62 || c == 38))) {
      p++;
      continue;
    }
    let r: u32 = c;
    let w: u32 = 1;
    if (c >= 0x80) {
      r = decodeRune(p, end);
      w = runeWidth;
      const special = r == 0xfffd && w == 1;
      if (!special && !(mode & DUMP_HTML_SAFE && (r == 0x2028 || r == 0x2029))) {
        p += w;
        continue;
      }
    }
    bufBytes(b, run, <u32>(p - run));
    p += w;
    run = p;
    if (r == 34 || r == 92) {
      bufByte(b, 92);
      bufByte(b, r);
    } else if (r == 10) escape(b, 110);
    else if (r == 13) escape(b, 114);
    else if (r == 9) escape(b, 116);
    else if (r == 8) escape(b, 98);
    else if (r == 12) escape(b, 102);
    else if (r == 0xfffd) {
      const q = bufGrow(b, 3);
      store<u8>(q, 0xef);
      store<u8>(q, 0xbf, 1);
      store<u8>(q, 0xbd, 2);
    } else {
      const q = bufGrow(b, 6);
      store<u8>(q, 92);
      store<u8>(q, 117, 1);
      store<u8>(q, load<u8>(HEX + ((r >> 12) & 15)), 2);
      store<u8>(q, load<u8>(HEX + ((r >> 8) & 15)), 3);
      store<u8>(q, load<u8>(HEX + ((r >> 4) & 15)), 4);
      store<u8>(q, load<u8>(HEX + (r & 15)), 5);
    }
  }
  bufBytes(b, run, <u32>(p - run));
  bufByte(b, 34);
}

function escape(b: usize, c: u32): void {
  bufByte(b, 92);
  bufByte(b, c);
}
