// X.509 certificates and certificate requests laid out as Go's encoding/json prints crypto/x509's
// Certificate and CertificateRequest (what OPA's crypto.x509.* return): byte fields in standard
// base64, OIDs as arrays of ints, times in RFC 3339, big integers as numbers, absent lists as null.
// Subject alternative names and name constraints are read, and refused where Go's ParseCertificate
// refuses them, by name-constraints.ts (X509Error, with Go's message); policy mappings and the
// inhibit/require policy fields are not decoded (null / zero; see README).
import { createPublicKey } from "node:crypto";
import { children, DerError, expect, integer, oid, readOne, TAG, text, time, type Tlv } from "./der.ts";
import { parseNameConstraints, parseSubjectAltNames, type IPNet, type NameConstraints } from "./name-constraints.ts";

type Json = null | boolean | number | bigint | string | Json[] | { [k: string]: Json };

const b64 = (b: Buffer): string => b.toString("base64");
const dotted = (arcs: number[]): string => arcs.join(".");
/** Go's nil slice for an empty list. */
const orNull = <T>(xs: T[]): T[] | null => (xs.length ? xs : null);

/** Go's x509.SignatureAlgorithm numbers, by OID (RSA-PSS is resolved from its hash parameter). */
const SIGNATURE_ALGORITHMS: Record<string, number> = {
  "1.2.840.113549.1.1.2": 1,
  "1.2.840.113549.1.1.4": 2,
  "1.2.840.113549.1.1.5": 3,
  "1.2.840.113549.1.1.11": 4,
  "1.2.840.113549.1.1.12": 5,
  "1.2.840.113549.1.1.13": 6,
  "1.2.840.10040.4.3": 7,
  "2.16.840.1.101.3.4.3.2": 8,
  "1.2.840.10045.4.1": 9,
  "1.2.840.10045.4.3.2": 10,
  "1.2.840.10045.4.3.3": 11,
  "1.2.840.10045.4.3.4": 12,
  "1.3.101.112": 16,
};
const PSS_BY_HASH: Record<string, number> = { "2.16.840.1.101.3.4.2.1": 13, "2.16.840.1.101.3.4.2.2": 14, "2.16.840.1.101.3.4.2.3": 15 };

/** Go's x509.PublicKeyAlgorithm numbers. */
const PUBLIC_KEY_ALGORITHMS: Record<string, number> = {
  "1.2.840.113549.1.1.1": 1,
  "1.2.840.10040.4.1": 2,
  "1.2.840.10045.2.1": 3,
  "1.3.101.112": 4,
};

/** Go's x509.ExtKeyUsage numbers. */
export const EXT_KEY_USAGES: Record<string, number> = {
  "2.5.29.37.0": 0,
  "1.3.6.1.5.5.7.3.1": 1,
  "1.3.6.1.5.5.7.3.2": 2,
  "1.3.6.1.5.5.7.3.3": 3,
  "1.3.6.1.5.5.7.3.4": 4,
  "1.3.6.1.5.5.7.3.5": 5,
  "1.3.6.1.5.5.7.3.6": 6,
  "1.3.6.1.5.5.7.3.7": 7,
  "1.3.6.1.5.5.7.3.8": 8,
  "1.3.6.1.5.5.7.3.9": 9,
  "1.3.6.1.4.1.311.10.3.3": 10,
  "2.16.840.1.113730.4.1": 11,
  "1.3.6.1.4.1.311.2.1.22": 12,
  "1.3.6.1.4.1.311.61.1.1": 13,
};

/** pkix.Name's typed fields, by attribute OID; `list` ones collect every value. */
const NAME_FIELDS: Record<string, { field: string; list: boolean }> = {
  "2.5.4.6": { field: "Country", list: true },
  "2.5.4.10": { field: "Organization", list: true },
  "2.5.4.11": { field: "OrganizationalUnit", list: true },
  "2.5.4.7": { field: "Locality", list: true },
  "2.5.4.8": { field: "Province", list: true },
  "2.5.4.9": { field: "StreetAddress", list: true },
  "2.5.4.17": { field: "PostalCode", list: true },
  "2.5.4.5": { field: "SerialNumber", list: false },
  "2.5.4.3": { field: "CommonName", list: false },
};

