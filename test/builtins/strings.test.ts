import { describe, expect, it } from "vitest";
import { failure, n, obj, set, text } from "./call.ts";

describe("searching", () => {
  it("tests containment and affixes", () => {
    expect(text("contains", "abcdefgh", "defg")).toBe("true");
    expect(text("startswith", "abcdefgh", "bcd")).toBe("false");
    expect(text("endswith", "abcdefgh", "fgh")).toBe("true");
  });

  it("finds rune offsets", () => {
    expect(text("indexof", "abcabcabcdefgh", "cde")).toBe("8");
    expect(text("indexof", "μx", "x")).toBe("1");
    expect(text("indexof", "🍧🍨🧁🍰🍮", "🍮")).toBe("4");
    expect(text("indexof", "abc", "x")).toBe("-1");
    expect(text("indexof_n", "dogcatdogcat", "cat")).toBe("[3, 9]");
    expect(text("indexof_n", "😇😀😇😀😇😀", "😀")).toBe("[1, 3, 5]");
    expect(text("indexof_n", "aaa", "aa")).toBe("[0, 1]");
    expect(failure("indexof", "abc", "")).toBe("eval_builtin_error: empty search character");
  });

  it("counts non-overlapping occurrences", () => {
    expect(text("strings.count", "cheese", "e")).toBe("3");
    expect(text("strings.count", "hello hello hello world", "hello")).toBe("3");
    expect(text("strings.count", "five", "")).toBe("5");
  });

  it("matches any prefix or suffix of strings, arrays or sets", () => {
    expect(text("strings.any_prefix_match", ["a/b/c", "e/f/g"], ["x/", "e/"])).toBe("true");
    expect(text("strings.any_prefix_match", "a/b/c", set("g/", "d/"))).toBe("false");
    expect(text("strings.any_suffix_match", set("a/b/c"), "/c")).toBe("true");
    expect(failure("strings.any_prefix_match", [1, 2], "a")).toBe(
      "eval_type_error: operand 1 must be array of strings but got array containing number",
    );
    expect(failure("strings.any_suffix_match", ["a"], 1)).toBe(
      "eval_type_error: operand 2 must be one of {string, set, array} but got number",
    );
  });
});

describe("rewriting", () => {
  it("joins and splits", () => {
    expect(text("concat", "/", ["", "foo", "bar", "0", "baz"])).toBe('"/foo/bar/0/baz"');
    expect(text("concat", ",", set("1", "2"))).toBe('"1,2"');
    expect(failure("concat", ",", [1])).toBe("eval_type_error: operand 2 must be array of strings but got array containing number");
    expect(text("split", "foo.bar.baz", ".")).toBe('["foo", "bar", "baz"]');
    expect(text("split", "", ".")).toBe('[""]');
    expect(text("split", "a😀b", "")).toBe('["a", "😀", "b"]');
  });

  it("replaces", () => {
    expect(text("replace", "foo...bar", "..", ",,")).toBe('"foo,,.bar"');
    expect(text("replace", "ab", "", "-")).toBe('"-a-b-"');
    expect(text("strings.replace_n", { "<": "&lt;", ">": "&gt;" }, "This is <b>HTML</b>!")).toBe('"This is &lt;b&gt;HTML&lt;/b&gt;!"');
    expect(text("strings.replace_n", { f: "x", foo: "xxx" }, "foobar")).toBe('"xoobar"');
    expect(failure("strings.replace_n", obj([2, "x"]), "foo")).toBe(
      "eval_type_error: operand 1 non-string key found in pattern object",
    );
    expect(failure("strings.replace_n", { f: 100 }, "foo")).toBe(
      "eval_type_error: operand 1 non-string value found in pattern object",
    );
    expect(failure("strings.replace_n", { foo: "baz" }, 100)).toBe("eval_type_error: operand 2 must be string but got number");
  });

  it("takes substrings by runes", () => {
    expect(text("substring", "abcdefgh", 2, 3)).toBe('"cde"');
    expect(text("substring", "åäö", 0, 2)).toBe('"åä"');
    expect(text("substring", "aåäö", 2, -1)).toBe('"äö"');
    expect(text("substring", "abcdefgh", 2, 10000)).toBe('"cdefgh"');
    expect(text("substring", "aaa", 4, -1)).toBe('""');
    expect(failure("substring", "aaa", -1, -1)).toBe("eval_builtin_error: negative offset");
  });

  it("trims", () => {
    expect(text("trim", "...foo.bar...", ".fr")).toBe('"oo.ba"');
    expect(text("trim", "¡¡¡foo, bar!!!", "!¡")).toBe('"foo, bar"');
    expect(text("trim_left", "¡¡¡foo, bar!!!", "!¡")).toBe('"foo, bar!!!"');
    expect(text("trim_right", "¡¡¡foo, bar!!!", "!¡")).toBe('"¡¡¡foo, bar"');
    expect(text("trim_prefix", "¡¡¡foo, bar!!!", "¡¡¡foo")).toBe('", bar!!!"');
    expect(text("trim_suffix", "¡¡¡foo, bar!!!", ", bar!!!")).toBe('"¡¡¡foo"');
    expect(text("trim_space", " \t\n foo, bar \n\t\r\n")).toBe('"foo, bar"');
    expect(text("trim_space", "\ufefffoo\u0085")).toBe('"\ufefffoo"');
  });

  it("changes case and reverses runes", () => {
    expect(text("lower", "AbCdEf")).toBe('"abcdef"');
    expect(text("upper", "AbCdEf")).toBe('"ABCDEF"');
    expect(text("upper", "straße")).toBe('"STRAßE"');
    expect(text("lower", "İSTANBUL")).toBe('"istanbul"');
    expect(text("strings.reverse", "1\u{1F600}\u{1D6FE}")).toBe('"\u{1D6FE}\u{1F600}1"');
    expect(failure("strings.reverse", 123)).toBe("eval_type_error: operand 1 must be string but got number");
  });
});

