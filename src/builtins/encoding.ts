// Serialisation: JSON, YAML, base64, hex and URL query encoding. Byte-level encodings work on the
// UTF-8 bytes of strings, as Go's do; decoded bytes that are not UTF-8 read with U+FFFD for the
// bad sequences.
import * as YAML from "yaml";
import { ObjectValue, SetValue, fromJSON, type Value } from "../values/value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { builtinError, fn, obj, operandError, str } from "./args.ts";
import { JSONSyntaxError, marshal, toPlain, unmarshal } from "./jsontext.ts";
import { T } from "./types.ts";
import { firstYamlDocument, YamlSyntaxError } from "../yaml.ts";

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Returns whether `f` succeeds: the *.is_valid built-ins accept any operand and say false. */
function succeeds(f: (s: string) => unknown) {
  return ([x]: Value[]): Value => {
    if (typeof x !== "string") return false;
    try {
      f(x);
      return true;
    } catch {
      return false;
    }
  };
}

// ---------------------------------------------------------------------------------------------
// JSON

function marshalWithOptions(args: Value[]): Value {
  const options = obj(args, 1);
  let prefix = "";
  let indent = "\t";
  let pretty: boolean | undefined;
  let implied = false;
  for (const [k, v] of options.entries()) {
    if (k === "prefix" || k === "indent") {
      if (typeof v !== "string") throw operandError(2, `key ${k} failed cast to string`);
      if (k === "prefix") prefix = v;
      else indent = v;
      implied = true;
    } else if (k === "pretty") {
      if (typeof v !== "boolean") throw operandError(2, `key ${k} failed cast to bool`);
      pretty = v;
    } else {
      throw operandError(2, `object contained unknown key ${typeof k === "string" ? k : marshal(k)}`);
    }
  }
  // Setting an indent or prefix asks for pretty output unless `pretty` says otherwise.
  if (!(pretty ?? implied)) return marshal(args[0]!);
  // Go's MarshalIndent leaves the first line without the prefix; OPA adds it.
  return prefix + marshal(args[0]!, { prefix, indent });
}

