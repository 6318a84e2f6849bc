// crypto, units, semver, net, bits and uuid.
import { describe, expect, it } from "vitest";
import { call, context, failure, n, set, text } from "./call.ts";

describe("crypto", () => {
  it("digests UTF-8 bytes", () => {
    expect(text("crypto.md5", "abc")).toBe('"900150983cd24fb0d6963f7d28e17f72"');
    expect(text("crypto.sha1", "abc")).toBe('"a9993e364706816aba3e25717850c26c9cd0d89d"');
    expect(text("crypto.sha256", "abc")).toBe('"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"');
  });

  it("computes and compares HMACs", () => {
    const mac = JSON.parse(text("crypto.hmac.sha256", "The quick brown fox jumps over the lazy dog", "key")) as string;
    expect(mac).toBe("f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
    expect(text("crypto.hmac.equal", mac, mac)).toBe("true");
    expect(text("crypto.hmac.equal", mac, "x")).toBe("false");
  });
});

describe("units", () => {
  it("parses byte amounts", () => {
    expect(text("units.parse_bytes", "1KB")).toBe("1000");
    expect(text("units.parse_bytes", "1KiB")).toBe("1024");
    expect(text("units.parse_bytes", "1.5GB")).toBe("1500000000");
    expect(text("units.parse_bytes", "100")).toBe("100");
    expect(failure("units.parse_bytes", "foo")).toBe("eval_builtin_error: no byte amount provided");
    expect(failure("units.parse_bytes", "2 k")).toBe("eval_builtin_error: spaces not allowed in resource strings");
    expect(failure("units.parse_bytes", "10xb")).toBe("eval_builtin_error: byte unit xb not recognized");
  });

  it("parses decimal and binary units, with m for milli", () => {
    expect(text("units.parse", "200m")).toBe("0.2");
    expect(text("units.parse", "10K")).toBe("10000");
    expect(text("units.parse", "1M")).toBe("1000000");
    expect(text("units.parse", "1.5Gi")).toBe("1610612736");
    expect(text("units.parse", "1MI")).toBe("1048576");
    expect(failure("units.parse", "1Mb")).toBe("eval_builtin_error: unit Mb not recognized");
  });
});

describe("semver", () => {
  it("validates and compares", () => {
    expect(text("semver.is_valid", "1.0.0+build.1")).toBe("true");
    expect(text("semver.is_valid", "v1.0.0")).toBe("false");
    expect(text("semver.is_valid", 1)).toBe("false");
    expect(text("semver.compare", "1.2.3", "1.2.4")).toBe("-1");
    expect(text("semver.compare", "1.0.0", "1.0.0-alpha")).toBe("1");
    expect(text("semver.compare", "1.0.0-alpha.1", "1.0.0-alpha.beta")).toBe("-1");
    expect(text("semver.compare", "1.0.0+a", "1.0.0+b")).toBe("0");
    expect(failure("semver.compare", "1.0.0", "x")).toBe('eval_builtin_error: operand 2: string "x" is not a valid SemVer');
    // SemVer 2.0.0: no leading zero in a number or a numeric pre-release identifier, nothing empty.
    for (const bad of ["01.2.3", "1.02.3", "1.2.03", "1.2.3-01", "1.2.3-alpha.01", "1.2.3-", "1.2.3+", "+1.2.3", "1.2.3-a..b"]) expect(text("semver.is_valid", bad), bad).toBe("false");
    for (const good of ["0.0.0", "1.2.3-0", "1.2.3-0alpha", "1.2.3+001", "10.20.30-rc.1+build.007"]) expect(text("semver.is_valid", good), good).toBe("true");
    expect(failure("semver.compare", "1.2.3", "1.2.3-01")).toBe('eval_builtin_error: operand 2: string "1.2.3-01" is not a valid SemVer');
    // The operand is quoted as Go quotes a string.
    expect(failure("semver.compare", "1.0.0-\u00e9\t", "1.0.0")).toBe('eval_builtin_error: operand 1: string "1.0.0-\u00e9\\t" is not a valid SemVer');
  });
});

describe("net", () => {
  it("tests containment and intersection", () => {
    expect(text("net.cidr_contains", "10.0.0.0/8", "10.1.2.3")).toBe("true");
    expect(text("net.cidr_contains", "10.0.0.0/8", "10.1.0.0/16")).toBe("true");
    expect(text("net.cidr_contains", "10.0.0.0/8", "11.0.0.0/16")).toBe("false");
    expect(text("net.cidr_contains", "2001:db8::/32", "2001:db8:1::1")).toBe("true");
    expect(text("net.cidr_contains", "2001:db8::/32", "10.0.0.1")).toBe("false");
    expect(text("net.cidr_intersects", "192.168.0.0/16", "192.168.1.0/24")).toBe("true");
    expect(failure("net.cidr_contains", "x", "1.1.1.1")).toBe("eval_builtin_error: invalid CIDR address: x");
  });

  it("matches CIDRs of collections, failing on a bad element when it is reached", () => {
    expect(text("net.cidr_contains_matches", ["10.0.0.0/8", ["192.168.0.0/16", "lan"]], set("10.1.1.1"))).toBe('{[0, "10.1.1.1"]}');
    expect(failure("net.cidr_contains_matches", [[]], "10.1.1.1")).toBe("eval_builtin_error: operand 1: element must be string or non-empty array");
    expect(failure("net.cidr_contains_matches", "10.0.0.0/8", { a: 7 })).toBe("eval_builtin_error: operand 2: element must be string or non-empty array");
    // An empty first operand leaves the second unread, as in OPA.
    expect(text("net.cidr_contains_matches", [], [7])).toBe("set()");
    // An array's first element is checked as cidr_contains checks its operands.
    expect(failure("net.cidr_contains_matches", [[7]], "10.1.1.1")).toBe("eval_type_error: operand 1 must be string but got number");
  });

  it("validates, expands and merges", () => {
    expect(text("net.cidr_is_valid", "10.0.0.0/33")).toBe("false");
    expect(text("net.cidr_is_valid", "::/0")).toBe("true");
    expect(text("net.cidr_expand", "192.168.1.0/31")).toBe('{"192.168.1.0", "192.168.1.1"}');
    expect(text("net.cidr_expand", "2001:db8::/127")).toBe('{"2001:db8::", "2001:db8::1"}');
    expect(text("net.cidr_merge", ["192.0.128.0/24", "192.0.129.0/24"])).toBe('{"192.0.128.0/23"}');
    expect(text("net.cidr_merge", set("10.0.0.1", "10.0.0.2", "10.0.0.3", "2001:db8::/33", "2001:db8:8000::/33"))).toBe(
      '{"10.0.0.0/8", "2001:db8::/32"}', // bare IPv4 addresses stand for their classful networks, as in OPA
    );
  });
});

describe("bits", () => {
  it("operates on integers of any size", () => {
    expect(text("bits.and", 12, 10)).toBe("8");
    expect(text("bits.or", 12, 10)).toBe("14");
    expect(text("bits.xor", 12, 10)).toBe("6");
    expect(text("bits.negate", 5)).toBe("-6");
    expect(text("bits.lsh", 1, 64)).toBe("18446744073709551616");
    expect(text("bits.rsh", n("18446744073709551616"), 63)).toBe("2");
    expect(failure("bits.lsh", 1, -1)).toBe("eval_type_error: operand 2 must be an unsigned integer number but got a negative integer");
    expect(failure("bits.and", 1.5, 1)).toBe("eval_type_error: operand 1 must be integer number but got floating-point number");
  });
});

describe("uuid", () => {
  it("makes version 4 UUIDs, stable per argument within an evaluation", () => {
    const ctx = context();
    const a = call("uuid.rfc4122", ["a"], ctx) as string;
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(call("uuid.rfc4122", ["a"], ctx)).toBe(a);
    expect(call("uuid.rfc4122", ["b"], ctx)).not.toBe(a);
  });

  it("parses UUIDs, with the time fields of version 1", () => {
    expect(text("uuid.parse", "00000000-0000-1000-8000-000000000000")).toBe(
      '{"clocksequence": 0, "macvariables": "global:unicast", "nodeid": "00-00-00-00-00-00", "time": -12219292800000000000, "variant": "RFC4122", "version": 1}',
    );
    expect(text("uuid.parse", "{6ba7b810-9dad-41d1-80b4-00c04fd430c8}")).toBe('{"variant": "RFC4122", "version": 4}');
    expect(text("uuid.parse", "not-a-uuid")).toBe("undefined");
    // Version 2: the id (here 1000) sits where time_low was, and Go's uuid.Time counts it in the time.
    expect(text("uuid.parse", "000003e8-0000-2000-8000-000000000000")).toBe(
      '{"clocksequence": 0, "domain": "Person", "id": 1000, "macvariables": "global:unicast", "nodeid": "00-00-00-00-00-00", "time": -12219292799999900000, "variant": "RFC4122", "version": 2}',
    );
  });
});
