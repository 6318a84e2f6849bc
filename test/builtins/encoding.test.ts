import { describe, expect, it } from "vitest";
import { failure, n, obj, set, text } from "./call.ts";

const str = (name: string, ...args: unknown[]) => JSON.parse(text(name, ...args)) as string;

describe("JSON", () => {
  it("marshals compactly with sorted keys and Go's escaping", () => {
    expect(str("json.marshal", { b: [1, 2.5], a: "x<y>&\n" })).toBe('{"a":"x\\u003cy\\u003e\\u0026\\n","b":[1,2.5]}');
    expect(str("json.marshal", set(2, 1))).toBe("[1,2]");
    expect(str("json.marshal", obj([1, "a"]))).toBe('{"1":"a"}');
    expect(str("json.marshal", n("123456789123456789123"))).toBe("123456789123456789123");
  });

  it("marshals with options", () => {
    expect(str("json.marshal_with_options", { a: [1] }, { pretty: true })).toBe('{\n\t"a": [\n\t\t1\n\t]\n}');
    expect(str("json.marshal_with_options", { a: 1 }, { indent: "  ", prefix: "> " })).toBe('> {\n>   "a": 1\n> }');
    expect(str("json.marshal_with_options", { a: 1 }, { indent: "  ", pretty: false })).toBe('{"a":1}');
    expect(failure("json.marshal_with_options", 1, { colour: true })).toBe("eval_type_error: operand 2 object contained unknown key colour");
  });

  it("unmarshals, keeping big integers exact", () => {
    expect(text("json.unmarshal", '{"a": [1, 2.5, "x"], "b": null, "c": 123456789123456789123}')).toBe(
      '{"a": [1, 2.5, "x"], "b": null, "c": 123456789123456789123}',
    );
    expect(failure("json.unmarshal", "{x")).toBe("eval_builtin_error: invalid character 'x' looking for beginning of object key string");
    expect(failure("json.unmarshal", "[1")).toBe("eval_builtin_error: unexpected end of JSON input");
    expect(failure("json.unmarshal", "1 2")).toBe("eval_builtin_error: invalid character '2' after top-level value");
  });

  it("validates", () => {
    expect(text("json.is_valid", '{"a": 1}')).toBe("true");
    expect(text("json.is_valid", "{a: 1}")).toBe("false");
    expect(text("json.is_valid", 1)).toBe("false");
  });
});

describe("YAML", () => {
  it("reads YAML 1.1 as Go does", () => {
    expect(text("yaml.unmarshal", "a: yes\nb: [1, 2]\nc: 123456789123456789123\n")).toBe(
      '{"a": true, "b": [1, 2], "c": 123456789123456789123}',
    );
    expect(text("yaml.is_valid", "a: [")).toBe("false");
    expect(failure("yaml.unmarshal", "a: [")).toMatch(/^eval_builtin_error: yaml: /);
  });

  it("reads the first document of a stream, and the start of the next as Go's scanner does", () => {
    expect(text("yaml.unmarshal", "a: 1\n---\nb: 2\n")).toBe('{"a": 1}');
    expect(text("yaml.unmarshal", "a: 1\n---\nb: 2\n---\n\tc: 3\n")).toBe('{"a": 1}');
    expect(text("yaml.unmarshal", "")).toBe("null");
    // A tab as indentation right after the separator is an error; one further on is never read.
    expect(text("yaml.is_valid", "a: 1\n---\n\tb: 2\n")).toBe("false");
    expect(text("yaml.is_valid", "a: 1\n---\nb: [\n")).toBe("true");
    expect(failure("yaml.unmarshal", "a: 1\n---\n@b\n")).toMatch(/^eval_builtin_error: yaml: /);
  });

  it("writes sorted block YAML", () => {
    expect(str("yaml.marshal", { b: [1, 2], a: "yes", c: {} })).toBe('a: "yes"\nb:\n- 1\n- 2\nc: {}\n');
  });
});

