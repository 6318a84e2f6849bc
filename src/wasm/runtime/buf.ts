// A growable byte buffer in the heap, for building text (dumps, string built-ins).
//   ptr u32 at 0, len u32 at 4, cap u32 at 8
import { opa_malloc } from "./alloc";

export function bufNew(cap: u32): usize {
  const b = opa_malloc(12);
  store<u32>(b, opa_malloc(cap), 0);
  store<u32>(b, 0, 4);
  store<u32>(b, cap, 8);
  return b;
}

@inline export function bufPtr(b: usize): usize {
  return load<u32>(b);
}

@inline export function bufLen(b: usize): u32 {
  return load<u32>(b, 4);
}

/** Reserves `n` bytes at the end and returns where they go (the length grows by `n`). */
export function bufGrow(b: usize, n: u32): usize {
  const len = bufLen(b);
  let cap = load<u32>(b, 8);
  if (len + n > cap) {
    while (len + n > cap) cap = cap * 2 + 16;
    const data = opa_malloc(cap);
    memory.copy(data, bufPtr(b), len);
    store<u32>(b, data, 0);
    store<u32>(b, cap, 8);
  }
  store<u32>(b, len + n, 4);
  return bufPtr(b) + len;
}

export function bufByte(b: usize, c: u32): void {
  store<u8>(bufGrow(b, 1), <u8>c);
}

export function bufBytes(b: usize, src: usize, n: u32): void {
  memory.copy(bufGrow(b, n), src, n);
}

/** Appends a static NUL-terminated ASCII string (a `memory.data` literal). */
export function bufLit(b: usize, lit: usize): void {
  let n: u32 = 0;
  while (load<u8>(lit + n)) n++;
  bufBytes(b, lit, n);
}

/** Unsigned decimal digits of `u`. */
export function bufU64(b: usize, u: u64): void {
  const tmp = opa_malloc(20);
  let i: u32 = 20;
  do {
    store<u8>(tmp + --i, <u8>(48 + u % 10));
    u /= 10;
  } while (u);
  bufBytes(b, tmp + i, 20 - i);
}

export function bufI64(b: usize, i: i64): void {
  if (i < 0) {
    bufByte(b, 45);
    bufU64(b, <u64>(-i)); // -i64.MIN wraps to itself, which is right as a u64
  } else bufU64(b, <u64>i);
}

/** UTF-8 encoding of code point `c`. */
export function bufRune(b: usize, c: u32): void {
  if (c < 0x80) bufByte(b, c);
  else if (c < 0x800) {
    bufByte(b, 0xc0 | (c >> 6));
    bufByte(b, 0x80 | (c & 0x3f));
  } else if (c < 0x10000) {
    bufByte(b, 0xe0 | (c >> 12));
    bufByte(b, 0x80 | ((c >> 6) & 0x3f));
    bufByte(b, 0x80 | (c & 0x3f));
  } else {
    bufByte(b, 0xf0 | (c >> 18));
    bufByte(b, 0x80 | ((c >> 12) & 0x3f));
    bufByte(b, 0x80 | ((c >> 6) & 0x3f));
    bufByte(b, 0x80 | (c & 0x3f));
  }
}

/** The buffer's bytes followed by a NUL, for the host. */
export function bufCString(b: usize): usize {
  bufByte(b, 0);
  return bufPtr(b);
}
