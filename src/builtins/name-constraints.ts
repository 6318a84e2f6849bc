// RFC 5280 section 4.2.1.10 name constraints, enforced as Go's crypto/x509 Certificate.Verify
// enforces them (the rules OPA's crypto.x509.parse_and_verify_certificates inherits):
//  - a CA candidate (intermediate or root) that carries the extension constrains the subject
//    alternative names of every certificate below it in the chain being built (the leaf and
//    the intermediates between); a certificate without a SAN extension is not checked (no
//    fallback to the subject's common name);
//  - DNS names, rfc822 names (email addresses), URIs (by their host) and IP addresses are
//    checked; other SAN forms are ignored. A SAN of a checked form that does not parse fails;
//  - a name must match no excluded subtree of its form and, when the CA lists permitted
//    subtrees of that form, at least one of them;
//  - every subtree a name is compared with counts against MaxConstraintComparisons (Go's
//    VerifyOptions.MaxConstraintComparisions, 250000 when 0), afresh for each CA candidate;
//    going past it fails that candidate;
//  - subtrees of another form (directoryName, otherName...) are not enforced: in a critical
//    extension they make it an unhandled critical extension, so that certificate verifies
//    nothing; malformed subtrees make Go's ParseCertificate fail.
// This is verify.go's counted algorithm (isValid / checkNameConstraints, each CA checked as it is
// tried). The newest Go moved the check after chain building (constraints.go), where the count
// no longer applies and URI and email host constraints without a leading period match one host.
import { isIP } from "node:net";
import { children, DerError, readOne, TAG, type Tlv } from "./der.ts";

export class NameConstraintsError extends Error {}

/** An IP subtree: the address and mask bytes (4 + 4 or 16 + 16), as Go's net.IPNet. */
interface IPNet {
  ip: Buffer;
  mask: Buffer;
}

interface Subtrees {
  dns: string[];
  email: string[];
  uri: string[];
  ip: IPNet[];
}

export interface NameConstraints {
  permitted: Subtrees;
  excluded: Subtrees;
  /** Critical, and constrains a name form Go does not support. */
  unhandledCritical: boolean;
}

/** What verification needs of a certificate: its name constraints and its SAN extension's value. */
export interface CertificateNames {
  constraints: NameConstraints | null;
  san: Buffer | null;
}

/** An extension as goCertificate lays it out (pkix.Extension). */
interface GoExtension {
  Id: number[];
  Critical: boolean;
  Value: string;
}

/** The name constraints and SANs of a certificate, from its Extensions as goCertificate gives
 * them; throws NameConstraintsError where Go's parser refuses the constraints. */