describe("format_int", () => {
  it("formats in bases 2, 8, 10 and 16, truncating fractions", () => {
    expect(text("format_int", 15.5, 16)).toBe('"f"');
    expect(text("format_int", 3.1, 10)).toBe('"3"');
    expect(text("format_int", -15.5, 16)).toBe('"-f"');
    expect(text("format_int", 5, 2)).toBe('"101"');
    expect(failure("format_int", 4.1, 199)).toBe("eval_type_error: operand 2 must be one of {2, 8, 10, 16}");
  });
});

describe("sprintf", () => {
  const f = (format: string, ...args: unknown[]) => JSON.parse(text("sprintf", format, args)) as string;

  it("formats strings, integers and floats as Go does", () => {
    expect(f("hi")).toBe("hi");
    expect(f("hi %s", "there")).toBe("hi there");
    expect(f("hi %02d", 5)).toBe("hi 05");
    expect(f("hi %02X.%02X", 127, 1)).toBe("hi 7F.01");
    expect(f("hi %.2f", 3.1415)).toBe("hi 3.14");
    expect(f("%5.1f|%-6d|%+d|%x|%o|%b|%c|%q|%U", 3.14159, 42, 5, 255, 8, 5, 65, "a\"b", 0x1f600)).toBe(
      '  3.1|42    |+5|ff|10|101|A|"a\\"b"|U+1F600',
    );
    expect(f("%e %g %v %v", 1234.5678, 1e-7, 1234567.5, 0.000012)).toBe("1.234568e+03 1e-07 1.2345675e+06 1.2e-05");
    expect(f("%.2f %.1f", 0.125, 0.25)).toBe("0.12 0.2");
  });

  it("shows other values in Rego's text form", () => {
    expect(f("hi %s", true)).toBe("hi true");
    expect(f("hi %v", ["there", 5, 3.14])).toBe('hi ["there", 5, 3.14]');
    expect(JSON.parse(text("sprintf", "%v %v", [set(1, 2), { a: null }]))).toBe('{1, 2} {"a": null}');
  });

  it("prints big numbers as OPA holds them", () => {
    expect(JSON.parse(text("sprintf", "hi %v", [n("2e308")]))).toBe("hi 2e308");
    expect(JSON.parse(text("sprintf", "%s", [n("123456789123456789123")]))).toBe("123456789123456789123");
    expect(JSON.parse(text("sprintf", "%d", [n("1208925819614629174706175")]))).toBe("1208925819614629174706175");
  });

  it("complains inline as Go does", () => {
    expect(f("%d", "foo")).toBe("%!d(string=foo)");
    expect(f("%s", 5)).toBe("%!s(int=5)");
    expect(f("%d", 1.5)).toBe("%!d(float64=1.5)");
    expect(f("%v %v", 1)).toBe("1 %!v(MISSING)");
    expect(f("%v", 1, "x")).toBe("1%!(EXTRA string=x)");
    expect(f("100%")).toBe("100%!(NOVERB)");
    expect(f("%[2]v %[1]v", "a", "b")).toBe("b a");
  });

  it("wants a format string and an array", () => {
    expect(failure("sprintf", "%v", "x")).toBe("eval_type_error: operand 2 must be array but got string");
  });
});
