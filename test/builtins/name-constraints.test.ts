// Name constraints (RFC 5280 4.2.1.10) in crypto.x509.parse_and_verify_certificates(_with_options),
// enforced as the Go 1.26+ Certificate.Verify current OPA is built with enforces them: on real
// chains root -> intermediate -> leaf built and signed here (Ed25519), every CA's constraints
// apply to the SANs of the certificates below it once a chain is built; Warden keeps counting the
// comparisons against MaxConstraintComparisons as a safety bound.
import { describe, expect, it } from "vitest";
import { call, text } from "./call.ts";
import { bundle, certificate, dirName, dns, email, ip, ipRange, tlv, uri, type Cert, type Constraints } from "./fixtures/name-constraints-certs.ts";

const root = certificate("NC Root");

/** An intermediate under `root` (or `parent`) with these constraints. */
const ca = (constraints?: Constraints, parent: Cert = root, san?: Buffer[]) => certificate("NC Inter", { issuer: parent, ca: true, constraints, san });

const leafOf = (issuer: Cert, ...san: Buffer[]) => certificate("leaf.example.net", { issuer, san: san.length ? san : undefined });

/** Whether root -> `inter` -> a leaf with these SANs verifies. */
function verifies(inter: Cert, ...san: Buffer[]): boolean {
  const result = text("crypto.x509.parse_and_verify_certificates", bundle(root, inter, leafOf(inter, ...san)));
  if (result === "[false, []]") return false;
  expect(result.startsWith("[true, [{")).toBe(true);
  return true;
}

/** For each name, made a SAN by `form`: whether root -> an intermediate with `constraints` ->
 * a leaf with that one SAN verifies. */
function expectVerdicts(constraints: Constraints, form: (name: string) => Buffer, verdicts: Record<string, boolean>): void {
  const inter = ca(constraints);
  for (const [name, ok] of Object.entries(verdicts)) expect([name, verifies(inter, form(name))]).toEqual([name, ok]);
}

function verifiesWith(options: Record<string, unknown>, ...certs: Cert[]): boolean {
  const v = call("crypto.x509.parse_and_verify_certificates_with_options", [bundle(...certs), options]) as unknown[];
  return v[0] === true;
}

describe("chains without name constraints", () => {
  it("verify as before, whatever their SANs hold", () => {
    const inter = ca();
    expect(verifies(inter, dns("a.example.com"))).toBe(true);
    // names a constraint check would refuse to parse are not looked at without constraints
    expect(verifies(inter, dns("trailing-dot.example.com."), email("not a mailbox"), uri("urn:no-host"), ip("10.0.0.1"))).toBe(true);
    expect(verifies(inter)).toBe(true);
    const result = text("crypto.x509.parse_and_verify_certificates", bundle(root, inter, leafOf(inter, dns("a.example.com"))));
    expect(result.match(/"Subject": \{"CommonName": "([^"]+)"/g)).toEqual([
      '"Subject": {"CommonName": "leaf.example.net"',
      '"Subject": {"CommonName": "NC Inter"',
      '"Subject": {"CommonName": "NC Root"',
    ]);
  });

  it("still fail on a wrong signer", () => {
    const inter = ca();
    const stranger = certificate("NC Inter", { issuer: certificate("Other Root"), ca: true });
    expect(text("crypto.x509.parse_and_verify_certificates", bundle(root, stranger, leafOf(inter, dns("a.example.com"))))).toBe("[false, []]");
  });
});

