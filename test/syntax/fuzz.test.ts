// Property tests: mangled real policies must either parse or be rejected with located parse
// errors. The parser must never throw anything else (no TypeError, no stack overflow), and must
// finish.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { RegoErrors } from "../../src/errors.ts";
import { parseModule, parseQuery, parseTerm } from "../../src/syntax/parser.ts";

const ROOT = fileURLToPath(new URL("../../../shared/conformance/", import.meta.url));

interface Sample {
  text: string;
  regoVersion: 0 | 1;
}

/** Used when the conformance sources are absent: a few policies covering most of the grammar. */
const FALLBACK: Sample[] = [
  {
    regoVersion: 1,
    text: `# METADATA
# title: demo
package demo.authz

import rego.v1
import data.lib as l

default allow := false

allow if {
	some role in input.user.roles
	role == "admin"
	not deny[input.user.name]
}

deny contains name if {
	name := input.blocked[_]
	count({x | x := input.xs[_]; x > 1}) >= 2 * 3 - 1
}

obj[k] := v if { some k, v in {"a": [1, -2.5e3, \`raw\`], "b": set()} }

f(x, y) := z if { z := x + y } else := 0

every_ok if every x in [1, 2] { x in {1, 2} }

mocked if allow with input.user as {"roles": ["admin"]} with count as l.mock
`,
  },
  { regoVersion: 0, text: "package x\np[x] { x = 1 }\nq = y { y := [z | z = 1] }\nf(x) = x\nr { true } { false }\n" },
];

/** The modules of every fifth conformance file: reading YAML is slow, and these suffice for variety. */
function conformanceSamples(): Sample[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith(".yaml")) files.push(path);
    }
  };
  walk(ROOT);
  return files
    .sort()
    .filter((_, i) => i % 5 === 0)
    .flatMap((path) => {
      const regoVersion = path.includes("opa-wasm") ? 0 : 1;
      const { cases } = parseYaml(readFileSync(path, "utf8")) as { cases: { modules?: string[] }[] };
      return cases.flatMap((c) => (c.modules ?? []).map((text) => ({ text, regoVersion }) as Sample));
    });
}

const SAMPLES = existsSync(ROOT) ? [...FALLBACK, ...conformanceSamples()] : FALLBACK;

/** Fragments that matter to the grammar, to insert into policies. */
const PIECES = [
  "{", "}", "[", "]", "(", ")", "|", "&", ",", ";", ":", ":=", "=", "==", "!=", "<", ">=", "+", "-", "*", "/", "%", ".",
  "\n", " ", "\t", "\r\n", "if", "else", "contains", "in", "every", "some", "not", "with", "as", "default", "import",
  "package", "true", "null", '"', '"\\u', '"\\ud83d"', "`", "#", "\n# METADATA\n# title: [\n", "\n# METADATA\n# scope: package\n",
  "0", "00", "1.", "1e", "1e99999", ".5", "_", "set()", "x", "input.", "f(", "x[", "[x | ", "{k: v | ", "k, v in ",
];

/** Splits source into words, strings, whitespace runs and single characters. */
function chunks(text: string): string[] {
  return text.match(/\s+|\w+|"(?:[^"\\\n]|\\.)*"|`[^`]*`|./gsu) ?? [];
}

type Edit = (text: string) => string;

const at = (text: string, i: number) => (text.length === 0 ? 0 : i % (text.length + 1));

const charEdit: fc.Arbitrary<Edit> = fc.oneof(
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 20 })).map(([i, len]): Edit => (t) => t.slice(0, at(t, i)) + t.slice(at(t, i) + len)),
  fc
    .tuple(fc.nat(), fc.oneof(fc.constantFrom(...PIECES), fc.string({ unit: "binary", maxLength: 4 })))
    .map(([i, s]): Edit => (t) => t.slice(0, at(t, i)) + s + t.slice(at(t, i))),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 40 })).map(([i, len]): Edit => (t) => {
    const p = at(t, i);
    return t.slice(0, p + len) + t.slice(p, p + len) + t.slice(p + len);
  }),
  fc.tuple(fc.nat(), fc.nat()).map(([i, j]): Edit => (t) => {
    const cs = [...t];
    const a = i % Math.max(cs.length, 1);
    const b = j % Math.max(cs.length, 1);
    [cs[a], cs[b]] = [cs[b]!, cs[a]!];
    return cs.join("");
  }),
  fc.nat().map((i): Edit => (t) => t.slice(0, at(t, i))),
);