export function certificateNames(extensions: unknown): CertificateNames {
  const exts = (extensions as GoExtension[] | null) ?? [];
  const find = (id: string) => exts.find((e) => e.Id.join(".") === id);
  const nc = find("2.5.29.30");
  const san = find("2.5.29.17");
  return {
    constraints: nc ? parseNameConstraints(Buffer.from(nc.Value, "base64"), nc.Critical) : null,
    san: san ? Buffer.from(san.Value, "base64") : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Names as Go reads them (strings hold one byte a character, as Go's strings of bytes)

/** Go's domainToReverseLabels: the labels last first, or null when a label is empty (one
 * leading period is dropped) or holds a byte outside 33..126. "" has no labels. */
function reverseLabels(domain: string): string[] | null {
  if (domain === "") return [];
  const labels = domain.split(".");
  if (labels.length > 1 && labels[0] === "") labels.shift();
  if (labels.some((l) => l === "" || /[^\x21-\x7e]/.test(l))) return null;
  return labels.reverse();
}

interface Mailbox {
  local: string;
  domain: string;
}

const ATEXT = /[0-9A-Za-z!#$%&'*+\-/=?^_`{|}~.]/;

function quotedText(c: number): boolean {
  return c === 11 || c === 12 || c === 32 || c === 33 || c === 127 || (c >= 1 && c <= 8) || (c >= 14 && c <= 31) || (c >= 35 && c <= 91) || (c >= 93 && c <= 126);
}

/** Go's parseRFC2821Mailbox: a quoted string or dot-atoms (backslash escapes allowed), "@", and
 * a domain of valid labels; the local part unescaped. */
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
  return reverseLabels(domain) ? { local, domain } : null;
}

/** Go's net.ParseIP accepts it (no zone, no brackets). */
function isIPAddress(s: string): boolean {
  return !s.includes("%") && isIP(s) !== 0;
}

const lower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

// ---------------------------------------------------------------------------------------------
// Go's url.Parse, as far as verification needs it: whether it parses, and the URL's Host

/** A SAN or comparison that makes Go's check return an error: the candidate is refused. */
class Refused extends Error {}

const refuse = (): never => {
  throw new Refused();
};

/** Characters Go's shouldEscape(c, encodeHost) lets stand in a host. */
const HOST_CHAR = /[0-9A-Za-z\-_.~!$&'()*+,;=:[\]<>"]/;

/** Go's unescape: %XX escapes must be whole; in a host, only non-ASCII bytes and %25 may be
 * escaped and ASCII outside HOST_CHAR is refused. */
function unescape(s: string, host: boolean): string {
  let out = "";
  for (let i = 0; i < s.length; ) {
    if (s[i] === "%") {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) refuse();
      if (host && parseInt(hex[0]!, 16) < 8 && hex !== "25") refuse();
      out += String.fromCharCode(parseInt(hex, 16));
      i += 3;
    } else {
      if (host && s.charCodeAt(i) < 0x80 && !HOST_CHAR.test(s[i]!)) refuse();
      out += s[i++];
    }
  }
  return out;
}

const validOptionalPort = (p: string): boolean => p === "" || /^:[0-9]*$/.test(p);

/** Go's parseHost: a bracketed IPv6 literal or a host, an optional :port, unescaped. */
function parseHost(host: string): string {
  if (host.startsWith("[")) {
    const close = host.lastIndexOf("]");
    if (close < 0 || !validOptionalPort(host.slice(close + 1))) refuse();
    const zone = host.slice(0, close).indexOf("%25");
    if (zone >= 0) return unescape(host.slice(0, zone), true) + unescape(host.slice(zone, close), false) + unescape(host.slice(close), true);
  } else {
    const colon = host.lastIndexOf(":");
    if (colon >= 0 && !validOptionalPort(host.slice(colon))) refuse();
  }
  return unescape(host, true);
}

/** The scheme and what follows it, as Go's getScheme splits them. */
function splitScheme(u: string): [string, string] {
  for (let i = 0; i < u.length; i++) {
    const c = u[i]!;
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c) && i > 0) continue;
    if (c === ":") {
      if (i === 0) refuse();
      return [u.slice(0, i), u.slice(i + 1)];
    }
    break;
  }
  return ["", u];
}

/** The Host (with any port) of a URI SAN as Go's url.Parse gives it; refuses what it refuses. */
function uriHost(raw: string): string {
  const hash = raw.indexOf("#");
  const u = hash < 0 ? raw : raw.slice(0, hash);
  if (hash >= 0) unescape(raw.slice(hash + 1), false);
  if (/[\x00-\x1f\x7f]/.test(u)) refuse();
  if (u === "*") return "";
  const [scheme, afterScheme] = splitScheme(u);
  let rest = afterScheme.endsWith("?") && afterScheme.indexOf("?") === afterScheme.length - 1 ? afterScheme.slice(0, -1) : afterScheme.split("?")[0]!;
  if (!rest.startsWith("/")) {
    if (scheme !== "") return ""; // opaque
    if (rest.split("/")[0]!.includes(":")) refuse();
  }
  let host = "";
  if ((scheme !== "" || !rest.startsWith("///")) && rest.startsWith("//")) {
    let authority = rest.slice(2);
    const slash = authority.indexOf("/");
    [authority, rest] = slash < 0 ? [authority, ""] : [authority.slice(0, slash), authority.slice(slash)];
    const at = authority.lastIndexOf("@");
    host = parseHost(authority.slice(at + 1));
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      if (!/^[0-9A-Za-z\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) refuse();
      unescape(userinfo, false);
    }
  }
  unescape(rest, false);
  return host;
}

/** Go's net.SplitHostPort: the host part, brackets removed; refuses what it refuses. */
function splitHostPort(hostport: string): string {
  const colon = hostport.lastIndexOf(":");
  if (colon < 0) refuse();
  let host: string;
  let from = 0;
  let after = 0;
  if (hostport.startsWith("[")) {
    const close = hostport.indexOf("]");
    if (close < 0 || close + 1 !== colon) refuse();
    host = hostport.slice(1, close);
    [from, after] = [1, close + 1];
  } else {
    host = hostport.slice(0, colon);
    if (host.includes(":")) refuse();
  }
  if (hostport.slice(from).includes("[") || hostport.slice(after).includes("]")) refuse();
  return host;
}

// ---------------------------------------------------------------------------------------------
// Matching a name against one subtree (Go's match*Constraint; a Refused is Go's error)

/** A domain within a constraint: the constraint's labels are the domain's last ones (ASCII
 * case-insensitively); a leading period asks for at least one more label; "" matches all. */
function matchDomain(domain: string, constraint: string): boolean {
  if (constraint === "") return true;
  const labels = reverseLabels(domain) ?? refuse();
  const subdomainsOnly = constraint.startsWith(".");
  const wanted = reverseLabels(subdomainsOnly ? constraint.slice(1) : constraint) ?? refuse();
  if (labels.length < wanted.length || (subdomainsOnly && labels.length === wanted.length)) return false;
  return wanted.every((l, i) => lower(l) === lower(labels[i]!));
}

/** A constraint with "@" is one mailbox (local part exact, domain case-insensitive); any other
 * constrains the domain as a DNS constraint does. */
function matchEmail(mailbox: Mailbox, constraint: string): boolean {
  if (!constraint.includes("@")) return matchDomain(mailbox.domain, constraint);
  const c = parseMailbox(constraint) ?? refuse();
  return mailbox.local === c.local && lower(mailbox.domain) === lower(c.domain);
}

/** A URI by its host, which must be a domain name (no empty host, no IP address). */
function matchURI(host: string, constraint: string): boolean {
  if (host === "") refuse();
  const name = host.includes(":") && !host.endsWith("]") ? splitHostPort(host) : host;
  if ((name.startsWith("[") && name.endsWith("]")) || isIPAddress(name)) refuse();
  return matchDomain(name, constraint);
}

/** An address within a range of the same length (an IPv4 address is never in an IPv6 range). */
function matchIP(ip: Buffer, range: IPNet): boolean {
  return ip.length === range.ip.length && ip.every((b, i) => (b & range.mask[i]!) === (range.ip[i]! & range.mask[i]!));
}

/** The comparisons spent on one CA candidate, against the limit. */
class Budget {
  private count = 0;
  constructor(private readonly max: number) {}
  spend(n: number): void {
    this.count += n;
    if (this.count > this.max) refuse();
  }
}

/** Go's checkNameConstraints: pay for and try the excluded subtrees, then the permitted ones. */
function check<N, C>(budget: Budget, name: N, permitted: C[], excluded: C[], match: (name: N, constraint: C) => boolean): void {
  budget.spend(excluded.length);
  if (excluded.some((c) => match(name, c))) refuse();
  budget.spend(permitted.length);
  if (permitted.length > 0 && !permitted.some((c) => match(name, c))) refuse();
}

const GN = { email: 0x81, dns: 0x82, uri: 0x86, ip: 0x87 } as const;

function checkName(nc: NameConstraints, name: Tlv, budget: Budget): void {
  const { permitted: p, excluded: x } = nc;
  const s = name.body.toString("latin1");
  switch (name.tag) {
    case GN.email:
      check(budget, parseMailbox(s) ?? refuse(), p.email, x.email, matchEmail);
      break;
    case GN.dns:
      if (!reverseLabels(s)) refuse();
      check(budget, s, p.dns, x.dns, matchDomain);
      break;
    case GN.uri:
      check(budget, uriHost(s), p.uri, x.uri, matchURI);
      break;
    case GN.ip:
      if (name.body.length !== 4 && name.body.length !== 16) refuse();
      check(budget, name.body, p.ip, x.ip, matchIP);
      break;
    default:
    // other name forms are not constrained
  }
}

/** Whether a CA with these constraints may sign for the names in `sans` (the SAN extension
 * values of the certificates below it, null for one without), within `maxComparisons`
 * (0 for Go's default). */
export function permitsNames(nc: NameConstraints, sans: readonly (Buffer | null)[], maxComparisons: number): boolean {
  const budget = new Budget(maxComparisons === 0 ? 250000 : maxComparisons);
  try {
    for (const san of sans) {
      if (san) for (const name of children(readOne(san, TAG.sequence).body)) checkName(nc, name, budget);
    }
  } catch (e) {
    if (e instanceof Refused || e instanceof DerError) return false;
    throw e;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Parsing the extension as Go's parseNameConstraintsExtension does

const invalid = (detail = "invalid NameConstraints extension"): never => {
  throw new NameConstraintsError(`x509: ${detail}`);
};

/** IA5String content: ASCII only. */
function ia5(s: string): string {
  return /^[\x00-\x7f]*$/.test(s) ? s : invalid("invalid constraint value");
}

/** A domain constraint is a domain, with an optional leading period. */
function domainConstraint(s: string): boolean {
  return reverseLabels(s.startsWith(".") ? s.slice(1) : s) !== null;
}

/** Zero or more 1 bits, then 0 bits. */
function contiguousMask(mask: Buffer): boolean {
  const bits = [...mask].map((b) => b.toString(2).padStart(8, "0")).join("");
  return !bits.includes("01");
}

function ipSubtree(b: Buffer): IPNet {
  if (b.length !== 8 && b.length !== 32) invalid(`IP constraint contained value of length ${b.length}`);
  const ip = b.subarray(0, b.length / 2);
  const mask = b.subarray(b.length / 2);
  if (!contiguousMask(mask)) invalid("IP constraint contained invalid mask");
  const v4mapped = ip.length === 16 && ip.subarray(0, 10).every((x) => x === 0) && ip[10] === 0xff && ip[11] === 0xff;
  if (v4mapped) invalid("IP constraint contained IPv4-mapped IPv6 address");
  return { ip, mask };
}

/** Adds the subtrees of one side to `into`; true when one is of a form Go does not handle. */
function readSubtrees(side: Tlv | undefined, into: Subtrees): boolean {
  let unhandled = false;
  for (const subtree of side ? children(side.body) : []) {
    if (subtree.tag !== TAG.sequence) invalid();
    const base = children(subtree.body)[0] ?? invalid();
    const s = base.body.toString("latin1");
    switch (base.tag) {
      case GN.dns:
        if (!domainConstraint(ia5(s))) invalid(`failed to parse dnsName constraint ${JSON.stringify(s)}`);
        into.dns.push(s);
        break;
      case GN.ip:
        into.ip.push(ipSubtree(base.body));
        break;
      case GN.email:
        if (!(ia5(s).includes("@") ? parseMailbox(s) : domainConstraint(s))) invalid(`failed to parse rfc822Name constraint ${JSON.stringify(s)}`);
        into.email.push(s);
        break;
      case GN.uri:
        if (isIPAddress(ia5(s)) || !domainConstraint(s)) invalid(`failed to parse URI constraint ${JSON.stringify(s)}`);
        into.uri.push(s);
        break;
      default:
        unhandled = true;
    }
  }
  return unhandled;
}

/** NameConstraints ::= SEQUENCE { permittedSubtrees [0] OPTIONAL, excludedSubtrees [1] OPTIONAL },
 * at least one present and none empty. */
export function parseNameConstraints(value: Buffer, critical: boolean): NameConstraints {
  let parts: Tlv[] = [];
  try {
    parts = children(readOne(value, TAG.sequence).body);
  } catch {
    invalid();
  }
  let i = 0;
  const permittedSide = parts[i]?.tag === 0xa0 ? parts[i++] : undefined;
  const excludedSide = parts[i]?.tag === 0xa1 ? parts[i++] : undefined;
  if (i !== parts.length) invalid();
  if (!permittedSide && !excludedSide) invalid("empty name constraints extension");
  if (permittedSide?.body.length === 0 || excludedSide?.body.length === 0) invalid("empty name constraints subtree sequence");
  const permitted: Subtrees = { dns: [], email: [], uri: [], ip: [] };
  const excluded: Subtrees = { dns: [], email: [], uri: [], ip: [] };
  const unhandled = [readSubtrees(permittedSide, permitted), readSubtrees(excludedSide, excluded)].includes(true);
  return { permitted, excluded, unhandledCritical: critical && unhandled };
}
