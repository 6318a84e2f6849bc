// JSON text as Go's encoding/json reads and writes it, for json.marshal, json.unmarshal and
// friends: numbers keep their precision, object keys are sorted, and <, >, & are escaped.
import { BigNumber, ObjectValue, SetValue, isNumber, numberText, parseNumber, type Value } from "../values/value.ts";

// ---------------------------------------------------------------------------------------------
// Writing

/** Compact JSON, or indented like Go's json.MarshalIndent when `indent` is given. */
export function marshal(v: Value, indent?: { prefix: string; indent: string }): string {
  return write(v, indent, indent ? "\n" + indent.prefix : "");
}

function write(v: Value, layout: { prefix: string; indent: string } | undefined, newline: string): string {
  if (typeof v === "string") return quoteJSON(v);
  if (v === null || typeof v === "boolean") return String(v);
  if (isNumber(v)) return numberText(v);
  const inner = layout ? newline + layout.indent : "";
  const sep = layout ? ": " : ":";
  const parts =
    v instanceof ObjectValue
      ? objectMembers(v).map(([k, val]) => quoteJSON(k) + sep + write(val, layout, inner))
      : (Array.isArray(v) ? v : (v as SetValue).values()).map((x) => write(x, layout, inner));
  const [open, close] = v instanceof ObjectValue ? ["{", "}"] : ["[", "]"];
  if (parts.length === 0) return open + close;
  return open + inner + parts.join("," + inner) + newline + close;
}

/** Members with keys as JSON strings (non-string keys as their JSON text), sorted like Go's maps. */
function objectMembers(o: ObjectValue): [string, Value][] {
  return o
    .entries()
    .map(([k, v]): [string, Value] => [typeof k === "string" ? k : marshal(k), v])
    .sort(([a], [b]) => compareUTF8(a, b));
}

/** Byte order of the UTF-8 encodings, which is code point order. */
function compareUTF8(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

/** A JSON string literal with Go's escaping: control characters, <, >, &, U+2028 and U+2029. */
function quoteJSON(s: string): string {
  return (
    '"' +
    s.replace(/["\\\u0000-\u001f<>&\u2028\u2029]/g, (c) => ESCAPES[c] ?? "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0")) +
    '"'
  );
}

// ---------------------------------------------------------------------------------------------
// Reading

export class JSONSyntaxError extends Error {}

/** Parses JSON text into a value, keeping integers exact; throws JSONSyntaxError with Go's wording. */
export function unmarshal(text: string): Value {
  const p = new Parser(text);
  p.space();
  const v = p.value("looking for beginning of value");
  p.space();
  if (p.pos < text.length) throw p.unexpected("after top-level value");
  return v;
}

class Parser {
  pos = 0;
  constructor(private readonly s: string) {}

  space(): void {
    while (this.pos < this.s.length && " \t\n\r".includes(this.s[this.pos]!)) this.pos++;
  }

  unexpected(context: string): JSONSyntaxError {
    if (this.pos >= this.s.length) return new JSONSyntaxError("unexpected end of JSON input");
    const c = String.fromCodePoint(this.s.codePointAt(this.pos)!);
    const shown = c === "'" ? "\\'" : c === '"' ? '\\"' : c;
    return new JSONSyntaxError(`invalid character '${shown}' ${context}`);
  }

  value(context: string): Value {
    const c = this.s[this.pos];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    for (const [word, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (this.s.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.s.slice(this.pos));
    if (m && m[0] !== "-") {
      this.pos += m[0].length;
      return parseNumber(m[0])!;
    }
    throw this.unexpected(context);
  }

  object(): ObjectValue {
    const o = new ObjectValue();
    this.pos++;
    this.space();
    if (this.s[this.pos] === "}") {
      this.pos++;
      return o;
    }
    for (;;) {
      if (this.s[this.pos] !== '"') throw this.unexpected("looking for beginning of object key string");
      const key = this.string();
      this.space();
      if (this.s[this.pos] !== ":") throw this.unexpected("after object key");
      this.pos++;
      this.space();
      o.set(key, this.value("looking for beginning of value"));
      this.space();
      const c = this.s[this.pos++];
      if (c === "}") return o;
      if (c !== ",") {
        this.pos--;
        throw this.unexpected("after object key:value pair");
      }
      this.space();
    }
  }

  array(): Value[] {
    const a: Value[] = [];
    this.pos++;
    this.space();
    if (this.s[this.pos] === "]") {
      this.pos++;
      return a;
    }
    for (;;) {
      a.push(this.value("looking for beginning of value"));
      this.space();
      const c = this.s[this.pos++];
      if (c === "]") return a;
      if (c !== ",") {
        this.pos--;
        throw this.unexpected("after array element");
      }
      this.space();
    }
  }

  string(): string {
    const m = /^"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/.exec(this.s.slice(this.pos));
    if (!m) {
      // Find the offending character for the message.
      this.pos++;
      while (this.pos < this.s.length) {
        const c = this.s[this.pos]!;
        if (c === '"') break;
        if (c < " ") throw this.unexpected("in string literal");
        if (c === "\\") {
          this.pos++;
          if (!/["\\/bfnrtu]/.test(this.s[this.pos] ?? "")) throw this.unexpected("in string escape code");
          if (this.s[this.pos] === "u") {
            for (let i = 0; i < 4; i++) {
              this.pos++;
              if (!/[0-9a-fA-F]/.test(this.s[this.pos] ?? "")) throw this.unexpected("in \\u hexadecimal character escape");
            }
          }
        }
        this.pos++;
      }
      throw new JSONSyntaxError("unexpected end of JSON input");
    }
    this.pos += m[0].length;
    return JSON.parse(m[0]) as string;
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * Plain data for libraries (the YAML writer): objects with sorted string keys, sets as
 * arrays, big integers as bigint.
 */
export function toPlain(v: Value): unknown {
  if (v instanceof BigNumber) return v.int ?? v.approx;
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof SetValue) return v.values().map(toPlain);
  if (v instanceof ObjectValue) return Object.fromEntries(objectMembers(v).map(([k, val]) => [k, toPlain(val)]));
  return v;
}