const tokenEdit: fc.Arbitrary<Edit> = fc.oneof(
  fc.nat().map((i): Edit => (t) => {
    const cs = chunks(t);
    cs.splice(i % Math.max(cs.length, 1), 1);
    return cs.join("");
  }),
  fc.nat().map((i): Edit => (t) => {
    const cs = chunks(t);
    const k = i % Math.max(cs.length, 1);
    cs.splice(k, 0, cs[k] ?? "");
    return cs.join("");
  }),
  fc.tuple(fc.nat(), fc.nat()).map(([i, j]): Edit => (t) => {
    const cs = chunks(t);
    const a = i % Math.max(cs.length, 1);
    const b = j % Math.max(cs.length, 1);
    [cs[a], cs[b]] = [cs[b] ?? "", cs[a] ?? ""];
    return cs.join("");
  }),
  fc.tuple(fc.nat(), fc.constantFrom(...PIECES)).map(([i, piece]): Edit => (t) => {
    const cs = chunks(t);
    cs.splice(i % (cs.length + 1), 0, piece);
    return cs.join("");
  }),
);

const sample = fc.constantFrom(...SAMPLES);
const mutated = (edit: fc.Arbitrary<Edit>) =>
  fc.tuple(sample, fc.array(edit, { minLength: 1, maxLength: 6 })).map(([s, edits]) => ({
    text: edits.reduce((t, e) => e(t), s.text),
    regoVersion: s.regoVersion,
  }));

const OPENERS: Record<string, string> = {
  "[": "]",
  "{": "}",
  "(": ")",
  "f(": ")",
  "x[": "]",
  "[x | ": "]",
  "{k: v | ": "}",
  '{"a": ': "}",
  "every x in y { ": "}",
  "not ": "",
  "-": "",
  "1 + ": "",
};
const deeplyNested = fc
  .record({ open: fc.constantFrom(...Object.keys(OPENERS)), depth: fc.integer({ min: 100, max: 5000 }), closed: fc.boolean() })
  .map(({ open, depth, closed }) => ({
    text: `package deep\np if {\n\tx := ${open.repeat(depth)}1${closed ? OPENERS[open]!.repeat(depth) : ""}\n}\n`,
    regoVersion: 1 as const,
  }));

/** Parsing `text` either succeeds or throws RegoErrors of parse errors located within the text. */
function parsesOrFailsCleanly(text: string, parse: (text: string) => unknown): boolean {
  try {
    parse(text);
    return true;
  } catch (e) {
    if (!(e instanceof RegoErrors)) throw new Error(`threw ${String(e)} for ${JSON.stringify(text.slice(0, 500))}`);
    const rows = text.split("\n").length;
    for (const err of e.errors) {
      const loc = err.loc;
      if (err.code !== "rego_parse_error" || !loc || loc.row < 1 || loc.col < 1 || loc.row > rows) {
        throw new Error(`bad error ${err.message} at ${JSON.stringify(loc)} for ${JSON.stringify(text.slice(0, 500))}`);
      }
    }
    return e.errors.length > 0;
  }
}

function moduleProperty(input: { text: string; regoVersion: 0 | 1 }): boolean {
  const { text, regoVersion } = input;
  return (
    parsesOrFailsCleanly(text, (t) => parseModule(t, "fuzz.rego", { regoVersion })) &&
    parsesOrFailsCleanly(text, (t) => parseModule(t, "fuzz.rego", { regoVersion: regoVersion === 1 ? 0 : 1 }))
  );
}

describe("the parser on mangled input", () => {
  it("handles character-level mutations of real policies", () => {
    fc.assert(fc.property(mutated(charEdit), moduleProperty), { numRuns: 1500 });
  });

  it("handles token-level mutations of real policies", () => {
    fc.assert(fc.property(mutated(tokenEdit), moduleProperty), { numRuns: 1500 });
  });

  it("handles random unicode, as modules, queries and terms", () => {
    const text = fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), fc.string({ unit: "grapheme", maxLength: 200 }));
    fc.assert(
      fc.property(text, (t) => {
        return (
          parsesOrFailsCleanly(`package p\n${t}`, (m) => parseModule(m, "u.rego")) &&
          parsesOrFailsCleanly(t, (q) => parseQuery(q)) &&
          parsesOrFailsCleanly(t, (term) => parseTerm(term))
        );
      }),
      { numRuns: 1000 },
    );
  });

  it("handles a long policy truncated at many lengths", () => {
    const { text, regoVersion } = SAMPLES.reduce((a, b) => (b.text.length > a.text.length && b.text.length < 3000 ? b : a));
    const step = Math.ceil(text.length / 400);
    for (let i = 0; i <= text.length; i += step) moduleProperty({ text: text.slice(0, i), regoVersion });
  });

  it("handles deep nesting", () => {
    fc.assert(fc.property(deeplyNested, moduleProperty), { numRuns: 60 });
  });
});
