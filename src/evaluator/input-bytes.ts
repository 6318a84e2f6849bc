// The evaluator's fast way in: an ordinary input (plain objects, arrays, strings, finite numbers,
// booleans, null) written as UTF-8 JSON bytes straight into a buffer, within the input limits, in
// one walk. It writes exactly the bytes of Buffer.from(JSON.stringify(input)), or declines (-1):
// for anything else (a toJSON, a class instance, a tampered Object.prototype, a non-finite
// number, a bigint, an input over a limit or over the buffer) the caller takes the exact path
// (input.ts's inputText), which encodes what JSON.stringify does and reports a refusal with its
// location. So this writer never has to word an error, only never write what the exact path
// would not.
//
// Hand-written because JSON.stringify then a UTF-8 encode was a third of the evaluator's own
// cost on a governance decision (the limits walk before it another tenth).
import type { InputLimits } from "./input.ts";

// One write at a time: a getter in an input may evaluate another input before this one is
// written, and that nested write declines (its input takes the exact path) rather than reuse
// this state.
let busy = false;
let out: Uint8Array = new Uint8Array(0);
let pos = 0;
let end = 0;
let keys = 0;
let maxKeys = 0;
let maxDepth = 0;

/**
 * Writes `input`'s JSON into `buffer` from 0 and returns its length in bytes, or -1 when the
 * exact path must decide (see above). `input` must be truthy (the evaluator treats falsy inputs
 * as absent before this).
 */
export function writeInputJSON(input: unknown, limits: InputLimits, buffer: Uint8Array): number {
  // for-in would also list enumerable keys inherited from Object.prototype, which JSON leaves out.
  for (const _ in Object.prototype) return -1;
  if (busy) return -1;
  busy = true;
  out = buffer;
  pos = 0;
  end = Math.min(buffer.length, limits.maxBytes);
  keys = 0;
  maxKeys = limits.maxKeys;
  maxDepth = limits.maxDepth;
  try {
    return value(input, 0) ? pos : -1;
  } finally {
    out = EMPTY;
    busy = false;
  }
}

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();

function value(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case "string":
      return string(v);
    case "number":
      return Number.isFinite(v) && ascii("" + v); // a finite number's JSON is its toString
    case "boolean":
      return ascii(v ? "true" : "false");
    case "object":
      if (v === null) return ascii("null");
      if (depth >= maxDepth || typeof (v as { toJSON?: unknown }).toJSON === "function") return false;
      return Array.isArray(v) ? array(v, depth) : object(v, depth);
    default:
      return false; // undefined, a function or a symbol at the top, a bigint anywhere
  }
}

/** JSON writes these as null in an array and leaves them out of an object. */
const omitted = (x: unknown) => x === undefined || typeof x === "function" || typeof x === "symbol";

function array(v: unknown[], depth: number): boolean {
  if (pos >= end) return false;
  out[pos++] = 0x5b;
  for (let i = 0; i < v.length; i++) {
    if (i > 0) {
      if (pos >= end) return false;
      out[pos++] = 0x2c;
    }
    const x = v[i];
    if (!(omitted(x) ? ascii("null") : value(x, depth + 1))) return false;
  }
  if (pos >= end) return false;
  out[pos++] = 0x5d;
  return true;
}

function object(v: object, depth: number): boolean {
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  if (pos >= end) return false;
  out[pos++] = 0x7b;
  let first = true;
  for (const key in v) {
    if (++keys > maxKeys) return false; // counted as the exact path counts: every own key
    const x = (v as Record<string, unknown>)[key];
    if (omitted(x)) continue;
    if (!first) {
      if (pos >= end) return false;
      out[pos++] = 0x2c;
    }
    first = false;
    if (!string(key) || pos >= end) return false;
    out[pos++] = 0x3a;
    if (!value(x, depth + 1)) return false;
  }
  if (pos >= end) return false;
  out[pos++] = 0x7d;
  return true;
}

/** A string: printable ASCII needing no escape byte for byte, anything else through JSON.stringify. */
function string(s: string): boolean {
  const n = s.length;
  if (pos + n + 2 > end) return false;
  const at = pos + 1;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return escaped(s);
    out[at + i] = c;
  }
  out[pos] = 0x22;
  out[at + n] = 0x22;
  pos = at + n + 1;
  return true;
}

function escaped(s: string): boolean {
  // JSON.stringify escapes quotes, backslashes, control characters and lone surrogates; what is
  // left is well-formed UTF-16, encoded here as UTF-8.
  const text = JSON.stringify(s);
  const r = encoder.encodeInto(text, out.subarray(pos, end));
  if (r.read !== text.length) return false;
  pos += r.written;
  return true;
}

function ascii(t: string): boolean {
  const n = t.length;
  if (pos + n > end) return false;
  for (let i = 0; i < n; i++) out[pos + i] = t.charCodeAt(i);
  pos += n;
  return true;
}