describe("DNS name constraints", () => {
  it("permit the subtree (the name and its subdomains, case-insensitively) and nothing else", () => {
    expectVerdicts({ permitted: [dns("example.com")] }, dns, {
      "example.com": true,
      "a.b.EXAMPLE.com": true,
      "*.example.com": true,
      "notexample.com": false,
      "example.org": false,
    });
    const inter = ca({ permitted: [dns("example.com")] });
    expect(verifies(inter, dns("a.example.com"), dns("a.example.org"))).toBe(false);
  });

  it("take a leading period to mean subdomains only", () => {
    expectVerdicts({ permitted: [dns(".example.com")] }, dns, { "a.example.com": true, "example.com": false });
  });

  it("permit a name in any one of several subtrees", () => {
    const inter = ca({ permitted: [dns("example.com"), dns("example.org")] });
    expect(verifies(inter, dns("a.example.com"), dns("b.example.org"))).toBe(true);
    expect(verifies(inter, dns("a.example.net"))).toBe(false);
  });

  it("refuse an excluded subtree, even inside a permitted one", () => {
    expectVerdicts({ permitted: [dns("example.com")], excluded: [dns("bad.example.com")] }, dns, {
      "good.example.com": true,
      "bad.example.com": false,
      "x.BAD.example.com": false,
    });
    expectVerdicts({ excluded: [dns("example.com")] }, dns, { "example.org": true, "www.example.com": false });
  });

  it("leave other name forms alone, and a leaf without SANs unchecked (no common name fallback)", () => {
    const inter = ca({ permitted: [dns("example.com")] });
    expect(verifies(inter, ip("192.0.2.1"), email("a@elsewhere.org"))).toBe(true);
    expect(verifies(inter)).toBe(true); // the leaf's CN is leaf.example.net, outside the subtree
  });

  it("refuse a DNS SAN that is not a domain once constraints apply", () => {
    expectVerdicts({ excluded: [dns("example.org")] }, dns, { "trailing-dot.example.com.": false, "a..example.com": false });
  });
});

describe("email address constraints", () => {
  it("take a domain without a leading period for that one host, with one for its subdomains only", () => {
    expectVerdicts({ permitted: [email("example.com")] }, email, {
      "alice@example.com": true,
      "alice@EXAMPLE.Com": true,
      "alice@mail.example.com": false, // a subdomain: not the host (golang/go#81280)
      "alice@example.org": false,
    });
    expectVerdicts({ permitted: [email(".example.com")] }, email, {
      "alice@mail.Example.COM": true,
      "alice@a.b.example.com": true,
      "alice@example.com": false,
    });
    expectVerdicts({ permitted: [email("example.com"), email(".example.com")] }, email, { "alice@example.com": true, "alice@mail.example.com": true });
  });

  it("match a whole mailbox: the local part exactly, the domain in any case", () => {
    expectVerdicts({ permitted: [email("alice@example.com")] }, email, {
      "alice@EXAMPLE.com": true,
      '"alice"@example.com': true,
      "Alice@example.com": false,
      "bob@example.com": false,
    });
  });

  it("refuse excluded mailboxes and hosts, and SANs that are no mailbox", () => {
    expectVerdicts({ excluded: [email("mallory@example.com"), email("evil.org"), email(".worse.org")] }, email, {
      "alice@example.com": true,
      "mallory@example.com": false,
      "mallory@EXAMPLE.COM": false,
      "x@evil.org": false,
      "x@sub.evil.org": true, // "evil.org" excludes that host only
      "x@sub.worse.org": false,
      "x@worse.org": true,
      "not a mailbox": false,
      "a..b@example.com": false,
      "a@.example.com": false,
    });
  });

  it("refuse a mailbox below any constraining CA, whatever forms it constrains", () => {
    expectVerdicts({ permitted: [dns("example.com")] }, email, { "alice@anywhere.org": true, "not a mailbox": false });
  });
});

describe("IP address constraints", () => {
  it("permit and exclude IPv4 ranges by their masks", () => {
    const constraints = { permitted: [ipRange("10.0.0.0/8"), ipRange("192.168.1.0/24")], excluded: [ipRange("10.9.0.0/16")] };
    expectVerdicts(constraints, ip, { "10.1.2.3": true, "192.168.1.200": true, "11.0.0.1": false, "192.168.2.1": false, "10.9.200.1": false, "10.8.200.1": true });
    expect(verifies(ca(constraints), ip("10.1.2.3"), ip("192.168.1.200"))).toBe(true);
  });

  it("permit and exclude IPv6 ranges, never matching across address families", () => {
    expectVerdicts({ permitted: [ipRange("2001:db8::/32")], excluded: [ipRange("2001:db8:bad::/48")] }, ip, {
      "2001:db8::1": true,
      "2001:db8:ffff::1": true,
      "2001:db9::1": false,
      "2001:db8:bad::1": false,
      "192.0.2.1": false, // IPv4, and only IPv6 ranges permitted
    });
    expectVerdicts({ permitted: [ipRange("0.0.0.0/0")] }, ip, { "203.0.113.9": true, "::1": false });
  });

  it("leave DNS names alone when only IP ranges are constrained", () => {
    expect(verifies(ca({ permitted: [ipRange("10.0.0.0/8")] }), dns("anything.example"))).toBe(true);
  });
});

