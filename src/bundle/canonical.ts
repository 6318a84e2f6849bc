// OPA's canonical form of a structured bundle file (.manifest, data.json, data.yaml), the text
// its signature hashes cover. OPA (bundle/hash.go) parses the file with numbers kept as
// written (json.Number), then writes: objects as `{` key `:` value `,` ... `}` with keys in
// byte order, arrays as `[` ... `]`, strings and other scalars as Go's JSON encoder does
// without HTML escaping, and no whitespace anywhere. Non-JSON text is read as YAML (OPA's
// util.Unmarshal), whose numbers Go's encoder prints, like JavaScript does, shortest-first.
import { parse as parseYaml } from "yaml";
import { BundleError } from "./errors.ts";
import { comparePaths } from "./archive.ts";

/** Deeper documents are refused rather than risking the stack on hostile input. */
const MAX_DEPTH = 2000;

/** The canonical text of a JSON (or YAML) document, as OPA hashes it. Throws on malformed input. */
export function canonicalText(bytes: Uint8Array, file: string): string {
  let text = new TextDecoder("utf-8").decode(bytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // TextDecoder already strips a BOM; be explicit
  const json = tryJSON(text);
  if (json !== undefined) return json;
  let value: unknown;
  try {
    value = parseYaml(text, { intAsBigInt: true, maxAliasCount: 1000 });
  } catch (e) {
    throw new BundleError(`neither valid JSON nor YAML: ${(e as Error).message.split("\n")[0]}`, file);
  }
  return encodeValue(value, file, 0);
}

function tryJSON(text: string): string | undefined {
  const p = new JSONCanon(text);
  try {
    p.ws();
    const out = p.value(0);
    p.ws();
    if (p.i !== text.length) return undefined;
    return out;
  } catch (e) {
    if (e instanceof NotJSON) return undefined;
    throw e;
  }
}

class NotJSON extends Error {}

/** A strict JSON reader that emits canonical text directly, keeping number literals verbatim. */
class JSONCanon {
  i = 0;
  constructor(private readonly s: string) {}

  ws(): void {
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      this.i++;
    }
  }

  value(depth: number): string {
    if (depth > MAX_DEPTH) throw new BundleError(`document nested deeper than ${MAX_DEPTH} levels`);
    const c = this.s[this.i];
    if (c === "{") return this.object(depth);
    if (c === "[") return this.array(depth);
    if (c === '"') return encodeString(this.string());
    for (const lit of ["true", "false", "null"]) {
      if (this.s.startsWith(lit, this.i)) {
        this.i += lit.length;
        return lit;
      }
    }
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(this.s.slice(this.i, this.i + 4096));
    if (!m || m[0] === "" || m[0] === "-") throw new NotJSON();
    if (m[0].length === 4096) throw new BundleError("number literal longer than 4096 characters");
    this.i += m[0].length;
    return m[0];
  }

  object(depth: number): string {
    this.i++;
    const members = new Map<string, string>();
    this.ws();
    if (this.s[this.i] === "}") {
      this.i++;
      return "{}";
    }
    while (true) {
      this.ws();
      if (this.s[this.i] !== '"') throw new NotJSON();
      const key = this.string();
      this.ws();
      if (this.s[this.i++] !== ":") throw new NotJSON();
      this.ws();
      members.set(key, this.value(depth + 1)); // a repeated key keeps its last value, as Go's maps do
      this.ws();
      const c = this.s[this.i++];
      if (c === "}") break;
      if (c !== ",") throw new NotJSON();
    }
    return joinObject(members);
  }

  array(depth: number): string {
    this.i++;
    const items: string[] = [];
    this.ws();
    if (this.s[this.i] === "]") {
      this.i++;
      return "[]";
    }
    while (true) {
      this.ws();
      items.push(this.value(depth + 1));
      this.ws();
      const c = this.s[this.i++];
      if (c === "]") break;
      if (c !== ",") throw new NotJSON();
    }
    return `[${items.join(",")}]`;
  }

  /** A string literal's value; lone surrogates become U+FFFD as in Go. */
  string(): string {
    this.i++;
    let out = "";
    while (true) {
      if (this.i >= this.s.length) throw new NotJSON();
      const c = this.s.charCodeAt(this.i);
      if (c === 0x22) {
        this.i++;
        return wellFormed(out);
      }
      if (c < 0x20) throw new NotJSON();
      if (c !== 0x5c) {
        out += this.s[this.i++];
        continue;
      }
      const e = this.s[this.i + 1];
      this.i += 2;
      const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
      if (e !== undefined && e in simple) out += simple[e];
      else if (e === "u") {
        const hex = this.s.slice(this.i, this.i + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new NotJSON();
        out += String.fromCharCode(parseInt(hex, 16));
        this.i += 4;
      } else throw new NotJSON();
    }
  }
}

function joinObject(members: Map<string, string>): string {
  const keys = [...members.keys()].sort(comparePaths);
  return `{${keys.map((k) => `${encodeString(k)}:${members.get(k)}`).join(",")}}`;
}

/** Lone surrogates replaced by U+FFFD, as Go does when it decodes and encodes strings. */
function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

/** A string as Go's encoding/json writes it with SetEscapeHTML(false) (Go 1.22 and later). */
export function encodeString(s: string): string {
  let out = '"';
  for (const ch of wellFormed(s)) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (c < 0x20) {
      const short: Record<number, string> = { 0x08: "\\b", 0x0c: "\\f", 0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t" };
      out += short[c] ?? `\\u00${c.toString(16).padStart(2, "0")}`;
    } else if (c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16)}`;
    else out += ch;
  }
  return out + '"';
}

/** A parsed YAML value in canonical form (what OPA gets after converting YAML to JSON). */
function encodeValue(v: unknown, file: string, depth: number): string {
  if (depth > MAX_DEPTH) throw new BundleError(`document nested deeper than ${MAX_DEPTH} levels`, file);
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new BundleError(`unsupported value ${v} (JSON has no infinities or NaN)`, file);
    return Object.is(v, -0) ? "-0" : String(v);
  }
  if (typeof v === "string") return encodeString(v);
  if (Array.isArray(v)) return `[${v.map((x) => encodeValue(x, file, depth + 1)).join(",")}]`;
  if (v instanceof Date) return encodeString(v.toISOString());
  if (typeof v === "object") {
    const members = new Map<string, string>();
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) members.set(k, encodeValue(x, file, depth + 1));
    return joinObject(members);
  }
  throw new BundleError(`unsupported YAML value of type ${typeof v}`, file);
}
