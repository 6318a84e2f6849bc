// UTF-8 decoding, rune by rune, as Go's utf8.DecodeRune does: an invalid byte decodes as
// U+FFFD of width 1, so every byte sequence has a defined rune count.

/** Width in bytes of the rune last decoded by decodeRune. */
export let runeWidth: u32 = 1;

export function decodeRune(p: usize, end: usize): u32 {
  const c0 = <u32>load<u8>(p);
  runeWidth = 1;
  if (c0 < 0x80) return c0;
  let need: u32 = 0;
  let c: u32 = 0;
  let min: u32 = 0;
  if (c0 >= 0xc2 && c0 < 0xe0) {
    need = 1;
    c = c0 & 0x1f;
    min = 0x80;
  } else if (c0 >= 0xe0 && c0 < 0xf0) {
    need = 2;
    c = c0 & 0x0f;
    min = 0x800;
  } else if (c0 >= 0xf0 && c0 < 0xf5) {
    need = 3;
    c = c0 & 0x07;
    min = 0x10000;
  } else return 0xfffd;
  if (p + need >= end + 1) return 0xfffd;
  for (let i: u32 = 1; i <= need; i++) {
    const cx = <u32>load<u8>(p + i);
    if ((cx & 0xc0) != 0x80) return 0xfffd;
    c = (c << 6) | (cx & 0x3f);
  }
  if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return 0xfffd;
  runeWidth = need + 1;
  return c;
}

/** Number of runes in `len` bytes at `p`. */
export function runeCount(p: usize, len: u32): u32 {
  const end = p + len;
  let n: u32 = 0;
  while (p < end) {
    decodeRune(p, end);
    p += runeWidth;
    n++;
  }
  return n;
}

/** Byte offset of rune index `r` (clamped to the end). */
export function runeOffset(p: usize, len: u32, r: u32): u32 {
  const end = p + len;
  let q = p;
  while (r > 0 && q < end) {
    decodeRune(q, end);
    q += runeWidth;
    r--;
  }
  return <u32>(q - p);
}