describe("base64 and hex", () => {
  it("encodes and decodes UTF-8", () => {
    expect(str("base64.encode", "héllo")).toBe("aMOpbGxv");
    expect(str("base64.decode", "aMOpbGxv")).toBe("héllo");
    expect(str("base64url.encode", "\xff\xfe")).toBe("w7_Dvg==");
    expect(str("base64url.encode_no_pad", "\xff\xfe")).toBe("w7_Dvg");
    expect(str("base64url.decode", "w7_Dvg")).toBe("\xff\xfe");
    expect(str("hex.encode", "hi!")).toBe("686921");
    expect(str("hex.decode", "686921")).toBe("hi!");
  });

  it("rejects bad input as Go does", () => {
    expect(failure("base64.decode", "aGk")).toBe("eval_builtin_error: illegal base64 data at input byte 0");
    expect(failure("base64.decode", "a$==")).toBe("eval_builtin_error: illegal base64 data at input byte 1");
    expect(text("base64.is_valid", "aGk=")).toBe("true");
    expect(text("base64.is_valid", "aGk")).toBe("false");
    expect(failure("hex.decode", "6g")).toBe("eval_builtin_error: encoding/hex: invalid byte: U+0067 'g'");
    expect(failure("hex.decode", "686")).toBe("eval_builtin_error: encoding/hex: odd length hex string");
  });

  it("reports the byte at which Go's decoder stops", () => {
    // Padding cut short fails at the end; a third `=` or anything after the padding fails where it is.
    expect(failure("base64.decode", "aG=")).toBe("eval_builtin_error: illegal base64 data at input byte 3");
    expect(failure("base64.decode", "aG=x")).toBe("eval_builtin_error: illegal base64 data at input byte 2");
    expect(failure("base64.decode", "aG==aG==")).toBe("eval_builtin_error: illegal base64 data at input byte 4");
    expect(failure("base64.decode", "aGk=\nx")).toBe("eval_builtin_error: illegal base64 data at input byte 5");
    // Line breaks are skipped but still counted; offsets count UTF-8 bytes.
    expect(str("base64.decode", "aG\r\nk=")).toBe("hi");
    expect(failure("base64.decode", "é$==")).toBe("eval_builtin_error: illegal base64 data at input byte 0");
    expect(failure("base64url.decode", "aGk/")).toBe("eval_builtin_error: illegal base64 data at input byte 3");
    expect(failure("base64url.decode", "aGkhx")).toBe("eval_builtin_error: illegal base64url string: aGkhx");
    expect(failure("base64url.decode", "aé")).toBe("eval_builtin_error: illegal base64 data at input byte 1");
  });

  it("counts the runes of decoded bytes, bad UTF-8 included", () => {
    expect(text("count", JSON.parse(text("base64.decode", "2E84ZuPUd7zfvCZSNEchVpDEIj6PL7JfLpIqyxVG16k=")))).toBe("30");
  });
});

describe("URL query encoding", () => {
  it("escapes as url.QueryEscape", () => {
    expect(str("urlquery.encode", "a b&c=d/é~")).toBe("a+b%26c%3Dd%2F%C3%A9~");
    expect(str("urlquery.decode", "a+b%26c%3Dd%2F%C3%A9~")).toBe("a b&c=d/é~");
    expect(failure("urlquery.decode", "%zz")).toBe('eval_builtin_error: invalid URL escape "%zz"');
  });

  it("encodes and decodes objects", () => {
    expect(str("urlquery.encode_object", { b: ["2", "1"], a: "x y", c: set("z") })).toBe("a=x+y&b=2&b=1&c=z");
    expect(text("urlquery.decode_object", "a=1&b=2&a=3&c")).toBe('{"a": ["1", "3"], "b": ["2"], "c": [""]}');
    expect(failure("urlquery.encode_object", { a: 1 })).toBe("eval_type_error: operand 1 values must be string, array[string], or set[string]");
  });
});

describe("to_number", () => {
  it("converts null, booleans, numbers and numeric strings", () => {
    expect(text("to_number", "-42.0")).toBe("-42");
    expect(text("to_number", false)).toBe("0");
    expect(text("to_number", true)).toBe("1");
    expect(text("to_number", null)).toBe("0");
    expect(text("to_number", 100.1)).toBe("100.1");
    expect(text("to_number", "+.5")).toBe("0.5");
    expect(text("to_number", "123456789123456789123")).toBe("123456789123456789123");
  });

  it("rejects what Go's ParseFloat rejects", () => {
    expect(failure("to_number", "broken")).toBe('eval_builtin_error: strconv.ParseFloat: parsing "broken": invalid syntax');
    expect(failure("to_number", "1e999")).toBe('eval_builtin_error: strconv.ParseFloat: parsing "1e999": value out of range');
    expect(failure("to_number", "Inf")).toBe("eval_type_error: operand 1 must be valid number string but got string");
    expect(failure("to_number", [])).toBe("eval_type_error: operand 1 must be one of {null, boolean, number, string} but got array");
  });
});
