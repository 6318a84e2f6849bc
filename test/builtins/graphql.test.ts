// graphql.*: gqlparser's AST JSON and OPA's error wording, from graphql-js's parser and validator.
import { describe, expect, it } from "vitest";
import { toJSON } from "../../src/values/value.ts";
import { call, failure, text } from "./call.ts";

const json = (name: string, ...args: unknown[]) => toJSON(call(name, args)!);

describe("graphql.parse_query and graphql.parse_schema", () => {
  it("word syntax errors as OPA reports gqlparser's", () => {
    const cases: [string, string, string][] = [
      ["graphql.parse_query", "\n  { ...MissingOn }\n  fragment MissingOn Type\n", 'Expected "on", found Name "Type" in GraphQL string at location 3:22'],
      ["graphql.parse_query", "{ field: {} }", "Expected Name, found { in GraphQL string at location 1:10"],
      ["graphql.parse_query", "notanoperation Foo { field }", 'Unexpected Name "notanoperation" in GraphQL string at location 1:1'],
      ["graphql.parse_query", "...", "Unexpected ... in GraphQL string at location 1:1"],
      ["graphql.parse_query", "query Foo($x: C = { a: [ $var ] }) { field }", "Unexpected $ in GraphQL string at location 1:26"],
      ["graphql.parse_query", "type A { a: Int }", 'Unexpected Name "type" in GraphQL string at location 1:1'],
      ["graphql.parse_schema", "enum Hello {}", "expected at least one definition, found } in GraphQL string at location 1:13"],
      ["graphql.parse_schema", "extend type Hello", "Unexpected <EOF> in GraphQL string at location 1:18"],
      ["graphql.parse_schema", '"Description"\nextend type Hello { world: String }', 'Unexpected String "Description" in GraphQL string at location 1:1'],
      ["graphql.parse_schema", "union Hello = Wo || Rld", "Expected Name, found | in GraphQL string at location 1:19"],
      ["graphql.parse_schema", "input Hello {\n  world(foo: Int): String\n}", "Expected :, found ( in GraphQL string at location 2:8"],
      ["graphql.parse_schema", '"""\r', "Unexpected <Invalid> in GraphQL string at location 2:1"],
      ["graphql.parse_schema", "{ a }", "Unexpected { in GraphQL string at location 1:1"],
    ];
    for (const [name, src, message] of cases) expect(failure(name, src)).toBe(`eval_builtin_error: ${message}`);
  });

  it("reads an empty document as empty, as gqlparser does", () => {
    expect(text("graphql.parse_query", "  # only a comment\n")).toBe("{}");
    expect(text("graphql.parse_schema", "")).toBe("{}");
  });

  it("keeps gqlparser's zero values that OPA does not prune", () => {
    expect(json("graphql.parse_query", "{ ... { a } }")).toEqual({ Operations: [{ Name: "", Operation: "query", SelectionSet: [{ SelectionSet: [{ Alias: "a", Name: "a" }], TypeCondition: "" }] }] });
    expect(json("graphql.parse_schema", "extend schema @d")).toEqual({ SchemaExtension: [{ Description: "", Directives: [{ Location: "", Name: "d" }] }] });
  });

  it("refuses a document over the token budget", () => {
    const big = `{ ${"a ".repeat(100_001)}}`;
    expect(failure("graphql.parse_query", big)).toMatch(/^eval_builtin_error: document longer than 100000 tokens in GraphQL string/);
  });
});

describe("graphql.parse, parse_and_verify, is_valid, schema_is_valid", () => {
  const schema = "type Query { employee(id: String!): Employee } type Employee { salary: Int! }";

  it("round-trips the AST objects it returns", () => {
    const q = json("graphql.parse_query", '{ employee(id: "a") { salary } }');
    const s = json("graphql.parse_schema", schema);
    expect(json("graphql.parse", q, s)).toEqual([q, s]);
    expect(text("graphql.is_valid", q, schema)).toBe("true");
    expect(text("graphql.schema_is_valid", s)).toBe("true");
  });

  it("reports what the schema rejects, with the query's location", () => {
    expect(failure("graphql.parse", "{ employee { salary } }", schema)).toBe('eval_builtin_error: Field "employee" argument "id" of type "String!" is required, but it was not provided in GraphQL query string at location 1:3');
    expect(failure("graphql.parse", "{ a }", "type Query { a: Nope }")).toMatch(/^eval_builtin_error: Error in gqlparser SchemaDocument to Schema conversion: Unknown type "Nope"/);
    expect(failure("graphql.parse", 1, schema)).toBe("eval_type_error: operand 1 must be one of {string, object} but got number");
  });

  it("answers false or the unverified triple instead of failing", () => {
    expect(text("graphql.parse_and_verify", "{ employee(id: 1) { salary } }", schema)).toBe("[false, {}, {}]");
    expect(text("graphql.parse_and_verify", "{ a }", "")).toBe("[false, {}, {}]"); // no Query type
    expect(text("graphql.is_valid", "{ employee(id: \"x\") { salary } }", 5)).toBe("false");
    expect(text("graphql.schema_is_valid", "type A implements Missing { a: Int }")).toBe("false");
    expect(text("graphql.schema_is_valid", "")).toBe("true");
  });
});
