// to_number: null, booleans, numbers and numeric strings as numbers.
import { bufByte, bufLen, bufNew, bufPtr } from "../buf";
import { parseNumber, scanNumber, toF64 } from "../number";
import { boolValue, intValue, strLen, strPtr, typeOf, TYPE_BOOLEAN, TYPE_NULL, TYPE_NUMBER, TYPE_STRING } from "../value";

export function builtin_to_number(x: usize): usize {
  const t = typeOf(x);
  if (t == TYPE_NULL) return intValue(0);
  if (t == TYPE_BOOLEAN) return intValue(boolValue(x) ? 1 : 0);
  if (t == TYPE_NUMBER) return x;
  if (t != TYPE_STRING) return 0;
  const text = normalise(strPtr(x), strLen(x));
  if (!text) return 0;
  const n = parseNumber(bufPtr(text), bufLen(text));
  // Go's ParseFloat rejects what float64 cannot hold.
  return isFinite(toF64(n)) ? n : 0;
}

/**
 * Rewrites what Go's strconv.ParseFloat accepts in decimal ("+1", ".5", "5.", "007") in JSON's
 * number syntax; 0 for anything else.
 */
function normalise(p: usize, len: u32): usize {
  const b = bufNew(len + 2);
  let i: u32 = 0;
  if (i < len && (load<u8>(p) == 43 || load<u8>(p) == 45)) {
    if (load<u8>(p) == 45) bufByte(b, 45);
    i++;
  }
  // Integer part, without leading zeros.
  let intDigits: u32 = 0;
  while (i < len && load<u8>(p + i) == 48 && i + 1 < len && <u32>load<u8>(p + i + 1) - 48 < 10) i++;
  while (i < len && <u32>load<u8>(p + i) - 48 < 10) {
    bufByte(b, load<u8>(p + i++));
    intDigits++;
  }
  let fracDigits: u32 = 0;
  if (i < len && load<u8>(p + i) == 46) {
    i++;
    if (intDigits == 0) bufByte(b, 48);
    const dot = bufLen(b);
    bufByte(b, 46);
    while (i < len && <u32>load<u8>(p + i) - 48 < 10) {
      bufByte(b, load<u8>(p + i++));
      fracDigits++;
    }
    if (fracDigits == 0) store<u32>(b, dot, 4); // "5." is 5
  }
  if (intDigits == 0 && fracDigits == 0) return 0;
  if (i < len && (load<u8>(p + i) | 32) == 101) {
    bufByte(b, 101);
    i++;
    if (i < len && (load<u8>(p + i) == 43 || load<u8>(p + i) == 45)) bufByte(b, load<u8>(p + i++));
    let expDigits: u32 = 0;
    while (i < len && <u32>load<u8>(p + i) - 48 < 10) {
      bufByte(b, load<u8>(p + i++));
      expDigits++;
    }
    if (expDigits == 0) return 0;
  }
  if (i != len || scanNumber(bufPtr(b), bufLen(b)) != bufLen(b)) return 0;
  return b;
}
