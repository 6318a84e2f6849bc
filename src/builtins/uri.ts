// uri.parse and uri.is_valid: Go's net/url.Parse (OPA's built-ins are thin wrappers over it),
// rewritten here for the parts OPA exposes: scheme, hostname, port, path, raw_path, raw_query and
// fragment, each present only when non-empty. Userinfo is validated but dropped, as is the opaque
// part. A string net/url rejects is undefined for uri.parse and false for uri.is_valid.
import { isIPv6 } from "node:net";
import { ObjectValue, type Value } from "../values/value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { fn, str } from "./args.ts";
import { T } from "./types.ts";

/** net/url's escaping modes, as far as unescaping and validation tell them apart. */
type Mode = "path" | "host" | "zone" | "userinfo" | "fragment";

/** A string net/url rejects. */
export class URLError extends Error {}

const isHex = (c: string): boolean => /^[0-9a-fA-F]$/.test(c);
const isAlnum = (c: string): boolean => /^[A-Za-z0-9]$/.test(c);

/** What may stand unescaped in a host (RFC 3986 sub-delims, and `:[]<>"` that Go allows). */
function hostCharOK(c: string): boolean {
  return isAlnum(c) || "-_.~!$&'()*+,;=:[]<>\"".includes(c);
}

/** net/url's unescape: percent escapes decoded to bytes, read back as UTF-8. */
function unescape(s: string, mode: Mode): string {
  const bytes: number[] = [];
  const raw = Buffer.from(s, "utf8");
  for (let i = 0; i < raw.length; ) {
    const b = raw[i]!;
    if (b === 0x25) {
      const h1 = String.fromCharCode(raw[i + 1] ?? 0);
      const h2 = String.fromCharCode(raw[i + 2] ?? 0);
      if (i + 2 >= raw.length || !isHex(h1) || !isHex(h2)) throw new URLError("invalid URL escape");
      const v = parseInt(h1 + h2, 16);
      const is25 = h1 === "2" && h2 === "5";
      // In a host only %25 (or a non-ASCII byte) may be escaped; in a zone, what a host allows.
      if (mode === "host" && parseInt(h1, 16) < 8 && !is25) throw new URLError("invalid URL escape");
      if (mode === "zone" && !is25 && v !== 0x20 && v < 0x80 && !hostCharOK(String.fromCharCode(v))) throw new URLError("invalid URL escape");
      bytes.push(v);
      i += 3;
      continue;
    }
    if ((mode === "host" || mode === "zone") && b < 0x80 && !hostCharOK(String.fromCharCode(b))) throw new URLError("invalid character in host name");
    bytes.push(b);
    i++;
  }
  return Buffer.from(bytes).toString("utf8");
}

/** The default escaping of a path (Go's escape(path, encodePath)), to tell whether RawPath differs. */
function escapePath(p: string): string {
  let out = "";
  for (const b of Buffer.from(p, "utf8")) {
    const c = String.fromCharCode(b);
    if (b < 0x80 && (isAlnum(c) || "-_.~$&+,/:;=@".includes(c))) out += c;
    else out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** Go's validEncoded for paths: only characters a path may hold unescaped, and escapes. */
function validEncodedPath(s: string): boolean {
  for (const c of s) if (!(c === "%" || "!$&'()*+,;=:@[]".includes(c) || escapePath(c) === c)) return false;
  return true;
}

/** Go's URL.EscapedPath: the path as written when that is a valid spelling of it, else escaped. */
export function escapedPath(u: ParsedURL): string {
  if (u.rawPath !== "" && validEncodedPath(u.rawPath) && unescape(u.rawPath, "path") === u.path) return u.rawPath;
  if (u.path === "*") return "*";
  return escapePath(u.path);
}

const validOptionalPort = (p: string): boolean => p === "" || /^:[0-9]*$/.test(p);

function parseHost(host: string): string {
  if (host.startsWith("[")) {
    const close = host.lastIndexOf("]");
    if (close < 0) throw new URLError("missing ']' in host");
    if (!validOptionalPort(host.slice(close + 1))) throw new URLError("invalid port");
    const zone = host.slice(0, close).indexOf("%25");
    let literal: string;
    let out: string;
    if (zone >= 0) {
      const addr = unescape(host.slice(1, zone), "host");
      const zoneText = unescape(host.slice(zone, close), "zone");
      if (zoneText === "%") throw new URLError("invalid IPv6 zone"); // an empty zone
      literal = addr;
      out = "[" + addr + zoneText + unescape(host.slice(close), "host");
    } else {
      literal = unescape(host.slice(1, close), "host");
      out = "[" + literal + unescape(host.slice(close), "host");
    }
    if (!isIPv6(literal)) throw new URLError("invalid IPv6 address");
    return out;
  }
  const colon = host.lastIndexOf(":");
  if (colon >= 0 && !validOptionalPort(host.slice(colon))) throw new URLError("invalid port");
  return unescape(host, "host");
}

function validUserinfo(s: string): boolean {
  for (const c of s) if (!(c.codePointAt(0)! >= 0x80 || isAlnum(c) || "-._:~!$&'()*+,;=%@".includes(c))) return false;
  return true;
}

/** The host part of the authority, userinfo checked and dropped. */
function parseAuthority(authority: string): string {
  const at = authority.lastIndexOf("@");
  const host = parseHost(authority.slice(at + 1));
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    if (!validUserinfo(userinfo)) throw new URLError("invalid userinfo");
    unescape(userinfo, "userinfo");
  }
  return host;
}

/** Go's getScheme: a scheme is letters, then letters, digits, `+-.`, up to the first colon. */
function getScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return ["", raw];
      continue;
    }
    if (c === ":") {
      if (i === 0) throw new URLError("missing protocol scheme");
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ["", raw];
  }
  return ["", raw];
}