function signatureAlgorithm(alg: Tlv): number {
  const [id, params] = children(alg.body);
  const name = dotted(oid(expect(id, TAG.oid)));
  if (name !== "1.2.840.113549.1.1.10") return SIGNATURE_ALGORITHMS[name] ?? 0;
  // RSASSA-PSS-params: [0] hashAlgorithm (default SHA-1, which Go does not support).
  const hash = params ? children(params.body).find((c) => c.tag === 0xa0) : undefined;
  if (!hash) return 0;
  const hid = children(readOne(hash.body, TAG.sequence).body)[0];
  return PSS_BY_HASH[dotted(oid(expect(hid, TAG.oid)))] ?? 0;
}

/** pkix.Name from an RDNSequence. */
export function goName(name: Tlv): Record<string, Json> {
  const out: Record<string, Json> = {
    Country: null, Organization: null, OrganizationalUnit: null, Locality: null, Province: null,
    StreetAddress: null, PostalCode: null, SerialNumber: "", CommonName: "", Names: null, ExtraNames: null,
  };
  const names: Json[] = [];
  for (const rdn of children(expect(name, TAG.sequence).body)) {
    for (const atv of children(expect(rdn, TAG.set).body)) {
      const [t, v] = children(expect(atv, TAG.sequence).body);
      const type = oid(expect(t, TAG.oid));
      if (!v) throw new DerError("attribute without value");
      const value = text(v);
      names.push({ Type: type, Value: value });
      const f = NAME_FIELDS[dotted(type)];
      if (!f) continue;
      if (f.list) out[f.field] = [...((out[f.field] as Json[] | null) ?? []), value];
      else out[f.field] = value;
    }
  }
  out.Names = names.length ? names : [];
  return out;
}

/** The public key as Go marshals it: rsa.PublicKey {N, E}, ecdsa.PublicKey {Curve, X, Y}, ed25519 bytes. */
function goPublicKey(spki: Tlv, algorithm: number): Json {
  if (algorithm === 0 || algorithm === 2) return null;
  const jwk = createPublicKey({ key: spki.raw, format: "der", type: "spki" }).export({ format: "jwk" });
  const big = (s: string | undefined): bigint => BigInt("0x" + (Buffer.from(s ?? "", "base64url").toString("hex") || "0"));
  if (algorithm === 1) return { N: big(jwk.n), E: Number(big(jwk.e)) };
  if (algorithm === 3) return { Curve: {}, X: big(jwk.x), Y: big(jwk.y) };
  return b64(Buffer.from(jwk.x ?? "", "base64url"));
}

function ipText(b: Buffer): string {
  if (b.length === 4) return [...b].join(".");
  if (b.length !== 16) return "?" + b.toString("hex");
  if (b.subarray(0, 12).equals(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]))) return [...b.subarray(12)].join(".");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return new URL(`http://[${groups.join(":")}]`).hostname.slice(1, -1);
}