describe("URI constraints", () => {
  it("take a host without a leading period for that one host (port or not), with one for its subdomains", () => {
    expectVerdicts({ permitted: [uri("example.com"), uri(".example.net")], excluded: [uri(".internal.example.net")] }, uri, {
      "https://example.com/path?q=1#f": true,
      "https://EXAMPLE.com:8443/": true,
      "spiffe://api.example.com/ns/default": false, // a subdomain: not the host (golang/go#81285)
      "spiffe://api.example.net/ns/default": true,
      "https://user@www.Example.NET:8443/": true,
      "https://example.net/": false, // a leading period: subdomains only
      "https://evil.com/": false,
      "https://db.internal.example.net/": false,
    });
    expectVerdicts({ excluded: [uri("example.com")] }, uri, { "https://example.com/": false, "https://www.example.com/": true });
  });

  it("refuse URIs without a domain host below any constraining CA, whatever forms it constrains", () => {
    expectVerdicts({ permitted: [uri("example.com")] }, uri, {
      "https://192.0.2.1/": false,
      "https://[2001:db8::1]:443/": false,
      "https://[fe80::1%25eth0]/": false,
      "urn:example:com": false,
      "https://example.com:port/": false, // does not parse
    });
    expectVerdicts({ permitted: [dns("example.com")] }, uri, {
      "urn:example:com": false,
      "https://192.0.2.1/": false,
      "spiffe://anywhere.org/x": true,
      "https://exa%zzmple.com/": false, // does not parse
    });
  });
});

describe("wildcard SANs", () => {
  it("are caught by an excluded subtree with the same parent domain", () => {
    expectVerdicts({ excluded: [dns("foo.example.com")] }, dns, {
      "*.example.com": false,
      "*.EXAMPLE.com": false,
      "*.foo.example.com": false,
      "bar.example.com": true,
      "*.other.com": true,
    });
    expectVerdicts({ permitted: [dns("example.com")], excluded: [dns("secret.example.com")] }, dns, { "*.example.com": false, "*.www.example.com": true });
  });

  it("need a permitted subtree that contains them", () => {
    expectVerdicts({ permitted: [dns("foo.example.com")] }, dns, { "*.example.com": false, "*.foo.example.com": true });
  });
});

