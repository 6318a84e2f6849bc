import { describe, expect, it } from "vitest";
import { failure, text } from "./call.ts";

describe("regex", () => {
  it("matches with Go's syntax and meaning", () => {
    expect(text("regex.match", "^[a-z]+\\d*$", "abc12")).toBe("true");
    expect(text("regex.match", "(?i)ABC", "xabcx")).toBe("true");
    expect(text("regex.match", "[[:alpha:]]+\\.\\-", "ab.-")).toBe("true");
    expect(text("regex.match", "\\p{Greek}+", "αβγ")).toBe("true");
    expect(text("regex.match", "^.$", "\r")).toBe("true"); // Go's . excludes only \n
    expect(text("regex.match", "^\\s$", "\u00a0")).toBe("false"); // Go's \s is ASCII
    expect(text("regex.match", "\\Aa.c\\z", "a+c")).toBe("true");
    expect(text("regex.match", "\\Qa.c\\E", "abc")).toBe("false");
    expect(text("regex.match", "x{,2}", "x{,2}")).toBe("true");
  });

  it("rejects what RE2 rejects, with Go's messages", () => {
    expect(failure("regex.match", "\\1", "x")).toBe("eval_builtin_error: error parsing regexp: invalid escape sequence: `\\1`");
    expect(failure("regex.match", "(?=a)", "x")).toBe("eval_builtin_error: error parsing regexp: invalid or unsupported Perl syntax: `(?=`");
    expect(failure("regex.match", "(abc", "x")).toBe("eval_builtin_error: error parsing regexp: missing closing ): `(abc`");
    expect(failure("regex.match", "[abc", "x")).toBe("eval_builtin_error: error parsing regexp: missing closing ]: `[abc`");
    expect(text("regex.is_valid", "a(")).toBe("false");
    expect(text("regex.is_valid", "a(b)")).toBe("true");
    expect(text("regex.is_valid", 1)).toBe("false");
  });

  it("has RE2's semantics where a backtracking translation differed", () => {
    // Flags in a group apply to that group only.
    expect(text("regex.match", "^a(?i:b)c$", "aBc")).toBe("true");
    expect(text("regex.match", "^a(?i:b)c$", "aBC")).toBe("false");
    // Catastrophic for a backtracking engine, linear for RE2 (timings are in scripts/bench/redos.ts).
    expect(text("regex.match", "^(a+)+$", "a".repeat(5000) + "!")).toBe("false");
    expect(text("regex.match", "^(a+)+$", "a".repeat(5000))).toBe("true");
    expect(text("glob.match", "*a*a*a*a*a*a*a*b", null, "a".repeat(3000))).toBe("false");
    expect(failure("regex.match", "a\\", "x")).toBe("eval_builtin_error: error parsing regexp: trailing backslash at end of expression: ``");
    expect(failure("regex.match", "a**", "x")).toBe("eval_builtin_error: error parsing regexp: invalid nested repetition operator: `**`");
  });

  it("splits and finds as Go's FindAll does, skipping empty matches after a match", () => {
    expect(text("regex.split", "a*", "baaac")).toBe('["b", "c"]');
    expect(text("regex.split", ",", "a,b,,c")).toBe('["a", "b", "", "c"]');
    expect(text("regex.find_n", "a*", "baaac", -1)).toBe('["", "aaa", ""]');
    expect(text("regex.find_n", "[0-9]", "a1b2c3", 2)).toBe('["1", "2"]');
    expect(text("regex.find_all_string_submatch_n", "a(x*)b(y)?", "-ab-axxb-", -1)).toBe('[["ab", "", ""], ["axxb", "xx", ""]]');
  });

  it("replaces with Go's template expansion", () => {
    expect(text("regex.replace", "abcabc", "(?P<first>a)(b)", "[$2${first}$1x$$]")).toBe('"[ba$]c[ba$]c"');
    expect(text("regex.replace", "foo bar", "o+", "0")).toBe('"f0 bar"');
  });

  it("matches templates", () => {
    expect(text("regex.template_match", "urn:foo:{.*}", "urn:foo:bar:baz", "{", "}")).toBe("true");
    expect(text("regex.template_match", "urn:foo.bar:{[a-z]+}", "urn:fooxbar:abc", "{", "}")).toBe("false");
    expect(failure("regex.template_match", "urn:{.*", "x", "{", "}")).toBe('eval_builtin_error: unbalanced braces in "urn:{.*"');
  });
});

describe("glob", () => {
  it("matches with delimiters", () => {
    expect(text("glob.match", "*.github.com", [], "api.github.com")).toBe("true");
    expect(text("glob.match", "*.github.com", [], "api.cdn.github.com")).toBe("false");
    expect(text("glob.match", "**.github.com", [], "api.cdn.github.com")).toBe("true");
    expect(text("glob.match", "*:github:com", [":"], "api:github:com")).toBe("true");
    expect(text("glob.match", "a?c", null, "a.c")).toBe("true");
    expect(text("glob.match", "a?c", ["."], "a.c")).toBe("false");
  });

  it("understands classes, alternatives and escapes", () => {
    expect(text("glob.match", "{cat,bat,[fr]at}", [], "rat")).toBe("true");
    expect(text("glob.match", "[!a-c]at", [], "bat")).toBe("false");
    expect(text("glob.match", "[a-c]at", [], "bat")).toBe("true");
    expect(text("glob.match", "\\*", [], "*")).toBe("true");
    expect(text("glob.quote_meta", "*.github.com")).toBe('"\\\\*.github.com"');
  });

  it("checks delimiters", () => {
    expect(failure("glob.match", "*", "x", "a")).toBe("eval_type_error: operand 2 must be one of {array, null} but got string");
    expect(failure("glob.match", "*", ["ab"], "a")).toBe("eval_type_error: operand 2 must be array of runes but got array containing string");
  });
});