export interface ParsedURL {
  scheme: string;
  host: string;
  path: string;
  rawPath: string;
  rawQuery: string;
  fragment: string;
}

/** net/url.Parse, or a URLError. */
export function parseURL(input: string): ParsedURL {
  const u: ParsedURL = { scheme: "", host: "", path: "", rawPath: "", rawQuery: "", fragment: "" };
  const hash = input.indexOf("#");
  const raw = hash >= 0 ? input.slice(0, hash) : input;
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new URLError("invalid control character in URL");
  if (raw === "*") u.path = "*";
  else parseBody(raw, u);
  if (hash >= 0) u.fragment = unescape(input.slice(hash + 1), "fragment");
  return u;
}

function parseBody(raw: string, u: ParsedURL): void {
  let [scheme, rest] = getScheme(raw);
  u.scheme = scheme.toLowerCase();
  if (rest.endsWith("?") && rest.indexOf("?") === rest.length - 1) rest = rest.slice(0, -1);
  else {
    const q = rest.indexOf("?");
    if (q >= 0) [rest, u.rawQuery] = [rest.slice(0, q), rest.slice(q + 1)];
  }
  if (!rest.startsWith("/")) {
    if (u.scheme !== "") return; // opaque: not reported
    const slash = rest.indexOf("/");
    if ((slash >= 0 ? rest.slice(0, slash) : rest).includes(":")) throw new URLError("first path segment in URL cannot contain colon");
  }
  if ((u.scheme !== "" || !rest.startsWith("///")) && rest.startsWith("//")) {
    let authority = rest.slice(2);
    rest = "";
    const slash = authority.indexOf("/");
    if (slash >= 0) [authority, rest] = [authority.slice(0, slash), authority.slice(slash)];
    u.host = parseAuthority(authority);
  }
  u.path = unescape(rest, "path");
  u.rawPath = escapePath(u.path) === rest ? "" : rest;
}

/** Go's URL.Hostname and URL.Port: the host split at a valid trailing port, brackets removed. */
function splitHostPort(hostPort: string): [string, string] {
  let host = hostPort;
  let port = "";
  const colon = host.lastIndexOf(":");
  if (colon >= 0 && validOptionalPort(host.slice(colon))) [host, port] = [host.slice(0, colon), host.slice(colon + 1)];
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  return [host, port];
}

function tryParse(s: string): ParsedURL | undefined {
  try {
    return parseURL(s);
  } catch (e) {
    if (e instanceof URLError) return undefined;
    throw e;
  }
}

function uriParse(args: Value[]): Value | undefined {
  const u = tryParse(str(args, 0));
  if (!u) return undefined;
  const [hostname, port] = splitHostPort(u.host);
  const fields: [string, string][] = [
    ["scheme", u.scheme],
    ["hostname", hostname],
    ["port", port],
    ["path", u.path],
    ["raw_path", u.rawPath || u.path],
    ["raw_query", u.rawQuery],
    ["fragment", u.fragment],
  ];
  return ObjectValue.fromEntries(fields.filter(([, v]) => v !== ""));
}

export const URI: BuiltinDef[] = [
  { name: "uri.parse", signature: fn([T.string], T.objectOf(T.string, T.string)), impl: uriParse },
  {
    name: "uri.is_valid",
    signature: fn([T.string], T.boolean),
    // A non-string or the empty string answers false, as OPA's does (though RFC 3986 allows "").
    impl: ([s]) => typeof s === "string" && s !== "" && tryParse(s) !== undefined,
  },
];
