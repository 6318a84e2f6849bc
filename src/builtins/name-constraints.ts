// Subject alternative names and RFC 5280 section 4.2.1.10 name constraints as Go's crypto/x509
// reads and enforces them, in the Go release current OPA is built with: ParseCertificate's
// refusals (parseSubjectAltNames, parseNameConstraints) and Certificate.Verify's check of a
// built chain (chainPermitsNames), which OPA's crypto.x509.parse_and_verify_certificates(_with_options)
// inherit.
//
// Which Go: OPA's main branch moved its build to Go 1.27.0 (open-policy-agent/opa#9051,
// 2026-08-20) and 1.27.1 (#9136, 2026-09-02), so the newest OPA release, v1.23.0 (2026-11-26), is
// built with Go 1.27; OPA releases since v1.15.0 were built with Go 1.26.1 or later. Go 1.26.0
// replaced verify.go's counted check of each CA candidate during chain building by constraints.go,
// run on each chain once it is built and without a comparison count: the Go 1.26.1 security
// release (CVE-2026-27137 and CVE-2026-27138, golang/go#77952 and #77953) describes its name
// constraint checks as running after chain building, in code only Go 1.26 has. Later rules
// followed here: email and URI host constraints without a leading period match one host
// (golang/go#81280, #81285, 2026-09); excluded DNS subtrees catch wildcard SANs (golang/go#76442,
// CVE-2025-61727); IPv4-mapped IPv6 addresses are refused in SANs and constraints (Go 1.27,
// golang/go#79776). The rules enforced here:
//  - chains are built first; a built chain is then refused when a name below a constraining CA
//    (intermediate or root) breaks that CA's constraints, and the search goes on to the next
//    chain. Every certificate below the CA with a SAN extension is checked (the leaf and the
//    intermediates between); one without is not (no fallback to the subject's common name); a
//    certificate's own constraints never apply to itself;
//  - DNS names, rfc822 names (email addresses), URIs (by their host) and IP addresses are checked;
//    other SAN forms are ignored. Below any constraining CA, every DNS name, mailbox domain and URI
//    host must be a valid domain, every mailbox must parse, and every URI must have a host that is
//    a domain name (not empty, not an IP address), whatever forms the CA constrains;
//  - a name must match no excluded subtree of its form and, when the CA lists permitted subtrees of
//    that form, at least one of them. Comparisons of domains are ASCII case-insensitive;
//  - DNS: a constraint matches the domain and its subdomains ("" matches all), with a leading
//    period its subdomains only; an excluded constraint also catches a wildcard SAN ("*.x") whose
//    parent domain is the constraint's parent ("*.example.com" under excluded "foo.example.com");
//  - email and URI hosts: a constraint without a leading period matches that one host, with a
//    leading period the host's subdomains ("" matches all); an email constraint with "@" matches
//    one mailbox (local part exact);
//  - IP: an address matches a range of its own length under the range's mask;
//  - subtrees of another form (directoryName, otherName...) are not enforced: in a critical
//    extension they make it an unhandled critical extension, which fails the certificate's
//    verification; malformed constraints and SANs make ParseCertificate fail.
// The work bound: Go 1.26's check counts nothing (VerifyOptions.MaxConstraintComparisions no longer
// bounds it), as its sorted and pruned constraint sets make it log-linear. Warden compares each
// name with each subtree of its form (the same verdicts), which hostile certificates can make
// quadratic, so it keeps the old bound as a safety budget: every subtree a name is compared with
// counts against MaxConstraintComparisons (250000 when 0), afresh for each constraining CA of each
// chain checked, and a chain past it is refused (the chains built are bounded in turn by Go's 100
// signature checks, in certificates.ts). Within the bound the verdict is Go's; past it Warden
// refuses a chain OPA might accept, and a negative bound refuses any chain with constraints to check.
import { isIP } from "node:net";
import { children, readOne, readTlv, TAG, type Tlv } from "./der.ts";

