// The `format` keyword as gojsonschema (the JSON Schema library OPA uses) checks it: one checker per
// format name, each passing any non-string value; a format it does not know always passes.
// Checkers follow its Go calls: time.Parse layouts, net.ParseIP, url.Parse, regexp.Compile.
import { parsesAs } from "./time.ts";
import { parseIP } from "./net.ts";
import { compileRE2 } from "./re2.ts";

const HOSTNAME = /^([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9])(\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9]))*$/;
const URI_TEMPLATE = /^([^{]*({[^}]*})?)*$/;
const UUID = /^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$/i;
const JSON_POINTER = /^(?:\/(?:[^~/]|~0|~1)*)*$/;
const REL_JSON_POINTER = /^(?:0|[1-9][0-9]*)(?:#|(?:\/(?:[^~/]|~0|~1)*)*)$/;

/** date-time accepts any of these Go layouts (so a bare time or date passes too). */
const DATE_TIME_LAYOUTS = ["15:04:05", "15:04:05Z07:00", "2006-01-02", "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.999999999Z07:00"];

/** An RFC 5322 address as net/mail.ParseAddress reads the common forms: `a@b` or `Name <a@b>`. */
const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\u0080-\\uffff-]+";
const DOT_ATOM = `${ATOM}(?:\\.${ATOM})*`;
const QUOTED = '"(?:[^"\\\\\\r\\n]|\\\\.)*"';
const ADDR_SPEC = `(?:${DOT_ATOM}|${QUOTED})@(?:${DOT_ATOM}|\\[[^\\[\\]\\\\]*\\])`;
const EMAIL = new RegExp(`^\\s*(?:${ADDR_SPEC}|(?:${QUOTED}|[^<>@"]*)\\s*<${ADDR_SPEC}>)\\s*$`, "u");

/** Go's url.Parse refuses control characters, malformed %-escapes outside the query, and a
 * scheme-less reference whose first path segment holds a colon. */
interface ParsedURL {
  scheme: string;
  path: string;
}

function parseURL(s: string): ParsedURL | undefined {
  if (/[\x00-\x1f\x7f]/.test(s)) return undefined;
  const [beforeFragment, fragment = ""] = splitOnce(s, "#");
  if (!validEscapes(fragment)) return undefined;
  const [rest] = splitOnce(beforeFragment, "?");
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(rest);
  if (rest.startsWith(":")) return undefined; // missing protocol scheme
  const scheme = m ? m[1]! : "";
  let path = m ? rest.slice(m[0].length) : rest;
  if (!scheme && path.split("/")[0]!.includes(":")) return undefined;
  if (path.startsWith("//")) {
    const end = path.indexOf("/", 2);
    const authority = end < 0 ? path.slice(2) : path.slice(2, end);
    if (!validAuthority(authority)) return undefined;
    path = end < 0 ? "" : path.slice(end);
  }
  return validEscapes(path) ? { scheme, path } : undefined;
}

function splitOnce(s: string, sep: string): [string, string?] {
  const i = s.indexOf(sep);
  return i < 0 ? [s] : [s.slice(0, i), s.slice(i + 1)];
}

function validEscapes(s: string): boolean {
  return !/%(?![0-9a-fA-F]{2})/.test(s);
}

function validAuthority(a: string): boolean {
  const host = a.slice(a.lastIndexOf("@") + 1);
  if (host.startsWith("[")) return /^\[[0-9a-fA-F:.]+(%[^\]]*)?\](:[0-9]*)?$/.test(host);
  const colon = host.lastIndexOf(":");
  if (colon >= 0 && !/^[0-9]*$/.test(host.slice(colon + 1))) return false;
  return validEscapes(host);
}

function isRegex(s: string): boolean {
  if (s === "") return true;
  try {
    compileRE2(s);
    return true;
  } catch {
    return false;
  }
}

const CHECKERS: Record<string, (s: string) => boolean> = {
  date: (s) => parsesAs("2006-01-02", s),
  time: (s) => parsesAs("15:04:05Z07:00", s) || parsesAs("15:04:05", s),
  "date-time": (s) => DATE_TIME_LAYOUTS.some((l) => parsesAs(l, s)),
  hostname: (s) => HOSTNAME.test(s) && s.length < 256,
  email: (s) => EMAIL.test(s),
  "idn-email": (s) => EMAIL.test(s),
  ipv4: (s) => parseIP(s) !== undefined && s.includes("."),
  ipv6: (s) => parseIP(s) !== undefined && s.includes(":"),
  uri: (s) => !!parseURL(s)?.scheme && !s.includes("\\"),
  "uri-reference": (s) => parseURL(s) !== undefined && !s.includes("\\"),
  iri: (s) => !!parseURL(s)?.scheme && !s.includes("\\"),
  "iri-reference": (s) => parseURL(s) !== undefined && !s.includes("\\"),
  "uri-template": (s) => {
    const u = parseURL(s);
    return u !== undefined && !s.includes("\\") && URI_TEMPLATE.test(u.path);
  },
  uuid: (s) => UUID.test(s),
  regex: isRegex,
  "json-pointer": (s) => JSON_POINTER.test(s),
  "relative-json-pointer": (s) => REL_JSON_POINTER.test(s),
};

/** The formats gojsonschema knows, each a check of a string. */
export const GO_FORMATS: Readonly<Record<string, (s: string) => boolean>> = CHECKERS;