/** *url.URL as Go marshals it (the exported fields). */
function goURL(s: string): Json {
  let u: URL | undefined;
  try {
    u = new URL(s);
  } catch {
    u = undefined;
  }
  const scheme = u?.protocol.replace(/:$/, "") ?? "";
  const opaque = u && !s.slice(scheme.length + 1).startsWith("/") ? s.slice(scheme.length + 1) : "";
  return {
    Scheme: scheme, Opaque: opaque, User: null, Host: opaque ? "" : (u?.host ?? ""), Path: opaque ? "" : decodeURIComponent(u?.pathname ?? s),
    RawPath: "", OmitHost: false, ForceQuery: false, RawQuery: u?.search.replace(/^\?/, "") ?? "", Fragment: u?.hash.replace(/^#/, "") ?? "", RawFragment: "",
  };
}

interface SubjectAltNames {
  DNSNames: string[] | null;
  EmailAddresses: string[] | null;
  IPAddresses: string[] | null;
  URIs: Json[] | null;
  uriStrings: string[] | null;
  /** The extension is present and holds none of these forms (Go then treats it as unhandled). */
  empty: boolean;
}

/** The SAN extension as Go's fields; throws X509Error where Go's parser refuses it. */
function altNames(value: Buffer | undefined): SubjectAltNames {
  const san = value ? parseSubjectAltNames(value) : { dns: [], email: [], ip: [], uri: [] };
  return {
    DNSNames: orNull(san.dns),
    EmailAddresses: orNull(san.email),
    IPAddresses: orNull(san.ip.map(ipText)),
    URIs: orNull(san.uri.map(goURL)),
    uriStrings: orNull(san.uri),
    empty: value !== undefined && san.dns.length + san.email.length + san.ip.length + san.uri.length === 0,
  };
}

/** The extensions Go decodes into typed fields, by OID. */
const HANDLED = new Set(["2.5.29.15", "2.5.29.19", "2.5.29.17", "2.5.29.37", "2.5.29.14", "2.5.29.35", "2.5.29.31", "1.3.6.1.5.5.7.1.1", "2.5.29.32", "2.5.29.30", "2.5.29.36", "2.5.29.54", "2.5.29.33"]);

/** Go's UnhandledCriticalExtensions: the critical extensions it does not decode, a SAN extension
 * with no name of a form it reads, and name constraints with a subtree of a form it does not
 * handle. */
function unhandledCritical(exts: Extension[], san: SubjectAltNames, constraints: NameConstraints | null): number[][] | null {
  const unhandled = exts.filter((e) => e.critical && (!HANDLED.has(e.id) || (e.id === "2.5.29.17" && san.empty) || (e.id === "2.5.29.30" && constraints?.unhandled)));
  return unhandled.length ? unhandled.map((e) => e.arcs) : null;
}

interface Extension {
  id: string;
  arcs: number[];
  critical: boolean;
  value: Buffer;
}

function extensionsOf(seq: Tlv | undefined): Extension[] {
  if (!seq) return [];
  return children(expect(seq, TAG.sequence).body).map((e) => {
    const parts = children(expect(e, TAG.sequence).body);
    const arcs = oid(expect(parts[0], TAG.oid));
    const critical = parts.length === 3 && parts[1]!.tag === TAG.boolean && parts[1]!.body[0] !== 0;
    return { id: dotted(arcs), arcs, critical, value: expect(parts[parts.length - 1], TAG.octetString).body };
  });
}

/** The fields Go fills from the extensions (Certificate). */
function extensionFields(exts: Extension[], constraints: NameConstraints | null): Record<string, Json> {
  const by = new Map(exts.map((e) => [e.id, e.value]));
  const out: Record<string, Json> = {
    KeyUsage: 0, ExtKeyUsage: null, UnknownExtKeyUsage: null, BasicConstraintsValid: false, IsCA: false, MaxPathLen: 0, MaxPathLenZero: false,
    SubjectKeyId: null, AuthorityKeyId: null, OCSPServer: null, IssuingCertificateURL: null, CRLDistributionPoints: null, PolicyIdentifiers: null, Policies: null,
    PermittedDNSDomainsCritical: false, PermittedDNSDomains: null, ExcludedDNSDomains: null, PermittedIPRanges: null, ExcludedIPRanges: null,
    PermittedEmailAddresses: null, ExcludedEmailAddresses: null, PermittedURIDomains: null, ExcludedURIDomains: null,
  };
  const ku = by.get("2.5.29.15");
  if (ku) {
    const bits = readOne(ku, TAG.bitString).body;
    let usage = 0;
    for (let i = 0; i < (bits.length - 1) * 8 && i < 9; i++) if (bits[1 + (i >> 3)]! & (0x80 >> (i & 7))) usage |= 1 << i;
    out.KeyUsage = usage;
  }
  const bc = by.get("2.5.29.19");
  if (bc) {
    const parts = children(readOne(bc, TAG.sequence).body);
    out.BasicConstraintsValid = true;
    out.IsCA = parts[0]?.tag === TAG.boolean && parts[0].body[0] !== 0;
    const len = parts.find((p) => p.tag === TAG.integer);
    out.MaxPathLen = len ? Number(integer(len)) : -1;
    out.MaxPathLenZero = out.MaxPathLen === 0;
  }
  const eku = by.get("2.5.29.37");
  if (eku) {
    for (const u of children(readOne(eku, TAG.sequence).body)) {
      const arcs = oid(expect(u, TAG.oid));
      const known = EXT_KEY_USAGES[dotted(arcs)];
      if (known !== undefined) out.ExtKeyUsage = [...((out.ExtKeyUsage as Json[] | null) ?? []), known];
      else out.UnknownExtKeyUsage = [...((out.UnknownExtKeyUsage as Json[] | null) ?? []), arcs];
    }
  }
  const ski = by.get("2.5.29.14");
  if (ski) out.SubjectKeyId = b64(readOne(ski, TAG.octetString).body);
  const aki = by.get("2.5.29.35");
  if (aki) {
    const id = children(readOne(aki, TAG.sequence).body).find((c) => c.tag === 0x80);
    if (id) out.AuthorityKeyId = b64(id.body);
  }
  const aia = by.get("1.3.6.1.5.5.7.1.1");
  if (aia) {
    for (const ad of children(readOne(aia, TAG.sequence).body)) {
      const [method, location] = children(ad.body);
      if (location?.tag !== 0x86) continue;
      const m = dotted(oid(expect(method, TAG.oid)));
      const key = m === "1.3.6.1.5.5.7.48.1" ? "OCSPServer" : m === "1.3.6.1.5.5.7.48.2" ? "IssuingCertificateURL" : undefined;
      if (key) out[key] = [...((out[key] as Json[] | null) ?? []), location.body.toString("latin1")];
    }
  }
  const crl = by.get("2.5.29.31");
  if (crl) {
    for (const dp of children(readOne(crl, TAG.sequence).body)) {
      const name = children(dp.body).find((c) => c.tag === 0xa0);
      const full = name && children(name.body).find((c) => c.tag === 0xa0);
      for (const g of full ? children(full.body) : []) {
        if (g.tag === 0x86) out.CRLDistributionPoints = [...((out.CRLDistributionPoints as Json[] | null) ?? []), g.body.toString("latin1")];
      }
    }
  }
  const nc = exts.find((e) => e.id === "2.5.29.30");
  if (nc && constraints) Object.assign(out, nameConstraintFields(constraints, nc.critical));
  const policies = by.get("2.5.29.32");
  if (policies) {
    const ids = children(readOne(policies, TAG.sequence).body).map((p) => oid(expect(children(p.body)[0], TAG.oid)));
    out.PolicyIdentifiers = ids;
    out.Policies = ids.map(dotted);
  }
  return out;
}

/** net.IPNet as Go marshals it: the IP as text, the mask as base64 bytes. */
const ipNet = (n: IPNet): Json => ({ IP: ipText(n.ip), Mask: b64(n.mask) });

/** The name constraints as Go's Permitted* / Excluded* fields (null where a list is empty). */
function nameConstraintFields(nc: NameConstraints, critical: boolean): Record<string, Json> {
  const out: Record<string, Json> = { PermittedDNSDomainsCritical: critical };
  for (const [side, trees] of [["Permitted", nc.permitted], ["Excluded", nc.excluded]] as const) {
    out[side + "DNSDomains"] = orNull(trees.dns);
    out[side + "IPRanges"] = orNull(trees.ip.map(ipNet));
    out[side + "EmailAddresses"] = orNull(trees.email);
    out[side + "URIDomains"] = orNull(trees.uri);
  }
  return out;
}

function goExtensions(exts: Extension[]): Json {
  return exts.length ? exts.map((e) => ({ Id: e.arcs, Critical: e.critical, Value: b64(e.value) })) : null;
}

/** A DER certificate as Go's x509.Certificate marshals, plus OPA's URIStrings. */
export function goCertificate(der: Buffer): Record<string, Json> {
  const [tbs, alg, sig] = children(readOne(der, TAG.sequence).body);
  const f = children(expect(tbs, TAG.sequence).body);
  let i = 0;
  const version = f[0]?.tag === 0xa0 ? Number(integer(readOne(f[i++]!.body, TAG.integer))) + 1 : 1;
  const serial = integer(expect(f[i++], TAG.integer));
  i++; // the signature algorithm again, inside the signed part
  const issuer = expect(f[i++], TAG.sequence);
  const [notBefore, notAfter] = children(expect(f[i++], TAG.sequence).body);
  const subject = expect(f[i++], TAG.sequence);
  const spki = expect(f[i++], TAG.sequence);
  const extensions = f.slice(i).find((t) => t.tag === 0xa3);
  const exts = extensionsOf(extensions ? readOne(extensions.body) : undefined);
  const keyAlg = PUBLIC_KEY_ALGORITHMS[dotted(oid(expect(children(expect(children(spki.body)[0], TAG.sequence).body)[0], TAG.oid)))] ?? 0;
  const san = altNames(exts.find((e) => e.id === "2.5.29.17")?.value);
  const ncValue = exts.find((e) => e.id === "2.5.29.30")?.value;
  const constraints = ncValue ? parseNameConstraints(ncValue) : null;
  return {
    Raw: b64(der),
    RawTBSCertificate: b64(tbs!.raw),
    RawSubjectPublicKeyInfo: b64(spki.raw),
    RawSubject: b64(subject.raw),
    RawIssuer: b64(issuer.raw),
    Signature: b64(expect(sig, TAG.bitString).body.subarray(1)),
    SignatureAlgorithm: signatureAlgorithm(expect(alg, TAG.sequence)),
    PublicKeyAlgorithm: keyAlg,
    PublicKey: goPublicKey(spki, keyAlg),
    Version: version,
    SerialNumber: serial,
    Issuer: goName(issuer),
    Subject: goName(subject),
    NotBefore: time(notBefore!),
    NotAfter: time(notAfter!),
    Extensions: goExtensions(exts),
    ExtraExtensions: null,
    UnhandledCriticalExtensions: unhandledCritical(exts, san, constraints),
    ...extensionFields(exts, constraints),
    DNSNames: san.DNSNames,
    EmailAddresses: san.EmailAddresses,
    IPAddresses: san.IPAddresses,
    URIs: san.URIs,
    URIStrings: san.uriStrings,
    InhibitAnyPolicy: 0,
    InhibitAnyPolicyZero: false,
    InhibitPolicyMapping: 0,
    InhibitPolicyMappingZero: false,
    RequireExplicitPolicy: 0,
    RequireExplicitPolicyZero: false,
    PolicyMappings: null,
  };
}

/** A DER PKCS #10 request as Go's x509.CertificateRequest marshals. */
export function goCertificateRequest(der: Buffer): Record<string, Json> {
  const [info, alg, sig] = children(readOne(der, TAG.sequence).body);
  const [version, subject, spki, attrs] = children(expect(info, TAG.sequence).body);
  const keyAlg = PUBLIC_KEY_ALGORITHMS[dotted(oid(expect(children(expect(children(expect(spki, TAG.sequence).body)[0], TAG.sequence).body)[0], TAG.oid)))] ?? 0;
  let exts: Extension[] = [];
  const attributes: Json[] = [];
  for (const a of attrs?.tag === 0xa0 ? children(attrs.body) : []) {
    const [type, values] = children(expect(a, TAG.sequence).body);
    const arcs = oid(expect(type, TAG.oid));
    if (dotted(arcs) === "1.2.840.113549.1.9.14") {
      const set = children(expect(values, TAG.set).body);
      exts = exts.concat(extensionsOf(set[0]));
      attributes.push({ Type: arcs, Value: set.map((s) => children(s.body).map((e) => {
        const p = children(e.body);
        return { Type: oid(p[0]!), Value: b64(p[p.length - 1]!.body) };
      })) });
    }
  }
  const san = altNames(exts.find((e) => e.id === "2.5.29.17")?.value);
  return {
    Raw: b64(der),
    RawTBSCertificateRequest: b64(info!.raw),
    RawSubjectPublicKeyInfo: b64(spki!.raw),
    RawSubject: b64(expect(subject, TAG.sequence).raw),
    Version: Number(integer(expect(version, TAG.integer))),
    Signature: b64(expect(sig, TAG.bitString).body.subarray(1)),
    SignatureAlgorithm: signatureAlgorithm(expect(alg, TAG.sequence)),
    PublicKeyAlgorithm: keyAlg,
    PublicKey: goPublicKey(spki!, keyAlg),
    Subject: goName(subject!),
    Attributes: attributes.length ? attributes : null,
    Extensions: goExtensions(exts),
    ExtraExtensions: null,
    DNSNames: san.DNSNames,
    EmailAddresses: san.EmailAddresses,
    IPAddresses: san.IPAddresses,
    URIs: san.URIs,
  };
}
