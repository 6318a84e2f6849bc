// crypto.x509.parse_certificates on certificates Go's ParseCertificate refuses or flags: malformed
// name constraints and subject alternative names fail with Go's message (as OPA reports a parse
// error: an eval_builtin_error), and a critical extension Go does not handle is listed in
// UnhandledCriticalExtensions. Certificates are built and signed here (Ed25519).
import { describe, expect, it } from "vitest";
import { failure, text } from "./call.ts";
import { bundle, certificate, dirName, dns, email, ip, ipRange, tlv, uri } from "./fixtures/name-constraints-certs.ts";

const root = certificate("Parse Root");
const seq = (...xs: Buffer[]) => tlv(0x30, ...xs);
/** A name constraints value permitting these bases. */
const permitting = (...bases: Buffer[]) => seq(tlv(0xa0, ...bases.map((b) => seq(b))));

const withConstraints = (raw: Buffer) => certificate("Parse CA", { issuer: root, ca: true, rawConstraints: raw }).pem;
const withSAN = (...san: Buffer[]) => certificate("leaf", { issuer: root, san }).pem;

const parseError = (pem: string) => failure("crypto.x509.parse_certificates", pem);
const parsed = (pem: string, field: string) => text("object.get", JSON.parse(text("crypto.x509.parse_certificates", pem))[0], field, "absent");

describe("malformed name constraints", () => {
  it("fail to parse with Go's message", () => {
    const cases: [Buffer, string][] = [
      [seq(), "x509: empty name constraints extension"],
      [seq(tlv(0xa0)), "x509: empty name constraints extension"],
      [seq(tlv(0xa0), tlv(0xa1)), "x509: empty name constraints extension"],
      [seq(tlv(0xa1, seq(dns("a.com"))), tlv(0xa0, seq(dns("b.com")))), "x509: invalid NameConstraints extension"], // out of order
      [tlv(0x31), "x509: invalid NameConstraints extension"],
      [seq(tlv(0xa0, tlv(0x31, dns("a.com")))), "x509: invalid NameConstraints extension"], // a subtree that is no SEQUENCE
      [seq(tlv(0xa0, seq())), "x509: invalid NameConstraints extension"], // a subtree without a base
      [permitting(tlv(0x87, Buffer.from([10, 0, 0, 0, 255]))), "x509: IP constraint contained value of length 5"],
      [permitting(tlv(0x87, Buffer.from([10, 0, 0, 0, 255, 0, 255, 0]))), "x509: IP constraint contained invalid mask ff00ff00"],
      [permitting(ipRange("::ffff:10.0.0.0/104")), "x509: IP constraint contained IPv4-mapped IPv6 address"],
      [permitting(dns("bad..example.com")), 'x509: failed to parse dnsName constraint "bad..example.com"'],
      [permitting(dns("example.com.")), 'x509: failed to parse dnsName constraint "example.com."'],
      [permitting(dns(".")), 'x509: failed to parse dnsName constraint "."'],
      [permitting(dns("caf\xe9.com")), 'x509: invalid constraint value: x509: "caf\\xe9.com" cannot be encoded as an IA5String'],
      [permitting(email("a..b@example.com")), 'x509: failed to parse rfc822Name constraint "a..b@example.com"'],
      [permitting(email("..example.com")), 'x509: failed to parse rfc822Name constraint "..example.com"'],
      [permitting(uri("192.0.2.1")), 'x509: failed to parse URI constraint "192.0.2.1": cannot be IP address'],
      [permitting(uri("2001:db8::1")), 'x509: failed to parse URI constraint "2001:db8::1": cannot be IP address'],
      [permitting(uri("a b.com")), 'x509: failed to parse URI constraint "a b.com"'],
    ];
    for (const [raw, message] of cases) expect([raw.toString("hex"), parseError(withConstraints(raw))]).toEqual([raw.toString("hex"), `eval_builtin_error: ${message}`]);
  });

  it("make verification false, as any parse error does", () => {
    const inter = withConstraints(permitting(ipRange("::ffff:10.0.0.0/104")));
    expect(text("crypto.x509.parse_and_verify_certificates", root.pem + inter)).toBe("[false, []]");
  });

  it("parse when Go accepts them: one empty list beside a non-empty one, a leading period, an empty domain", () => {
    const pem = withConstraints(seq(tlv(0xa0), tlv(0xa1, seq(dns(".example.com")), seq(email("")), seq(uri(".example.com")))));
    expect(parsed(pem, "PermittedDNSDomains")).toBe("null");
    expect(parsed(pem, "ExcludedDNSDomains")).toBe('[".example.com"]');
    expect(parsed(pem, "ExcludedEmailAddresses")).toBe('[""]');
    expect(parsed(pem, "ExcludedURIDomains")).toBe('[".example.com"]');
    expect(parsed(withConstraints(permitting(ipRange("2001:db8::/32"))), "PermittedIPRanges")).toBe('[{"IP": "2001:db8::", "Mask": "/////wAAAAAAAAAAAAAAAA=="}]');
  });
});