/** A certificate Go's ParseCertificate refuses; the message is Go's error. */
export class X509Error extends Error {}

/** An IP subtree: the address and mask bytes (4 + 4 or 16 + 16), as Go's net.IPNet. */
export interface IPNet {
  ip: Buffer;
  mask: Buffer;
}

export interface Subtrees {
  dns: string[];
  email: string[];
  uri: string[];
  ip: IPNet[];
}

export interface NameConstraints {
  permitted: Subtrees;
  excluded: Subtrees;
  /** Some subtree is of a form Go does not handle (unhandled critical when critical). */
  unhandled: boolean;
}

/** A SAN extension as Go's parseSANExtension gives it, in order within each form. */
export interface SubjectAltNames {
  dns: string[];
  email: string[];
  ip: Buffer[];
  uri: string[];
  /** Go's url.URL Host of each URI. */
  uriHosts: string[];
}

// ---------------------------------------------------------------------------------------------
// Names as Go reads them (strings hold one byte a character, as Go's strings of bytes)

/** Go's strconv.Quote for ASCII text; other bytes are written \xNN. */
function goQuote(s: string): string {
  const named: Record<string, string> = { "\x07": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v", '"': '\\"', "\\": "\\\\" };
  let out = '"';
  for (const c of s) {
    const code = c.charCodeAt(0);
    out += named[c] ?? (code >= 0x20 && code < 0x7f ? c : `\\x${code.toString(16).padStart(2, "0")}`);
  }
  return out + '"';
}

/** Go's domainNameValid: "" is valid; no trailing period; labels of bytes 33..126, none empty; a
 * constraint may have one leading period. */
export function domainNameValid(s: string, constraint: boolean): boolean {
  if (s === "") return true;
  if (s.endsWith(".")) return false;
  const name = constraint && s.startsWith(".") ? s.slice(1) : s;
  return name.split(".").every((l) => l !== "" && !/[^\x21-\x7e]/.test(l));
}

const lower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

const ia5 = (s: string): boolean => !/[^\x00-\x7f]/.test(s);

interface Mailbox {
  local: string;
  domain: string;
}

const ATEXT = /[0-9A-Za-z!#$%&'*+\-/=?^_`{|}~.]/;

function quotedText(c: number): boolean {
  return c === 11 || c === 12 || c === 32 || c === 33 || c === 127 || (c >= 1 && c <= 8) || (c >= 14 && c <= 31) || (c >= 35 && c <= 91) || (c >= 93 && c <= 126);
}

/** Go's parseRFC2821Mailbox: a quoted string or dot-atoms (backslash escapes allowed), "@", and
 * a valid domain; the local part unescaped. */
function parseMailbox(s: string): Mailbox | null {
  let local = "";
  let i = 0;
  if (s === "") return null;
  if (s[0] === '"') {
    for (i = 1; ; ) {
      if (i >= s.length) return null;
      const c = s.charCodeAt(i++);
      if (c === 0x22) break;
      if (c === 0x5c) {
        const d = s.charCodeAt(i);
        if (!(d === 11 || d === 12 || (d >= 1 && d <= 9) || (d >= 14 && d <= 127))) return null;
        local += s[i++];
      } else if (quotedText(c)) local += s[i - 1];
      else return null;
    }
  } else {
    while (i < s.length) {
      if (s[i] === "\\") {
        if (++i >= s.length) return null;
      } else if (!ATEXT.test(s[i]!)) break;
      local += s[i++];
    }
    if (local === "" || local.startsWith(".") || local.endsWith(".") || local.includes("..")) return null;
  }
  if (s[i] !== "@") return null;
  const domain = s.slice(i + 1);
  return domainNameValid(domain, false) ? { local, domain } : null;
}

/** Go's netip.ParseAddr: 4 or 6 for an address (an IPv6 one may carry a %zone), else null. */
function addrFamily(s: string): 4 | 6 | null {
  if (s.includes(":")) {
    const zone = s.indexOf("%");
    if (zone === 0 || zone === s.length - 1) return null;
    return isIP(zone > 0 ? s.slice(0, zone) : s) === 6 ? 6 : null;
  }
  return isIP(s) === 4 ? 4 : null;
}

/** Go's net.ParseIP accepts it (no zone, no brackets). */
const isIPAddress = (s: string): boolean => !s.includes("%") && isIP(s) !== 0;

// ---------------------------------------------------------------------------------------------
// Go's url.Parse, as far as certificates need it: whether it parses, and the URL's Host

class URLError extends Error {}

/** Characters Go's shouldEscape(c, encodeHost) lets stand in a host or zone. */
const HOST_CHAR = /[0-9A-Za-z\-_.~!$&'()*+,;=:[\]<>"]/;

type Escaping = "host" | "zone" | "other";

/** Go's unescape: %XX escapes must be whole; in a host only non-ASCII bytes and %25 may be
 * escaped, in a zone no byte a host must escape (but space), and both refuse other ASCII outside
 * HOST_CHAR. Throws Go's message. */
function unescape(s: string, mode: Escaping): string {
  let out = "";
  for (let i = 0; i < s.length; ) {
    if (s[i] === "%") {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new URLError(`invalid URL escape ${goQuote(s.slice(i, i + 3))}`);
      const v = parseInt(hex, 16);
      const bad = mode === "host" ? v >> 4 < 8 && hex !== "25" : mode === "zone" && hex !== "25" && v !== 0x20 && !(v < 0x80 && HOST_CHAR.test(String.fromCharCode(v)));
      if (bad) throw new URLError(`invalid URL escape ${goQuote(s.slice(i, i + 3))}`);
      out += String.fromCharCode(v);
      i += 3;
    } else {
      if (mode !== "other" && s.charCodeAt(i) < 0x80 && !HOST_CHAR.test(s[i]!)) throw new URLError(`invalid character ${goQuote(s[i]!)} in host name`);
      out += s[i++];
    }
  }
  return out;
}

const validOptionalPort = (p: string): boolean => p === "" || /^:[0-9]*$/.test(p);

/** Go's parseHost: a bracketed IPv6 literal (an IPv6 address, perhaps with a zone, and an optional
 * :port) or a host and optional :port, unescaped. The port of an http or https host starts at its
 * first colon (GODEBUG urlstrictcolons=1, Go's default since 1.26 for modules of go 1.26 on). */
function parseHost(scheme: string, host: string): string {
  const open = host.lastIndexOf("[");
  if (open > 0) throw new URLError("invalid IP-literal");
  if (open === 0) {
    const close = host.lastIndexOf("]");
    if (close < 0) throw new URLError("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) throw new URLError(`invalid port ${goQuote(colonPort)} after host`);
    const name = host.slice(1, close);
    const zone = name.indexOf("%25");
    const unescaped = zone >= 0 ? unescape(name.slice(0, zone), "host") + unescape(name.slice(zone), "zone") : unescape(name, "host");
    const family = addrFamily(unescaped);
    if (family === null) throw new URLError(`invalid host: ParseAddr(${goQuote(unescaped)}): unable to parse IP`);
    if (family === 4) throw new URLError("invalid IP-literal");
    return `[${unescaped}]${colonPort}`;
  }
  const first = host.indexOf(":");
  if (first >= 0) {
    const colonPort = host.slice(scheme === "http" || scheme === "https" ? first : host.lastIndexOf(":"));
    if (!validOptionalPort(colonPort)) throw new URLError(`invalid port ${goQuote(colonPort)} after host`);
  }
  return unescape(host, "host");
}

/** The scheme and what follows it, as Go's getScheme splits them. */
function splitScheme(u: string): [string, string] {
  for (let i = 0; i < u.length; i++) {
    const c = u[i]!;
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c) && i > 0) continue;
    if (c === ":") {
      if (i === 0) throw new URLError("missing protocol scheme");
      return [u.slice(0, i), u.slice(i + 1)];
    }
    break;
  }
  return ["", u];
}

/** Go's parse of a URL without its fragment: the Host. */
function parseURL(u: string): string {
  if (/[\x00-\x1f\x7f]/.test(u)) throw new URLError("net/url: invalid control character in URL");
  if (u === "*") return "";
  const [rawScheme, afterScheme] = splitScheme(u);
  const scheme = lower(rawScheme);
  let rest = afterScheme.endsWith("?") && afterScheme.indexOf("?") === afterScheme.length - 1 ? afterScheme.slice(0, -1) : afterScheme.split("?")[0]!;
  if (!rest.startsWith("/")) {
    if (scheme !== "") return ""; // opaque
    if (rest.split("/")[0]!.includes(":")) throw new URLError("first path segment in URL cannot contain colon");
  }
  let host = "";
  if ((scheme !== "" || !rest.startsWith("///")) && rest.startsWith("//")) {
    let authority = rest.slice(2);
    const slash = authority.indexOf("/");
    [authority, rest] = slash < 0 ? [authority, ""] : [authority.slice(0, slash), authority.slice(slash)];
    const at = authority.lastIndexOf("@");
    host = parseHost(scheme, authority.slice(at + 1));
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      if (!/^[0-9A-Za-z\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) throw new URLError("net/url: invalid userinfo");
      unescape(userinfo, "other");
    }
  }
  unescape(rest, "other");
  return host;
}

/** Go's url.Parse: the URL's Host, or URLError with Go's message. */
function urlHost(raw: string): string {
  const hash = raw.indexOf("#");
  const u = hash < 0 ? raw : raw.slice(0, hash);
  const wrap = (f: () => string, whole: string): string => {
    try {
      return f();
    } catch (e) {
      throw e instanceof URLError ? new URLError(`parse ${goQuote(whole)}: ${e.message}`) : e;
    }
  };
  const host = wrap(() => parseURL(u), u);
  if (hash >= 0) wrap(() => unescape(raw.slice(hash + 1), "other"), raw);
  return host;
}

/** Go's net.SplitHostPort: the host part, brackets removed; null where it fails. */
function splitHostPort(hostport: string): string | null {
  const colon = hostport.lastIndexOf(":");
  if (colon < 0) return null;
  let host: string;
  let from = 0;
  let after = 0;
  if (hostport.startsWith("[")) {
    const close = hostport.indexOf("]");
    if (close < 0 || close + 1 !== colon) return null;
    host = hostport.slice(1, close);
    [from, after] = [1, close + 1];
  } else {
    host = hostport.slice(0, colon);
    if (host.includes(":")) return null;
  }
  if (hostport.slice(from).includes("[") || hostport.slice(after).includes("]")) return null;
  return host;
}

// ---------------------------------------------------------------------------------------------
// Parsing, as Go's ParseCertificate does

const GN = { email: 0x81, dns: 0x82, uri: 0x86, ip: 0x87 } as const;

/** IPv4-mapped (::ffff:a.b.c.d): what Go's net.IP.To4 turns into an IPv4 address. */
const v4Mapped = (ip: Buffer): boolean => ip.length === 16 && ip.subarray(0, 10).every((x) => x === 0) && ip[10] === 0xff && ip[11] === 0xff;

/** Go's parseSANExtension: the names by form; throws X509Error where Go refuses them. */
export function parseSubjectAltNames(value: Buffer): SubjectAltNames {
  const out: SubjectAltNames = { dns: [], email: [], ip: [], uri: [], uriHosts: [] };
  let body: Buffer;
  try {
    const [seq] = readTlv(value);
    if (seq.tag !== TAG.sequence) throw new X509Error("");
    body = seq.body;
  } catch {
    throw new X509Error("x509: invalid subject alternative names");
  }
  for (let pos = 0; pos < body.length; ) {
    let name: Tlv;
    try {
      [name, pos] = readTlv(body, pos);
    } catch {
      throw new X509Error("x509: invalid subject alternative name");
    }
    const s = name.body.toString("latin1");
    switch (name.tag) {
      case GN.email:
        if (!ia5(s)) throw new X509Error("x509: SAN rfc822Name is malformed");
        out.email.push(s);
        break;
      case GN.dns:
        if (!ia5(s)) throw new X509Error("x509: SAN dNSName is malformed");
        out.dns.push(s);
        break;
      case GN.uri: {
        if (!ia5(s)) throw new X509Error("x509: SAN uniformResourceIdentifier is malformed");
        let host: string;
        try {
          host = urlHost(s);
        } catch (e) {
          throw e instanceof URLError ? new X509Error(`x509: cannot parse URI ${goQuote(s)}: ${e.message}`) : e;
        }
        if (host !== "" && !domainNameValid(host, false)) throw new X509Error(`x509: cannot parse URI ${goQuote(s)}: invalid domain`);
        out.uri.push(s);
        out.uriHosts.push(host);
        break;
      }
      case GN.ip:
        if (name.body.length !== 4 && name.body.length !== 16) throw new X509Error(`x509: cannot parse IP address of length ${name.body.length}`);
        if (v4Mapped(name.body)) throw new X509Error("x509: SAN iPAddress contains IPv4-mapped IPv6 address");
        out.ip.push(name.body);
        break;
      default:
      // other name forms are kept in the raw extension only
    }
  }
  return out;
}

const invalidValue = (s: string): never => {
  throw new X509Error(`x509: invalid constraint value: x509: ${goQuote(s)} cannot be encoded as an IA5String`);
};

/** Go's isValidIPMask: zero or more 1 bits, then 0 bits. */
function validMask(mask: Buffer): boolean {
  const bits = [...mask].map((b) => b.toString(2).padStart(8, "0")).join("");
  return !bits.includes("01");
}

function ipSubtree(b: Buffer): IPNet {
  if (b.length !== 8 && b.length !== 32) throw new X509Error(`x509: IP constraint contained value of length ${b.length}`);
  const ip = b.subarray(0, b.length / 2);
  const mask = b.subarray(b.length / 2);
  if (!validMask(mask)) throw new X509Error(`x509: IP constraint contained invalid mask ${mask.toString("hex")}`);
  if (v4Mapped(ip)) throw new X509Error("x509: IP constraint contained IPv4-mapped IPv6 address");
  return { ip, mask };
}

/** Adds the subtrees of one side to `into`; true when one is of a form Go does not handle. */
function readSubtrees(side: Buffer, into: Subtrees): boolean {
  let unhandled = false;
  for (let pos = 0; pos < side.length; ) {
    let base: Tlv;
    try {
      let subtree: Tlv;
      [subtree, pos] = readTlv(side, pos);
      if (subtree.tag !== TAG.sequence) throw new X509Error("");
      [base] = readTlv(subtree.body);
    } catch {
      throw new X509Error("x509: invalid NameConstraints extension");
    }
    const s = base.body.toString("latin1");
    switch (base.tag) {
      case GN.dns:
        if (!ia5(s)) invalidValue(s);
        if (!domainNameValid(s, true)) throw new X509Error(`x509: failed to parse dnsName constraint ${goQuote(s)}`);
        into.dns.push(s);
        break;
      case GN.ip:
        into.ip.push(ipSubtree(base.body));
        break;
      case GN.email:
        if (!ia5(s)) invalidValue(s);
        if (!(s.includes("@") ? parseMailbox(s) : domainNameValid(s, true))) throw new X509Error(`x509: failed to parse rfc822Name constraint ${goQuote(s)}`);
        into.email.push(s);
        break;
      case GN.uri:
        if (!ia5(s)) invalidValue(s);
        if (isIPAddress(s)) throw new X509Error(`x509: failed to parse URI constraint ${goQuote(s)}: cannot be IP address`);
        if (!domainNameValid(s, true)) throw new X509Error(`x509: failed to parse URI constraint ${goQuote(s)}`);
        into.uri.push(s);
        break;
      default:
        unhandled = true;
    }
  }
  return unhandled;
}

/** Go's parseNameConstraintsExtension. NameConstraints ::= SEQUENCE { permittedSubtrees [0]
 * OPTIONAL, excludedSubtrees [1] OPTIONAL }: at least one present and not both empty. */
export function parseNameConstraints(value: Buffer): NameConstraints {
  let parts: Tlv[] = [];
  try {
    parts = children(readOne(value, TAG.sequence).body);
  } catch {
    throw new X509Error("x509: invalid NameConstraints extension");
  }
  let i = 0;
  const permittedSide = parts[i]?.tag === 0xa0 ? parts[i++] : undefined;
  const excludedSide = parts[i]?.tag === 0xa1 ? parts[i++] : undefined;
  if (i !== parts.length) throw new X509Error("x509: invalid NameConstraints extension");
  if (!permittedSide?.body.length && !excludedSide?.body.length) throw new X509Error("x509: empty name constraints extension");
  const permitted: Subtrees = { dns: [], email: [], uri: [], ip: [] };
  const excluded: Subtrees = { dns: [], email: [], uri: [], ip: [] };
  const unhandled = [readSubtrees(permittedSide?.body ?? Buffer.alloc(0), permitted), readSubtrees(excludedSide?.body ?? Buffer.alloc(0), excluded)].includes(true);
  return { permitted, excluded, unhandled };
}

// ---------------------------------------------------------------------------------------------
// Verification, as Go's checkChainConstraints does on a built chain

/** What verification needs of a certificate: its name constraints and its SANs (null without
 * the extension). */
export interface CertificateNames {
  constraints: NameConstraints | null;
  san: SubjectAltNames | null;
}

/** An extension as goCertificate lays it out (pkix.Extension). */
interface GoExtension {
  Id: number[];
  Critical: boolean;
  Value: string;
}

/** The name constraints and SANs of a certificate goCertificate parsed, from its Extensions. */
export function certificateNames(extensions: unknown): CertificateNames {
  const exts = (extensions as GoExtension[] | null) ?? [];
  const value = (id: string) => {
    const e = exts.find((x) => x.Id.join(".") === id);
    return e ? Buffer.from(e.Value, "base64") : null;
  };
  const nc = value("2.5.29.30");
  const san = value("2.5.29.17");
  return { constraints: nc ? parseNameConstraints(nc) : null, san: san ? parseSubjectAltNames(san) : null };
}

/** A name Go's check refuses, or the comparison budget spent: the chain is refused. */
class Refused extends Error {}

const refuse = (): never => {
  throw new Refused();
};

/** The names of a certificate below a constraining CA, as Go prepares them; refuses URIs without a
 * domain host and mailboxes that do not parse. */
interface Names {
  dns: string[];
  email: Mailbox[];
  uriHosts: string[];
  ip: Buffer[];
}

function namesOf(san: SubjectAltNames): Names {
  const uriHosts = san.uriHosts.map((h) => {
    let host = lower(h);
    if (host === "") refuse();
    if (host.includes(":") && !host.endsWith("]")) host = splitHostPort(h) ?? refuse();
    if (addrFamily(host) !== null || (host.startsWith("[") && host.endsWith("]"))) refuse();
    return host;
  });
  const email = san.email.map((e) => {
    const m = parseMailbox(e) ?? refuse();
    return { local: m.local, domain: lower(m.domain) };
  });
  return { dns: san.dns, email, uriHosts, ip: san.ip };
}

/** Case-insensitively, `name` ends with `constraint` at a label boundary (which a leading period
 * in the constraint supplies). */
function hasSuffix(constraint: string, name: string): boolean {
  if (constraint.length > name.length || lower(name.slice(name.length - constraint.length)) !== lower(constraint)) return false;
  return constraint.startsWith(".") || name.length === constraint.length || name[name.length - constraint.length - 1] === ".";
}

/** DNS: the domain and its subdomains; with a leading period subdomains only; "" all. */
const matchDNS = (name: string, c: string): boolean => c === "" || hasSuffix(c, name);

/** The domain without its first label ("" for a single label). */
const parent = (domain: string): string => {
  const dot = domain.indexOf(".");
  return dot < 0 ? "" : domain.slice(dot);
};

/** Excluded DNS: also a wildcard SAN whose parent domain is the constraint's parent. */
const matchExcludedDNS = (name: string, c: string): boolean =>
  matchDNS(name, c) || (name.startsWith("*") && parent(lower(c)) !== "" && parent(lower(c)) === parent(lower(name)));

/** Email and URI hosts: that one host, or with a leading period its subdomains; "" all. */
const matchHost = (host: string, c: string): boolean => c === "" || ((c.startsWith(".") || c.length === host.length) && hasSuffix(c, host));

/** A constraint with "@" is one mailbox (local part exact, domain case-insensitive). */
function matchEmail(mailbox: Mailbox, c: string): boolean {
  if (!c.includes("@")) return matchHost(mailbox.domain, c);
  const m = parseMailbox(c);
  return m !== null && m.local === mailbox.local && lower(m.domain) === mailbox.domain;
}

/** An address within a range of the same length, under its mask. */
const matchIP = (ip: Buffer, range: IPNet): boolean =>
  ip.length === range.ip.length && ip.every((b, i) => (b & range.mask[i]!) === (range.ip[i]! & range.mask[i]!));

/** The comparisons spent on one constraining CA, against the limit. */
class Budget {
  private count = 0;
  constructor(private readonly max: number) {}
  spend(n: number): void {
    this.count += n;
    if (this.count > this.max) refuse();
  }
}

/** Pay for and try the excluded subtrees, then the permitted ones. */
function check<N, C>(budget: Budget, name: N, permitted: C[], excluded: C[], match: (name: N, c: C) => boolean, matchExcluded = match): void {
  budget.spend(excluded.length);
  if (excluded.some((c) => matchExcluded(name, c))) refuse();
  budget.spend(permitted.length);
  if (permitted.length > 0 && !permitted.some((c) => match(name, c))) refuse();
}

function checkNames(nc: NameConstraints, names: Names, budget: Budget): void {
  const { permitted: p, excluded: x } = nc;
  for (const ip of names.ip) check(budget, ip, p.ip, x.ip, matchIP);
  for (const d of names.dns) {
    if (!domainNameValid(d, false)) refuse();
    check(budget, d, p.dns, x.dns, matchDNS, matchExcludedDNS);
  }
  for (const h of names.uriHosts) {
    if (!domainNameValid(h, false)) refuse();
    check(budget, h, p.uri, x.uri, matchHost);
  }
  for (const m of names.email) {
    if (!domainNameValid(m.domain, false)) refuse();
    check(budget, m, p.email, x.email, matchEmail);
  }
}

/** Whether a built chain (leaf first) keeps every name below each constraining CA within that
 * CA's constraints, spending at most `maxComparisons` (0 for 250000) on each such CA. */
export function chainPermitsNames(chain: readonly CertificateNames[], maxComparisons: number): boolean {
  const limit = maxComparisons === 0 ? 250000 : maxComparisons;
  const names = new Map<number, Names>();
  try {
    for (let j = 1; j < chain.length; j++) {
      const nc = chain[j]!.constraints;
      if (!nc) continue;
      const budget = new Budget(limit);
      for (let i = 0; i < j; i++) {
        const san = chain[i]!.san;
        if (!san) continue;
        if (!names.has(i)) names.set(i, namesOf(san));
        checkNames(nc, names.get(i)!, budget);
      }
    }
  } catch (e) {
    if (e instanceof Refused) return false;
    throw e;
  }
  return true;
}