describe("constraints along the chain", () => {
  it("apply a root's constraints to the leaf below an unconstrained intermediate", () => {
    const constrainedRoot = certificate("NC Constrained Root", { constraints: { permitted: [dns("example.com")] } });
    const inter = ca(undefined, constrainedRoot);
    const run = (...san: Buffer[]) => text("crypto.x509.parse_and_verify_certificates", bundle(constrainedRoot, inter, leafOf(inter, ...san)));
    expect(run(dns("a.example.com")).startsWith("[true, [")).toBe(true);
    expect(run(dns("a.example.org"))).toBe("[false, []]");
  });

  it("apply a root's constraints to the intermediate's own SANs", () => {
    const constrainedRoot = certificate("NC Constrained Root", { constraints: { permitted: [dns("example.com")] } });
    const inside = ca(undefined, constrainedRoot, [dns("ca.example.com")]);
    const outside = ca(undefined, constrainedRoot, [dns("ca.example.org")]);
    expect(text("crypto.x509.parse_and_verify_certificates", bundle(constrainedRoot, inside, leafOf(inside, dns("a.example.com")))).startsWith("[true")).toBe(true);
    expect(text("crypto.x509.parse_and_verify_certificates", bundle(constrainedRoot, outside, leafOf(outside, dns("a.example.com"))))).toBe("[false, []]");
  });

  it("apply both CAs' constraints: the name must satisfy each", () => {
    const constrainedRoot = certificate("NC Constrained Root", { constraints: { permitted: [dns("example.com")] } });
    const inter = ca({ excluded: [dns("secret.example.com")] }, constrainedRoot);
    const run = (name: string) => text("crypto.x509.parse_and_verify_certificates", bundle(constrainedRoot, inter, leafOf(inter, dns(name))));
    expect(run("www.example.com").startsWith("[true")).toBe(true);
    expect(run("www.secret.example.com")).toBe("[false, []]");
    expect(run("www.example.org")).toBe("[false, []]");
  });

  it("are checked on a built chain: a chain refused for its names lets another one verify", () => {
    const strict = ca({ excluded: [dns("a.example.com")] });
    const lenient = certificate("NC Inter", { issuer: root, ca: true, sameKeyAs: strict, constraints: { permitted: [dns("example.com")] } });
    const leaf = leafOf(strict, dns("a.example.com"));
    expect(text("crypto.x509.parse_and_verify_certificates", bundle(root, strict, leaf))).toBe("[false, []]");
    const result = text("crypto.x509.parse_and_verify_certificates", bundle(root, strict, lenient, leaf));
    const raw = (c: Cert) => `"Raw": "${c.pem.replace(/-----[A-Z ]+-----|\n/g, "")}"`;
    expect(result.startsWith("[true, [")).toBe(true);
    expect([result.includes(raw(lenient)), result.includes(raw(strict))]).toEqual([true, false]);
  });

  it("ignore the leaf's own constraints", () => {
    const inter = ca();
    const leaf = certificate("leaf", { issuer: inter, san: [dns("a.example.org")], constraints: { permitted: [dns("example.com")] } });
    expect(text("crypto.x509.parse_and_verify_certificates", bundle(root, inter, leaf)).startsWith("[true")).toBe(true);
  });
});

describe("unsupported and malformed constraints", () => {
  it("fail on a critical constraint of a form Go does not enforce; a non-critical one is ignored", () => {
    expect(verifies(ca({ permitted: [dirName("Somewhere")], critical: true }), dns("a.example.com"))).toBe(false);
    expect(verifies(ca({ permitted: [dns("example.com")], excluded: [dirName("Somewhere")], critical: true }))).toBe(false);
    expect(verifies(ca({ permitted: [dirName("Somewhere")], critical: false }), dns("a.example.com"))).toBe(true);
    // the leaf's own unsupported critical constraint fails it too
    const inter = ca();
    const leaf = certificate("leaf", { issuer: inter, constraints: { excluded: [dirName("X")], critical: true } });
    expect(text("crypto.x509.parse_and_verify_certificates", bundle(root, inter, leaf))).toBe("[false, []]");
  });

  it("fail to verify what Go refuses to parse", () => {
    const bad = (raw: Buffer) => certificate("NC Inter", { issuer: root, ca: true, rawConstraints: raw });
    const seq = (...xs: Buffer[]) => tlv(0x30, ...xs);
    const inRange = (...bases: Buffer[]) => seq(tlv(0xa0, ...bases.map((b) => seq(b))));
    const cases = [
      seq(), // neither subtree list
      seq(tlv(0xa0)), // an empty one
      inRange(tlv(0x87, Buffer.from([10, 0, 0, 0, 255, 0, 255, 0]))), // mask not contiguous
      inRange(tlv(0x87, Buffer.from([10, 0, 0, 0, 255]))), // bad length
      inRange(dns("bad..example.com")),
      inRange(uri("192.0.2.1")),
      inRange(email("a..b@example.com")),
    ];
    for (const raw of cases) expect(verifies(bad(raw), dns("a.example.com"))).toBe(false);
    expect(verifies(bad(inRange(dns("example.com"))), dns("a.example.com"))).toBe(true);
    // an empty permitted list beside a non-empty excluded one parses: nothing is permitted-only
    expect(verifies(bad(seq(tlv(0xa0), tlv(0xa1, seq(dns("b.example.com"))))), dns("a.example.com"))).toBe(true);
  });

  it("fail on any unhandled critical extension, on the leaf or a CA", () => {
    const odd = [{ id: "1.3.6.1.4.1.99999.1", critical: true, value: tlv(0x05) }];
    const inter = certificate("NC Inter", { issuer: root, ca: true, extensions: odd });
    expect(verifies(inter, dns("a.example.com"))).toBe(false);
    const plain = ca();
    const leaf = certificate("leaf", { issuer: plain, san: [dns("a.example.com")], extensions: odd });
    expect(text("crypto.x509.parse_and_verify_certificates", bundle(root, plain, leaf))).toBe("[false, []]");
    const harmless = certificate("leaf", { issuer: plain, san: [dns("a.example.com")], extensions: [{ ...odd[0]!, critical: false }] });
    expect(text("crypto.x509.parse_and_verify_certificates", bundle(root, plain, harmless)).startsWith("[true")).toBe(true);
  });
});

