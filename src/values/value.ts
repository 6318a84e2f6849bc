// Rego values at run time, shared by the IR interpreter, the built-in library and the WASM host.
//
// Representation (chosen for the hot path: most policy data is JSON with string keys):
//   null, boolean, string          -> the JS primitive
//   number                         -> a JS number when exact, else a BigNumber keeping OPA's text
//   array                          -> a JS array of values
//   object                         -> ObjectValue (any value may be a key)
//   set                            -> SetValue
// Values are immutable once built and shared freely; builders mutate only what they just made.

export type Value = null | boolean | number | BigNumber | string | Value[] | ObjectValue | SetValue;

/**
 * A number JS cannot hold exactly: an integer beyond 2^53, or a decimal beyond float64's range.
 * OPA reads numbers as arbitrary-precision decimals and prints them back as written.
 */
export class BigNumber {
  constructor(
    /** Canonical text, as OPA would print it. */
    readonly text: string,
    /** The exact value when it is an integer. */
    readonly int: bigint | null,
  ) {}
  /** The nearest float64 (may be ±Infinity). */
  get approx(): number {
    return this.int !== null ? Number(this.int) : Number(this.text);
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** An integer as a value: a JS number when exact, else a BigNumber. */
export function intValue(i: bigint): number | BigNumber {
  if (i <= MAX_SAFE && i >= -MAX_SAFE) return Number(i);
  return new BigNumber(i.toString(), i);
}

/** Reads a number as written in Rego or JSON source. Returns undefined for malformed text. */
export function parseNumber(text: string): number | BigNumber | undefined {
  if (!/^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(text)) return undefined;
  if (/^-?[0-9]+$/.test(text)) {
    const n = Number(text);
    if (Number.isSafeInteger(n)) return n;
    return new BigNumber(BigInt(text).toString(), BigInt(text));
  }
  const n = Number(text);
  if (Number.isFinite(n)) {
    // An integer written with a fraction or exponent ("1e3", "2.0") is still an integer in OPA.
    if (Number.isInteger(n) && !Number.isSafeInteger(n)) {
      const exact = decimalToBigInt(text);
      if (exact !== null) return new BigNumber(exact.toString(), exact);
    }
    return n;
  }
  // Beyond float64's range OPA keeps the number as written ("2e308" prints as 2e308).
  return new BigNumber(text, decimalToBigInt(text));
}

/** The exact integer a decimal literal denotes, or null if it has a fractional part. */
function decimalToBigInt(text: string): bigint | null {
  const m = /^(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/.exec(text);
  if (!m) return null;
  const [, sign, whole, frac = "", expText = "0"] = m;
  const exp = Number(expText);
  if (!Number.isSafeInteger(exp) || exp > 100000) return null;
  let digits = whole! + frac;
  let scale = exp - frac.length;
  if (scale < 0) {
    const cut = digits.length + scale;
    const dropped = cut >= 0 ? digits.slice(cut) : digits;
    if (/[^0]/.test(dropped)) return null;
    digits = cut > 0 ? digits.slice(0, cut) : "0";
    scale = 0;
  }
  return BigInt((sign === "-" ? "-" : "") + digits + "0".repeat(scale));
}

export function isNumber(v: Value): v is number | BigNumber {
  return typeof v === "number" || v instanceof BigNumber;
}

/** Float64 view of a number value. */
export function toFloat(v: number | BigNumber): number {
  return typeof v === "number" ? v : v.approx;
}

/** The exact integer a number denotes, or null when it is not an integer. */
export function toBigInt(v: number | BigNumber): bigint | null {
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : null;
  return v.int;
}

// ---------------------------------------------------------------------------------------------
// Keys: a canonical string per value, so equal values (1 and 1.0, {1,2} and {2,1}) share a key.
// A string is its own key unless it starts with NUL; every other key starts with NUL.

const TAG = "\u0000";

export function keyOf(v: Value): string {
  switch (typeof v) {
    case "string":
      return v.length > 0 && v.charCodeAt(0) === 0 ? TAG + "s" + JSON.stringify(v) : v;
    case "number":
      return TAG + "n" + numberKey(v);
    case "boolean":
      return v ? TAG + "t" : TAG + "f";
  }
  if (v === null) return TAG + "0";
  // Integers by their digits, so 2e308 and 2000...0 share a key as they are equal.
  if (v instanceof BigNumber) return TAG + "n" + (v.int !== null ? v.int.toString() : v.text);
  if (Array.isArray(v)) return TAG + "a" + JSON.stringify(v.map(keyOf));
  if (v instanceof ObjectValue) {
    const parts: string[] = [];
    for (const [k, [, val]] of [...v.map].sort(byFirst)) parts.push(k, keyOf(val));
    return TAG + "o" + JSON.stringify(parts);
  }
  return TAG + "S" + JSON.stringify([...v.map.keys()].sort());
}

function numberKey(n: number): string {
  if (Number.isInteger(n)) return n.toFixed(0) === "-0" ? "0" : String(n);
  return String(n);
}

const byFirst = (a: [string, unknown], b: [string, unknown]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

// ---------------------------------------------------------------------------------------------
// Collections

/** A Rego object: insertion-ordered storage, iterated in Rego key order. */
export class ObjectValue {
  /** key string -> [key, value] */
  readonly map = new Map<string, [Value, Value]>();
  private sorted: [Value, Value][] | null = null;

  static fromEntries(entries: Iterable<[Value, Value]>): ObjectValue {
    const o = new ObjectValue();
    for (const [k, v] of entries) o.set(k, v);
    return o;
  }

  get size(): number {
    return this.map.size;
  }
  get(k: Value): Value | undefined {
    return this.map.get(keyOf(k))?.[1];
  }
  /** Fast path for the common case of a string key. */
  getString(k: string): Value | undefined {
    return this.map.get(k.length > 0 && k.charCodeAt(0) === 0 ? keyOf(k) : k)?.[1];
  }
  has(k: Value): boolean {
    return this.map.has(keyOf(k));
  }
  set(k: Value, v: Value): this {
    this.map.set(keyOf(k), [k, v]);
    this.sorted = null;
    return this;
  }
  delete(k: Value): void {
    if (this.map.delete(keyOf(k))) this.sorted = null;
  }
  /** Entries in Rego order of their keys. */
  entries(): [Value, Value][] {
    if (this.sorted === null) {
      this.sorted = [...this.map.values()].sort((a, b) => compare(a[0], b[0]));
    }
    return this.sorted;
  }
  keys(): Value[] {
    return this.entries().map((e) => e[0]);
  }
  values(): Value[] {
    return this.entries().map((e) => e[1]);
  }
  copy(): ObjectValue {
    const o = new ObjectValue();
    for (const [k, e] of this.map) o.map.set(k, e);
    return o;
  }
}

/** A Rego set: iterated in Rego order. */
export class SetValue {
  readonly map = new Map<string, Value>();
  private sorted: Value[] | null = null;

  static of(items: Iterable<Value>): SetValue {
    const s = new SetValue();
    for (const v of items) s.add(v);
    return s;
  }

  get size(): number {
    return this.map.size;
  }
  has(v: Value): boolean {
    return this.map.has(keyOf(v));
  }
  add(v: Value): this {
    const k = keyOf(v);
    if (!this.map.has(k)) {
      this.map.set(k, v);
      this.sorted = null;
    }
    return this;
  }
  delete(v: Value): void {
    if (this.map.delete(keyOf(v))) this.sorted = null;
  }
  /** Members in Rego order. */
  values(): Value[] {
    if (this.sorted === null) this.sorted = [...this.map.values()].sort(compare);
    return this.sorted;
  }
  copy(): SetValue {
    const s = new SetValue();
    for (const [k, v] of this.map) s.map.set(k, v);
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// Type names, ordering and equality, as OPA defines them.

export type TypeName = "null" | "boolean" | "number" | "string" | "array" | "object" | "set";

export function typeName(v: Value): TypeName {
  switch (typeof v) {
    case "string":
      return "string";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
  }
  if (v === null) return "null";
  if (v instanceof BigNumber) return "number";
  if (Array.isArray(v)) return "array";
  if (v instanceof ObjectValue) return "object";
  return "set";
}

const RANK: Record<TypeName, number> = {
  null: 0,
  boolean: 1,
  number: 2,
  string: 3,
  array: 6,
  object: 7,
  set: 8,
};

export function compareNumbers(a: number | BigNumber, b: number | BigNumber): number {
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  const ai = toBigInt(a);
  const bi = toBigInt(b);
  if (ai !== null && bi !== null) return ai < bi ? -1 : ai > bi ? 1 : 0;
  const af = toFloat(a);
  const bf = toFloat(b);
  return af < bf ? -1 : af > bf ? 1 : 0;
}

/** Compares strings by code point, as Go compares UTF-8 bytes. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (U+D800–DFFF) encode code points above U+FFFF, which sort after U+E000–FFFF.
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? (y >= 0xe000 ? 1 : x < y ? -1 : 1) : x >= 0xe000 ? -1 : x < y ? -1 : 1;
      return x < y ? -1 : 1;
    }
  }
  return a.length - b.length < 0 ? -1 : a.length === b.length ? 0 : 1;
}

/** Total order over values: null < booleans < numbers < strings < arrays < objects < sets. */
export function compare(a: Value, b: Value): number {
  if (a === b) return 0;
  const ta = typeName(a);
  const tb = typeName(b);
  if (ta !== tb) return RANK[ta] - RANK[tb] < 0 ? -1 : 1;
  switch (ta) {
    case "null":
      return 0;
    case "boolean":
      return a === b ? 0 : a ? 1 : -1;
    case "number":
      return compareNumbers(a as number | BigNumber, b as number | BigNumber);
    case "string":
      return compareStrings(a as string, b as string);
    case "array": {
      const x = a as Value[];
      const y = b as Value[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i]!, y[i]!);
        if (c !== 0) return c;
      }
      return x.length < y.length ? -1 : x.length > y.length ? 1 : 0;
    }
    case "object": {
      const x = (a as ObjectValue).entries();
      const y = (b as ObjectValue).entries();
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i]![0], y[i]![0]);
        if (c !== 0) return c;
        const d = compare(x[i]![1], y[i]![1]);
        if (d !== 0) return d;
      }
      return x.length < y.length ? -1 : x.length > y.length ? 1 : 0;
    }
    case "set": {
      const x = (a as SetValue).values();
      const y = (b as SetValue).values();
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i]!, y[i]!);
        if (c !== 0) return c;
      }
      return x.length < y.length ? -1 : x.length > y.length ? 1 : 0;
    }
  }
}

