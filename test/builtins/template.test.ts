// strings.render_template: the text/template subset, its output formatting and its refusals.
import { describe, expect, it } from "vitest";
import { failure, text } from "./call.ts";

const render = (t: string, v: object = {}) => JSON.parse(text("strings.render_template", t, v)) as string;

describe("strings.render_template", () => {
  it("prints values as Go's fmt does for JSON data", () => {
    expect(render("{{.m}} {{.l}} {{.z}} {{.b}}", { m: { b: 2, a: "x" }, l: [1, null], z: null, b: true })).toBe("map[a:x b:2] [1 <nil>] <no value> true");
    expect(render('{{print 1 2 "a" 3}}|{{println 1 2}}|{{and 1 0}}|{{or 0 "" "z"}}|{{not .u}}')).toBe("1 2a3|1 2\n|0|z|true");
  });

  it("evaluates control structures, variables and pipelines", () => {
    expect(render("{{range .m}}[{{.}}]{{else}}E{{end}} {{range .e}}x{{else}}E{{end}}", { m: { b: 2, a: 1 }, e: [] })).toBe("[1][2] E");
    expect(render("{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}} {{.l | len}} {{(index .l 1).k}}", { l: [0, { k: "v" }] })).toBe("2 2 v");
    expect(render("{{if eq .x 1}}a{{else if eq .x 2}}b{{else}}c{{end}}", { x: 2 })).toBe("b");
    expect(render("a {{- /* note */ -}} b")).toBe("ab");
  });

  it("slice, html, js and urlquery as text/template defines them", () => {
    expect(render("{{slice .s 1 3}}|{{slice .l 1}}|{{slice .l 0 1 2}}|{{slice .s}}", { s: "héllo", l: [1, 2, 3] })).toBe("é|[2 3]|[1]|héllo");
    expect(render('{{html .x}}|{{html 1 "<"}}', { x: `<a href="x">'&'</a>` })).toBe("&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;|1&lt;");
    expect(render("{{js .x}}", { x: `a'b"c\\d<e>&f=\n\u2028é` })).toBe("a\\'b\\\"c\\\\d\\u003Ce\\u003E\\u0026f\\u003D\\u000A\\u2028é");
    expect(render("{{urlquery .x}}|{{.x | urlquery}}", { x: "a b&c=d/é~" })).toBe("a+b%26c%3Dd%2F%C3%A9~|a+b%26c%3Dd%2F%C3%A9~");
    expect(failure("strings.render_template", "{{slice .s 2 1}}", { s: "abc" })).toBe("eval_builtin_error: template: template:1: error calling slice: invalid slice index: 2 > 1");
    expect(failure("strings.render_template", "{{slice .s 0 9}}", { s: "abc" })).toBe("eval_builtin_error: template: template:1: error calling slice: index out of range: 9");
    expect(failure("strings.render_template", "{{slice .s 0 1 2}}", { s: "abc" })).toMatch(/cannot 3-index slice a string/);
    expect(failure("strings.render_template", "{{slice .s 0 1}}", { s: "éa" })).toMatch(/cuts a UTF-8 character/);
    expect(failure("strings.render_template", "{{slice .n 0}}", { n: 1 })).toMatch(/can't slice item of type number/);
  });

  it("refuses what it does not support and templates that do not parse", () => {
    expect(failure("strings.render_template", "{{.a", {})).toBe("eval_builtin_error: template: template:1: unclosed action");
    expect(failure("strings.render_template", "x\n{{end}}", {})).toBe("eval_builtin_error: template: template:2: unexpected {{end}}");
    expect(failure("strings.render_template", '{{template "t"}}', {})).toMatch(/template is not supported/);
    expect(failure("strings.render_template", "{{nope 1}}", {})).toBe('eval_builtin_error: template: template:1: function "nope" not defined');
    expect(failure("strings.render_template", "{{lt .a 1}}", { a: "s" })).toBe("eval_builtin_error: template: template:1: incompatible types for comparison");
    expect(failure("strings.render_template", "{{.a}}", 1 as unknown as object)).toBe("eval_type_error: operand 2 must be object but got number");
  });

  it("bounds the work and the output", () => {
    const big = Array.from({ length: 1100 }, (_, i) => i);
    expect(failure("strings.render_template", "{{range .a}}{{range $.a}}{{end}}{{end}}", { a: big })).toMatch(/exceeds 1000000 steps/);
  });
});
