// json.match_schema's errors as gojsonschema (OPA's library) writes them: formats, limits, branches.
import { describe, expect, it } from "vitest";
import { GO_FORMATS } from "../../src/builtins/jsonschema-formats.ts";
import { GoSchemaValidator, type Json } from "../../src/builtins/jsonschema-validate.ts";
import { JSON_SCHEMA } from "../../src/builtins/jsonschema.ts";
import { fromJSON, toJSON } from "../../src/values/value.ts";

const errors = (schema: Json, doc: Json) => new GoSchemaValidator(schema as never).validate(doc).map((e) => e.error);

describe("formats, checked as gojsonschema checks them", () => {
  it("date-time takes any of Go's layouts it tries, a bare date or time included", () => {
    const ok = ["2024-02-29T10:00:00Z", "2024-02-29T10:00:00.123+02:00", "2024-02-29", "10:00:00", "10:00:00Z"];
    expect(ok.filter((s) => !GO_FORMATS["date-time"]!(s))).toEqual([]);
    expect(["2023-02-29", "2024-13-01T00:00:00Z", "yesterday", "2024-02-29 10:00:00Z"].filter((s) => GO_FORMATS["date-time"]!(s))).toEqual([]);
  });

  it("regex is Go's syntax; ipv4, uri and email follow net.ParseIP, url.Parse and net/mail", () => {
    expect([GO_FORMATS.regex!("a(b"), GO_FORMATS.regex!("(?P<x>a)"), GO_FORMATS.regex!("a(?=b)")]).toEqual([false, true, false]);
    expect([GO_FORMATS.ipv4!("10.0.0.1"), GO_FORMATS.ipv4!("010.0.0.1"), GO_FORMATS.ipv6!("::1")]).toEqual([true, false, true]);
    expect([GO_FORMATS.uri!("https://a.b/c"), GO_FORMATS.uri!("/relative"), GO_FORMATS["uri-reference"]!("/relative"), GO_FORMATS.uri!("http://a/%zz")]).toEqual([true, false, true, false]);
    expect([GO_FORMATS.email!("a@b.c"), GO_FORMATS.email!("Ann <a@b.c>"), GO_FORMATS.email!("a.b.c")]).toEqual([true, true, false]);
  });

  it("reports a string of the wrong format, passes other values and unknown formats", () => {
    expect(errors({ items: { format: "uuid" } }, ["nope", 1, "0f8fad5b-d9cb-469f-a165-70867728950e"])).toEqual(["0: Does not match format 'uuid'"]);
    expect(errors({ format: "no-such-format" }, "x")).toEqual([]);
  });
});

describe("messages", () => {
  it("prints limits as Go does: integers plainly, numbers as a big.Float's %v", () => {
    expect(errors({ minimum: 1.5, maximum: 2e6 }, 1)).toEqual(["(Root): Must be greater than or equal to 1.5"]);
    expect(errors({ maximum: 2e6 }, 3e6)).toEqual(["(Root): Must be less than or equal to 2e+06"]);
    expect(errors({ type: ["string", "null"], minItems: 2 }, 1)).toEqual(["(Root): Invalid type. Expected: [string,null], given: integer"]);
  });

  it("reports a failed oneOf with its best branch, and a failed allOf after its branches", () => {
    expect(errors({ oneOf: [{ type: "string" }, { minimum: 5 }] }, 1)).toEqual([
      "(Root): Must validate one and only one schema (oneOf)",
      "(Root): Must be greater than or equal to 5",
    ]);
    expect(errors({ allOf: [{ required: ["a"] }, { maxProperties: 0 }] }, { b: 1 })).toEqual([
      "(Root): a is required",
      "(Root): Must have at most 0 properties",
      "(Root): Must validate all the schemas (allOf)",
    ]);
  });

  it("follows $ref to definitions and enum/const by their JSON text", () => {
    const schema = { definitions: { day: { enum: ["mon", "tue"] } }, properties: { d: { $ref: "#/definitions/day" }, c: { const: { a: [1] } } } };
    expect(errors(schema, { d: "sun", c: { a: [2] } })).toEqual(['d: d must be one of the following: "mon", "tue"', 'c: c does not match: {"a":[1]}']);
    // Go's json.Marshal: keys sorted, <, > and & escaped
    expect(errors({ enum: ["a<b", { b: 1, a: [true] }] }, "x")).toEqual(['(Root): (Root) must be one of the following: "a\\u003cb", {"a":[true],"b":1}']);
  });
});

describe("json.match_schema", () => {
  const match = (doc: unknown, schema: unknown) => {
    const def = JSON_SCHEMA.find((d) => d.name === "json.match_schema")!;
    return toJSON(def.impl([fromJSON(doc as never), fromJSON(schema as never)], {} as never)!);
  };

  it("takes a recursive schema ($ref to the root) and schemas sharing an $id one after the other", () => {
    const tree = { $id: "http://example.com/tree", type: "object", properties: { next: { $ref: "#" } } };
    expect(match({ next: { next: {} } }, tree)).toEqual([true, []]);
    expect(match({ next: { next: 1 } }, tree)).toEqual([false, [{ desc: "Invalid type. Expected: object, given: integer", error: "next.next: Invalid type. Expected: object, given: integer", field: "next.next", type: "invalid_type" }]]);
    expect(match('"x"', { $id: "http://example.com/tree", type: "string" })).toEqual([true, []]); // a string operand is JSON text
  });

  it("refuses a schema whose $ref only leads back to itself", () => {
    expect(() => match({}, { $ref: "#" })).toThrow(/refers to itself/);
  });
});