export function equal(a: Value, b: Value): boolean {
  if (a === b) return true;
  const ta = typeof a;
  if (ta === "string" || ta === "boolean" || typeof b === "string" || typeof b === "boolean") return false;
  if (ta === "number" && typeof b === "number") return false; // NaN never occurs
  if (a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equal(a[i]!, b[i]!)) return false;
    return true;
  }
  if (a instanceof ObjectValue) {
    if (!(b instanceof ObjectValue) || a.size !== b.size) return false;
    for (const [k, [, v]] of a.map) {
      const e = b.map.get(k);
      if (e === undefined || !equal(v, e[1])) return false;
    }
    return true;
  }
  if (a instanceof SetValue) {
    if (!(b instanceof SetValue) || a.size !== b.size) return false;
    for (const k of a.map.keys()) if (!b.map.has(k)) return false;
    return true;
  }
  if (isNumber(a) && isNumber(b)) return compareNumbers(a, b) === 0;
  return false;
}

// ---------------------------------------------------------------------------------------------
// JSON and text

/** Converts parsed JSON (or YAML) to a value. Objects become ObjectValue; integers stay exact. */
export function fromJSON(x: unknown): Value {
  if (x === null || x === undefined) return null;
  switch (typeof x) {
    case "string":
    case "boolean":
      return x;
    case "number":
      return x;
    case "bigint":
      return intValue(x);
  }
  if (Array.isArray(x)) return x.map(fromJSON);
  if (x instanceof ObjectValue || x instanceof SetValue || x instanceof BigNumber) return x;
  const o = new ObjectValue();
  for (const [k, v] of Object.entries(x as Record<string, unknown>)) o.set(k, fromJSON(v));
  return o;
}

