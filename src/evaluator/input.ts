// The evaluator's boundary for inputs: an untrusted document is measured (bytes, depth, object
// keys) and its numbers checked before the policy sees it, then encoded once as the JSON text the
// SDK copies into the module. NaN and ±Infinity (which JSON.parse makes of 1e400) have no JSON
// spelling: JSON.stringify would turn them into null, so a refund of 1e400 would reach the policy
// as null. They are refused.

export interface InputLimits {
  /** The input's JSON text, in UTF-8 bytes. */
  maxBytes: number;
  /** Nesting of arrays and objects (a scalar is depth 0). */
  maxDepth: number;
  /** Object keys in the whole input. */
  maxKeys: number;
}

export const DEFAULT_INPUT_LIMITS: Readonly<InputLimits> = Object.freeze({
  maxBytes: 8 * 1024 * 1024,
  maxDepth: 64,
  maxKeys: 100_000,
});

/** An input refused at the boundary; the evaluator reports it as `input_invalid`. */
export class InputRefused extends Error {}

/**
 * Checks `input` against the limits and returns what to hand the SDK: the JSON text's bytes, or
 * the input itself when the SDK treats it as absent (undefined and other falsy values).
 */
export function encodeInput(input: unknown, limits: InputLimits): unknown {
  const text = inputText(input, limits);
  return text === undefined ? input : new TextEncoder().encode(text).buffer;
}

/**
 * Checks `input` against the limits and returns its JSON text, for the evaluator's driver to
 * write into the module; undefined when the SDK would treat the input as absent (undefined and
 * other falsy values).
 */
export function inputText(input: unknown, limits: InputLimits): string | undefined {
  if (!input) {
    if (typeof input === "number" && Number.isNaN(input)) throw new InputRefused(nonFinite("input", input));
    return undefined;
  }
  // The fast walk passes an ordinary input; anything it doubts is walked again with the path kept,
  // which throws the located error (or passes, where the fast walk was only cautious).
  const seen = { keys: 0, chars: 0 };
  if (!fits(input, 0, limits, seen)) measure(input, [], limits, { keys: 0, chars: 0 });
  let text: string | undefined;
  try {
    text = JSON.stringify(input) as string | undefined;
  } catch (e) {
    throw new InputRefused(`input is not a JSON document: ${(e as Error).message}`);
  }
  if (text === undefined) throw new InputRefused(`input is not a JSON document: ${typeof input}`);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: count the bytes only when that bound is over.
  if (text.length * 3 > limits.maxBytes) {
    const bytes = new TextEncoder().encode(text).byteLength;
    if (bytes > limits.maxBytes) throw tooLarge(bytes, limits.maxBytes);
  }
  return text;
}

/** True if `v` is within the limits for sure: measure() without the path, and without throwing. */
function fits(v: unknown, depth: number, limits: InputLimits, seen: { keys: number; chars: number }): boolean {
  if (typeof v === "object") {
    if (v === null) return true;
    if (depth >= limits.maxDepth) return false;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (!fits(v[i], depth + 1, limits, seen)) return false;
      return true;
    }
    if (typeof (v as { toJSON?: unknown }).toJSON === "function") return true;
    // A plain object: for-in walks its keys without allocating a key array. It can only see more
    // keys than JSON.stringify writes (enumerable ones inherited from a tampered Object.prototype),
    // which errs towards the exact walk, as does any other kind of object.
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return false;
    for (const key in v) {
      if (++seen.keys > limits.maxKeys || (seen.chars += key.length) > limits.maxBytes) return false;
      if (!fits((v as Record<string, unknown>)[key], depth + 1, limits, seen)) return false;
    }
    return true;
  }
  if (typeof v === "string") return (seen.chars += v.length) <= limits.maxBytes;
  if (typeof v === "number") return Number.isFinite(v);
  return typeof v !== "bigint";
}

/** Walks the input; `trail` is the path to `v` (built into text only for an error). */
function measure(v: unknown, trail: (string | number)[], limits: InputLimits, seen: { keys: number; chars: number }): void {
  switch (typeof v) {
    case "string":
      // UTF-16 units never outnumber UTF-8 bytes: a lower bound, so huge inputs stop early.
      seen.chars += v.length;
      if (seen.chars > limits.maxBytes) throw tooLarge(seen.chars, limits.maxBytes, "at least ");
      return;
    case "number":
      if (!Number.isFinite(v)) throw new InputRefused(nonFinite(pathText(trail), v));
      return;
    case "boolean":
    case "undefined":
    case "function":
    case "symbol":
      return; // undefined, functions and symbols are left out of JSON (or become null)
    case "bigint":
      throw new InputRefused(`${pathText(trail)}: a bigint is not a JSON number; pass a number or a string`);
  }
  if (v === null) return;
  if (typeof (v as { toJSON?: unknown }).toJSON === "function") return; // a Date, say: JSON.stringify decides
  if (trail.length >= limits.maxDepth) throw new InputRefused(`${pathText(trail)}: input nests deeper than ${limits.maxDepth} levels (limits.maxDepth)`);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      trail.push(i);
      measure(v[i], trail, limits, seen);
      trail.pop();
    }
    return;
  }
  for (const key of Object.keys(v as object)) {
    if (++seen.keys > limits.maxKeys) throw new InputRefused(`input has more than ${limits.maxKeys} object keys (limits.maxKeys)`);
    seen.chars += key.length;
    trail.push(key);
    measure((v as Record<string, unknown>)[key], trail, limits, seen);
    trail.pop();
  }
}

function pathText(trail: (string | number)[]): string {
  return "input" + trail.map((k) => (typeof k === "number" ? `[${k}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`)).join("");
}

function nonFinite(path: string, v: number): string {
  return `${path}: ${v} is not a JSON number (NaN and ±Infinity are refused; JSON's 1e400 parses as Infinity)`;
}

function tooLarge(n: number, max: number, qualifier = ""): InputRefused {
  return new InputRefused(`input is ${qualifier}${n} bytes of JSON, more than the limit of ${max} (limits.maxBytes)`);
}