describe("UnhandledCriticalExtensions", () => {
  it("lists critical name constraints holding a form Go does not handle", () => {
    const ca = (critical: boolean, ...bases: Buffer[]) => certificate("Parse CA", { issuer: root, ca: true, constraints: { permitted: bases, critical } }).pem;
    expect(parsed(ca(true, dns("example.com"), dirName("X")), "UnhandledCriticalExtensions")).toBe("[[2, 5, 29, 30]]");
    expect(parsed(ca(true, dns("example.com"), dirName("X")), "PermittedDNSDomains")).toBe('["example.com"]');
    expect(parsed(ca(false, dirName("X")), "UnhandledCriticalExtensions")).toBe("null");
    expect(parsed(ca(true, dns("example.com")), "UnhandledCriticalExtensions")).toBe("null");
  });

  it("lists a critical SAN extension holding no name Go reads, and other unknown critical extensions", () => {
    const san = (critical: boolean, ...names: Buffer[]) => certificate("leaf", { issuer: root, san: names, sanCritical: critical }).pem;
    expect(parsed(san(true, dirName("X")), "UnhandledCriticalExtensions")).toBe("[[2, 5, 29, 17]]");
    expect(parsed(san(true, dirName("X"), dns("a.example.com")), "UnhandledCriticalExtensions")).toBe("null");
    expect(parsed(san(false, dirName("X")), "UnhandledCriticalExtensions")).toBe("null");
    const odd = certificate("leaf", { issuer: root, extensions: [{ id: "1.3.6.1.4.1.99999.7", critical: true, value: tlv(0x05) }] }).pem;
    expect(parsed(odd, "UnhandledCriticalExtensions")).toBe("[[1, 3, 6, 1, 4, 1, 99999, 7]]");
  });
});

describe("subject alternative names Go refuses", () => {
  it("fail to parse with Go's message", () => {
    const cases: [Buffer, string][] = [
      [tlv(0x87, Buffer.from([192, 0, 2, 1, 7])), "x509: cannot parse IP address of length 5"],
      [ip("::ffff:192.0.2.1"), "x509: SAN iPAddress contains IPv4-mapped IPv6 address"],
      [dns("caf\xe9.example"), "x509: SAN dNSName is malformed"],
      [email("caf\xe9@example.com"), "x509: SAN rfc822Name is malformed"],
      [uri("https://caf\xe9.example/"), "x509: SAN uniformResourceIdentifier is malformed"],
      [uri("https://exa%zzmple.com/"), 'x509: cannot parse URI "https://exa%zzmple.com/": parse "https://exa%zzmple.com/": invalid URL escape "%zz"'],
      [uri("https://exa%41mple.com/"), 'x509: cannot parse URI "https://exa%41mple.com/": parse "https://exa%41mple.com/": invalid URL escape "%41"'],
      [uri("https://exa mple.com/"), 'x509: cannot parse URI "https://exa mple.com/": parse "https://exa mple.com/": invalid character " " in host name'],
      [uri("https://example.com:port/"), 'x509: cannot parse URI "https://example.com:port/": parse "https://example.com:port/": invalid port ":port" after host'],
      [uri("http://a:b:80/"), 'x509: cannot parse URI "http://a:b:80/": parse "http://a:b:80/": invalid port ":b:80" after host'],
      [uri("https://[192.0.2.1]/"), 'x509: cannot parse URI "https://[192.0.2.1]/": parse "https://[192.0.2.1]/": invalid IP-literal'],
      [uri("https://a[::1]/"), 'x509: cannot parse URI "https://a[::1]/": parse "https://a[::1]/": invalid IP-literal'],
      [uri("https://[::1/"), `x509: cannot parse URI "https://[::1/": parse "https://[::1/": missing ']' in host`],
      [uri("https://[nope]/"), 'x509: cannot parse URI "https://[nope]/": parse "https://[nope]/": invalid host: ParseAddr("nope"): unable to parse IP'],
      [uri("https://a\x01b/"), 'x509: cannot parse URI "https://a\\x01b/": parse "https://a\\x01b/": net/url: invalid control character in URL'],
      [uri(":no-scheme"), 'x509: cannot parse URI ":no-scheme": parse ":no-scheme": missing protocol scheme'],
      [uri("1a:b"), 'x509: cannot parse URI "1a:b": parse "1a:b": first path segment in URL cannot contain colon'],
      [uri("https://us^er@example.com/"), 'x509: cannot parse URI "https://us^er@example.com/": parse "https://us^er@example.com/": net/url: invalid userinfo'],
      [uri("https://example.com/a#b%zz"), 'x509: cannot parse URI "https://example.com/a#b%zz": parse "https://example.com/a#b%zz": invalid URL escape "%zz"'],
      [uri("https://example..com/"), 'x509: cannot parse URI "https://example..com/": invalid domain'],
      [uri("https://example.com./"), 'x509: cannot parse URI "https://example.com./": invalid domain'],
    ];
    for (const [name, message] of cases) expect([name.toString("latin1"), parseError(withSAN(name))]).toEqual([name.toString("latin1"), `eval_builtin_error: ${message}`]);
    expect(text("crypto.x509.parse_and_verify_certificates", bundle(root) + withSAN(ip("::ffff:192.0.2.1")))).toBe("[false, []]");
  });

  it("parse when Go's url.Parse accepts them", () => {
    const uris = ["urn:example:com", "foo://a:b:80/", "https://[2001:db8::1]:443/p", "https://[fe80::1%25eth0]/", "https://[::ffff:192.0.2.1]/", "spiffe://Example.COM/ns", "mailto:a@b", "*", "https://user:pw@example.com/"];
    expect(parsed(withSAN(...uris.map(uri)), "URIStrings")).toBe(JSON.stringify(uris).replace(/","/g, '", "'));
    expect(parsed(withSAN(dns("trailing.example.com."), email("not a mailbox")), "DNSNames")).toBe('["trailing.example.com."]');
  });
});