/** Converts a value to plain JSON data: sets become sorted arrays, non-string keys their text. */
export function toJSON(v: Value): unknown {
  switch (typeof v) {
    case "string":
    case "number":
    case "boolean":
      return v;
  }
  if (v === null) return null;
  if (v instanceof BigNumber) return v.int !== null && Number.isSafeInteger(Number(v.int)) ? Number(v.int) : v.approx;
  if (Array.isArray(v)) return v.map(toJSON);
  if (v instanceof ObjectValue) {
    const out: Record<string, unknown> = {};
    for (const [k, val] of v.entries()) out[typeof k === "string" ? k : toText(k)] = toJSON(val);
    return out;
  }
  return v.values().map(toJSON);
}

/** Serialises a value as JSON text, keeping big numbers exact. */
export function toJSONText(v: Value): string {
  switch (typeof v) {
    case "string":
      return JSON.stringify(v);
    case "number":
      return numberText(v);
    case "boolean":
      return v ? "true" : "false";
  }
  if (v === null) return "null";
  if (v instanceof BigNumber) return v.text;
  if (Array.isArray(v)) return "[" + v.map(toJSONText).join(",") + "]";
  if (v instanceof ObjectValue) {
    return (
      "{" +
      v
        .entries()
        .map(([k, val]) => JSON.stringify(typeof k === "string" ? k : toText(k)) + ":" + toJSONText(val))
        .join(",") +
      "}"
    );
  }
  return "[" + v.values().map(toJSONText).join(",") + "]";
}

/** OPA's text for a number: integers without exponent, others in shortest round-trip form. */
export function numberText(n: number | BigNumber): string {
  if (n instanceof BigNumber) return n.text;
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return n.toFixed(0) === "-0" ? "0" : n.toFixed(0);
  return String(n);
}

/** Rego's text form of a value: `{1, 2}` for sets, `set()` for the empty set, quoted strings. */
export function toText(v: Value): string {
  switch (typeof v) {
    case "string":
      return JSON.stringify(v);
    case "number":
      return numberText(v);
    case "boolean":
      return v ? "true" : "false";
  }
  if (v === null) return "null";
  if (v instanceof BigNumber) return v.text;
  if (Array.isArray(v)) return "[" + v.map(toText).join(", ") + "]";
  if (v instanceof ObjectValue) {
    return "{" + v.entries().map(([k, val]) => toText(k) + ": " + toText(val)).join(", ") + "}";
  }
  if (v.size === 0) return "set()";
  return "{" + v.values().map(toText).join(", ") + "}";
}