function jsonUnmarshal(args: Value[]): Value {
  try {
    return unmarshal(str(args, 0));
  } catch (e) {
    if (e instanceof JSONSyntaxError) throw builtinError(e.message);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// YAML (src/yaml.ts: as Go's yaml.v2 reads it)

function yamlParse(s: string): Value {
  try {
    return fromJSON(firstYamlDocument(s));
  } catch (e) {
    if (e instanceof YamlSyntaxError) throw builtinError(`yaml: ${e.message}`);
    throw e;
  }
}

function yamlStringify(v: Value): string {
  return YAML.stringify(toPlain(v), { version: "1.1", indentSeq: false });
}

// ---------------------------------------------------------------------------------------------
// base64: Go's decoders insist on padding and skip line breaks. Errors give the byte offset at
// which Go's decoder stops, so they read as OPA's do.

const STD_ALPHABET = /^[A-Za-z0-9+/]$/;
const URL_ALPHABET = /^[A-Za-z0-9\-_]$/;

/** The bytes `s` encodes, read as Go's base64.StdEncoding (or URLEncoding) reads them. */
export function base64Bytes(s: string, url: boolean): Buffer {
  const offset = base64ErrorOffset(utf8(s), url ? URL_ALPHABET : STD_ALPHABET);
  if (offset >= 0) throw builtinError(`illegal base64 data at input byte ${offset}`);
  return Buffer.from(s.replace(/[\r\n]/g, ""), url ? "base64url" : "base64");
}

/** base64url.decode's bytes: unpadded input is padded first (RFC 7515 appendix C), as OPA does. */
export function base64UrlBytes(s: string): Buffer {
  if (!s.endsWith("=")) {
    // Go counts the length in bytes.
    const ragged = utf8(s).length % 4;
    if (ragged === 1) throw builtinError(`illegal base64url string: ${s}`);
    s += "=".repeat((4 - ragged) % 4);
  }
  return base64Bytes(s, true);
}

const isLineBreak = (b: number | undefined) => b === 0x0a || b === 0x0d;

/**
 * Where Go's decoder gives up, or -1 if it does not: it reads quanta of four characters, so a
 * quantum cut short fails at its start, and a character outside the alphabet fails where it is.
 */
function base64ErrorOffset(bytes: Uint8Array, alphabet: RegExp): number {
  let i = 0;
  for (;;) {
    for (let j = 0; j < 4; j++) {
      if (i === bytes.length) return j === 0 ? -1 : i - j;
      const b = bytes[i++]!;
      if (alphabet.test(String.fromCharCode(b))) continue;
      if (isLineBreak(b)) j--;
      else if (b !== 0x3d) return i - 1;
      else return paddingErrorOffset(bytes, i, j);
    }
  }
}

/** After a `=` at position `j` of its quantum (`i` just past it): `xx==` or `xxx=`, then the end. */
function paddingErrorOffset(bytes: Uint8Array, i: number, j: number): number {
  if (j < 2) return i - 1;
  const skipLineBreaks = () => {
    while (isLineBreak(bytes[i])) i++;
  };
  if (j === 2) {
    skipLineBreaks();
    if (i === bytes.length) return i;
    if (bytes[i] !== 0x3d) return i - 1;
    i++;
  }
  skipLineBreaks();
  return i < bytes.length ? i : -1;
}

const base64Encode = (s: string, url: boolean, padded: boolean): string => {
  const out = Buffer.from(utf8(s)).toString(url ? "base64url" : "base64");
  return url && padded ? out + "=".repeat((4 - (out.length % 4)) % 4) : out;
};

// ---------------------------------------------------------------------------------------------
// hex

function hexDecode(s: string): string {
  const bytes = utf8(s);
  const out = new Uint8Array(bytes.length >> 1);
  for (let i = 0; i < bytes.length; i++) {
    const d = hexDigit(bytes[i]!);
    if (d < 0) throw builtinError(`encoding/hex: invalid byte: ${goRuneNotation(bytes[i]!)}`);
    if (i % 2 === 1) out[i >> 1] = (hexDigit(bytes[i - 1]!) << 4) | d;
  }
  if (bytes.length % 2 === 1) throw builtinError("encoding/hex: odd length hex string");
  return text(out);
}

function hexDigit(b: number): number {
  if (b >= 48 && b <= 57) return b - 48;
  if (b >= 97 && b <= 102) return b - 87;
  if (b >= 65 && b <= 70) return b - 55;
  return -1;
}

/** Go's %#U: `U+0067 'g'`. */
function goRuneNotation(cp: number): string {
  const hex = "U+" + cp.toString(16).toUpperCase().padStart(4, "0");
  return cp >= 0x20 && cp !== 0x7f && !(cp >= 0x80 && cp < 0xa0) ? `${hex} '${String.fromCodePoint(cp)}'` : hex;
}

// ---------------------------------------------------------------------------------------------
// URL query encoding (Go's url.QueryEscape and url.QueryUnescape)

export function queryEscape(s: string): string {
  let out = "";
  for (const b of utf8(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

function queryUnescape(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "%") {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw builtinError(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c === "+") bytes.push(0x20);
    else bytes.push(...utf8(c));
  }
  return text(new Uint8Array(bytes));
}

/** `k=v&...` with keys sorted; a key with an array (or set) of strings repeats. */
function encodeObject(args: Value[]): Value {
  const o = obj(args, 0);
  const parts: string[] = [];
  const keys = o.keys().map((k) => {
    if (typeof k !== "string") throw operandError(1, "must be object of strings");
    return k;
  });
  // Keys come sorted (Rego orders strings as Go's url.Values.Encode does).
  for (const k of keys) {
    const v = o.get(k)!;
    const values = typeof v === "string" ? [v] : Array.isArray(v) ? v : v instanceof SetValue ? v.values() : undefined;
    if (values === undefined || values.some((x) => typeof x !== "string")) {
      throw operandError(1, "values must be string, array[string], or set[string]");
    }
    for (const x of values as string[]) parts.push(`${queryEscape(k)}=${queryEscape(x)}`);
  }
  return parts.join("&");
}

/** Go's url.ParseQuery: each key maps to the array of its values, in order. */
function decodeObject(args: Value[]): Value {
  const out = new ObjectValue();
  for (const part of str(args, 0).split("&")) {
    if (part === "") continue;
    if (part.includes(";")) throw builtinError("invalid semicolon separator in query");
    const eq = part.indexOf("=");
    const key = queryUnescape(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? "" : queryUnescape(part.slice(eq + 1));
    out.set(key, [...((out.get(key) as Value[] | undefined) ?? []), value]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

const STR_TO_STR = fn([T.string], T.string);
/** Declared with a string argument, as OPA declares it; any other value answers false at run time, as OPA does. */
const IS_VALID = fn([T.string], T.boolean);

export const ENCODING: BuiltinDef[] = [
  { name: "json.marshal", signature: fn([T.any], T.string), impl: ([x]) => marshal(x!) },
  {
    name: "json.marshal_with_options",
    signature: fn([T.any, { kind: "object", fields: { indent: T.string, prefix: T.string, pretty: T.boolean }, key: T.string, value: T.any }], T.string),
    impl: marshalWithOptions,
  },
  { name: "json.unmarshal", signature: fn([T.string], T.any), impl: jsonUnmarshal },
  { name: "json.is_valid", signature: IS_VALID, impl: succeeds(unmarshal) },
  { name: "yaml.marshal", signature: fn([T.any], T.string), impl: ([x]) => yamlStringify(x!) },
  { name: "yaml.unmarshal", signature: fn([T.string], T.any), impl: (args) => yamlParse(str(args, 0)) },
  { name: "yaml.is_valid", signature: IS_VALID, impl: succeeds(yamlParse) },
  { name: "base64.encode", signature: STR_TO_STR, impl: (args) => base64Encode(str(args, 0), false, true) },
  { name: "base64.decode", signature: STR_TO_STR, impl: (args) => text(base64Bytes(str(args, 0), false)) },
  { name: "base64.is_valid", signature: IS_VALID, impl: succeeds((s) => base64Bytes(s, false)) },
  { name: "base64url.encode", signature: STR_TO_STR, impl: (args) => base64Encode(str(args, 0), true, true) },
  { name: "base64url.encode_no_pad", signature: STR_TO_STR, impl: (args) => base64Encode(str(args, 0), true, false) },
  { name: "base64url.decode", signature: STR_TO_STR, impl: (args) => text(base64UrlBytes(str(args, 0))) },
  { name: "hex.encode", signature: STR_TO_STR, impl: (args) => Buffer.from(utf8(str(args, 0))).toString("hex") },
  { name: "hex.decode", signature: STR_TO_STR, impl: (args) => hexDecode(str(args, 0)) },
  { name: "urlquery.encode", signature: STR_TO_STR, impl: (args) => queryEscape(str(args, 0)) },
  { name: "urlquery.decode", signature: STR_TO_STR, impl: (args) => queryUnescape(str(args, 0)) },
  {
    name: "urlquery.encode_object",
    signature: fn([T.objectOf(T.string, T.union(T.string, T.arrayOf(T.string), T.setOf(T.string)))], T.string),
    impl: encodeObject,
  },
  {
    name: "urlquery.decode_object",
    signature: fn([T.string], T.objectOf(T.string, T.arrayOf(T.string))),
    impl: decodeObject,
  },
];
