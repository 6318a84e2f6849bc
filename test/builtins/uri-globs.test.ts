// uri.parse / uri.is_valid (Go's net/url.Parse as OPA wraps it), regex.globs_match,
// strings.split_n, array.flatten and net.lookup_ip_addr (address literals only: DNS is disabled).
import { describe, expect, it } from "vitest";
import { failure, text } from "./call.ts";

describe("uri.parse and uri.is_valid", () => {
  // [input, uri.parse's result or "undefined", uri.is_valid]; the results are OPA's (net/url).
  const cases: [string, string, boolean][] = [
    ["http://h", `{"hostname": "h", "scheme": "http"}`, true],
    ["HTTP://H", `{"hostname": "H", "scheme": "http"}`, true],
    ["1abc://h", "undefined", false],
    ["foo:bar", `{"scheme": "foo"}`, true],
    ["http://h:abc", "undefined", false],
    ["http://h:80:90", `{"hostname": "h:80", "port": "90", "scheme": "http"}`, true],
    ["http://u:p@h:1/x", `{"hostname": "h", "path": "/x", "port": "1", "raw_path": "/x", "scheme": "http"}`, true],
    ["http://us er@h", "undefined", false],
    ["http:///p", `{"path": "/p", "raw_path": "/p", "scheme": "http"}`, true],
    ["http://[fe80::1%25en0]:8080", `{"hostname": "fe80::1%en0", "port": "8080", "scheme": "http"}`, true],
    ["http://[fe80::1%25]", "undefined", false],
    ["http://[1.2.3.4]", "undefined", false],
    ["http://[::1", "undefined", false],
    ["http://h/%2e%2e", `{"hostname": "h", "path": "/..", "raw_path": "/%2e%2e", "scheme": "http"}`, true],
    ["http://h/a%20b", `{"hostname": "h", "path": "/a b", "raw_path": "/a b", "scheme": "http"}`, true],
    ["http://h/%E2%82%AC", `{"hostname": "h", "path": "/€", "raw_path": "/€", "scheme": "http"}`, true],
    ["http://h/bad%2", "undefined", false],
    ["http://h%41/", "undefined", false],
    ["http://h?", `{"hostname": "h", "scheme": "http"}`, true],
    ["http://h/p?a=1&b=2#f?q", `{"fragment": "f?q", "hostname": "h", "path": "/p", "raw_path": "/p", "raw_query": "a=1&b=2", "scheme": "http"}`, true],
    ["opaque:x?q#f", `{"fragment": "f", "raw_query": "q", "scheme": "opaque"}`, true],
    ["cache_object:foo/bar", "undefined", false],
    ["", "{}", false],
    ["*", `{"path": "*", "raw_path": "*"}`, true],
    ["ht tp://h", "undefined", false],
    ["http://h/\u0001", "undefined", false],
  ];
  it.each(cases)("%j", (input, parsed, valid) => {
    expect(text("uri.parse", input)).toBe(parsed);
    expect(text("uri.is_valid", input)).toBe(String(valid));
  });

  it("answers false for a non-string and refuses one in uri.parse", () => {
    expect(text("uri.is_valid", 5)).toBe("false");
    expect(failure("uri.parse", 5)).toBe("eval_type_error: operand 1 must be string but got number");
  });
});

describe("regex.globs_match", () => {
  it("is true when some string matches both patterns", () => {
    expect(text("regex.globs_match", "a.a.[0-9]+z", ".b.b2359825792*594823z")).toBe("true");
    expect(text("regex.globs_match", "b.*", "bar")).toBe("true");
    expect(text("regex.globs_match", "[a-c]+x", "c*[x-z]")).toBe("true");
    expect(text("regex.globs_match", "a?", "a\\?")).toBe("true"); // ? is not special
  });

  it("is false when none does", () => {
    expect(text("regex.globs_match", "[a-z]+\\[[0-9]+\\]", 'foo["bar"]')).toBe("false");
    expect(text("regex.globs_match", "a+", "b+")).toBe("false");
    expect(text("regex.globs_match", "ab", "abc")).toBe("false");
    expect(text("regex.globs_match", "[0-9]x", ".y")).toBe("false");
  });

  it("refuses malformed patterns", () => {
    expect(failure("regex.globs_match", "[a-", "x")).toMatch(/^eval_builtin_error: invalid glob pattern/);
    expect(failure("regex.globs_match", "*a", "x")).toMatch(/^eval_builtin_error: invalid glob pattern/);
    expect(failure("regex.globs_match", "a", "x\\")).toMatch(/^eval_builtin_error: invalid glob pattern/);
    expect(failure("regex.globs_match", "a", 1)).toBe("eval_type_error: operand 2 must be string but got number");
  });
});

describe("strings.split_n and array.flatten", () => {
  it("splits as Go's strings.SplitN", () => {
    expect(text("strings.split_n", "a,b,c", ",", 2)).toBe(`["a", "b,c"]`);
    expect(text("strings.split_n", "a,b,c", ",", 5)).toBe(`["a", "b", "c"]`);
    expect(text("strings.split_n", "a,b,c", ",", -1)).toBe(`["a", "b", "c"]`);
    expect(text("strings.split_n", "a,b,c", ",", 0)).toBe("[]");
    expect(text("strings.split_n", "äbc", "", 2)).toBe(`["ä", "bc"]`);
    expect(failure("strings.split_n", "a", ",", 1.5)).toBe("eval_type_error: operand 3 must be integer number but got floating-point number");
  });

  it("flattens nested arrays at any depth", () => {
    expect(text("array.flatten", [1, [2, [3, [[]]]], { a: [4] }])).toBe(`[1, 2, 3, {"a": [4]}]`);
    let deep: unknown = [1];
    for (let i = 0; i < 2_000; i++) deep = [deep];
    expect(text("array.flatten", deep)).toBe("[1]");
  });
});

describe("net.lookup_ip_addr", () => {
  it("checks its operand, then refuses: no DNS from policies", () => {
    expect(failure("net.lookup_ip_addr", 1)).toBe("eval_type_error: operand 1 must be string but got number");
    expect(failure("net.lookup_ip_addr", "example.com")).toMatch(/^eval_builtin_error: network access is not available/);
  });

  it("answers an address literal with the address, as Go's resolver does without a query", () => {
    expect(text("net.lookup_ip_addr", "10.0.0.0")).toBe('{"10.0.0.0"}');
    expect(text("net.lookup_ip_addr", "::")).toBe('{"::"}');
    expect(text("net.lookup_ip_addr", "2001:DB8:0:0::1")).toBe('{"2001:db8::1"}');
    expect(text("net.lookup_ip_addr", "::ffff:10.1.2.3")).toBe('{"10.1.2.3"}');
    expect(text("net.lookup_ip_addr", "fe80::1%eth0")).toBe('{"fe80::1%eth0"}');
    // Go rejects leading zeros, and zones on IPv4: these would be host names, so no answer.
    expect(failure("net.lookup_ip_addr", "010.0.0.1")).toMatch(/^eval_builtin_error: network access/);
    expect(failure("net.lookup_ip_addr", "10.0.0.1%eth0")).toMatch(/^eval_builtin_error: network access/);
  });
});