describe("MaxConstraintComparisons", () => {
  // Warden's safety bound (Go 1.26+ no longer counts; see name-constraints.ts), counted as Go
  // 1.25 did: per SAN, the CA's excluded subtrees of the SAN's form, then its permitted ones, so
  // 3 DNS SANs against 1 excluded + 2 permitted DNS subtrees make 9 comparisons.
  const inter = ca({ permitted: [dns("a.com"), dns("b.com")], excluded: [dns("c.com")] });
  const leaf = leafOf(inter, dns("x.a.com"), dns("y.b.com"), dns("z.a.com"));

  it("bounds the comparisons for each CA, failing past the limit", () => {
    expect(verifiesWith({}, root, inter, leaf)).toBe(true);
    expect(verifiesWith({ MaxConstraintComparisons: 0 }, root, inter, leaf)).toBe(true); // Go's default, 250000
    expect(verifiesWith({ MaxConstraintComparisons: 9 }, root, inter, leaf)).toBe(true);
    expect(verifiesWith({ MaxConstraintComparisons: 8 }, root, inter, leaf)).toBe(false);
    expect(verifiesWith({ MaxConstraintComparisons: -1 }, root, inter, leaf)).toBe(false);
    expect(text("crypto.x509.parse_and_verify_certificates", bundle(root, inter, leaf)).startsWith("[true")).toBe(true);
  });

  it("counts afresh for each CA, and only where a CA has constraints", () => {
    const constrainedRoot = certificate("NC Constrained Root", { constraints: { permitted: [dns("com")] } });
    const inter2 = ca({ permitted: [dns("a.com"), dns("b.com")], excluded: [dns("c.com")] }, constrainedRoot);
    const leaf2 = leafOf(inter2, dns("x.a.com"), dns("y.b.com"), dns("z.a.com"));
    expect(verifiesWith({ MaxConstraintComparisons: 9 }, constrainedRoot, inter2, leaf2)).toBe(true); // 9, then 3
    expect(verifiesWith({ MaxConstraintComparisons: 8 }, constrainedRoot, inter2, leaf2)).toBe(false);
    // the root compares the intermediate's SAN too: 4 names against 1 subtree
    const named = ca(undefined, constrainedRoot, [dns("ca.a.com")]);
    const leaf3 = leafOf(named, dns("x.a.com"), dns("y.b.com"), dns("z.a.com"));
    expect(verifiesWith({ MaxConstraintComparisons: 4 }, constrainedRoot, named, leaf3)).toBe(true);
    expect(verifiesWith({ MaxConstraintComparisons: 3 }, constrainedRoot, named, leaf3)).toBe(false);
    const plain = ca();
    expect(verifiesWith({ MaxConstraintComparisons: -1 }, root, plain, leafOf(plain, dns("x.a.com")))).toBe(true);
  });

  it("is refused when not an integer", () => {
    expect(() => verifiesWith({ MaxConstraintComparisons: 1.5 }, root, inter, leaf)).toThrow("'MaxConstraintComparisons' should be a valid number");
    expect(() => verifiesWith({ MaxConstraintComparisons: "9" }, root, inter, leaf)).toThrow("'MaxConstraintComparisons' should be a number");
  });
});
