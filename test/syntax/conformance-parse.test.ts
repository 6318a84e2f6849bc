// Every module, query and input term of OPA's conformance cases must parse: the opa-wasm cases
// are written in pre-1.0 Rego, the others in Rego v1.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { RegoErrors } from "../../src/errors.ts";
import { parseModule, parseQuery, parseTerm } from "../../src/syntax/parser.ts";

const ROOT = fileURLToPath(new URL("../../../shared/conformance/", import.meta.url));

/**
 * Files under opa/v1 whose stored version predates Rego v1 (`p = x { ... }` without `if`). OPA 1.x
 * rejects them too; they are parsed as pre-1.0 Rego, and checked to be rejected as v1.
 */
const PRE_V1_FILES = new Set([
  ...[27, 28, 29, 30, 31, 32, 33].map((n) => `opa/v1/all/test-all-00${n}.yaml`),
  ...[34, 35, 36, 37, 38, 39, 40].map((n) => `opa/v1/any/test-any-00${n}.yaml`),
]);

interface Case {
  note?: string;
  query?: string;
  modules?: string[];
  input_term?: string;
  want_error_code?: string;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return yamlFiles(path);
    return e.name.endsWith(".yaml") ? [path] : [];
  });
}

/** The problems found parsing one file's cases, as readable lines. */
function parseProblems(file: string, regoVersion: 0 | 1): string[] {
  const { cases } = readCases(file);
  const problems: string[] = [];
  const check = (what: string, note: string | undefined, f: () => unknown) => {
    try {
      f();
    } catch (e) {
      const detail = e instanceof RegoErrors ? e.message : `non-parse error: ${String(e)}`;
      problems.push(`${note ?? "?"} (${what}): ${detail}`);
    }
  };
  for (const c of cases) {
    if (c.want_error_code === "rego_parse_error") continue;
    c.modules?.forEach((text, i) => check(`module ${i}`, c.note, () => parseModule(text, `module${i}.rego`, { regoVersion })));
    if (c.query !== undefined) check("query", c.note, () => parseQuery(c.query!, "query", { regoVersion }));
    if (c.input_term !== undefined) check("input_term", c.note, () => parseTerm(c.input_term!));
  }
  return problems;
}

function readCases(file: string): { cases: Case[] } {
  return parseYaml(readFileSync(file, "utf8")) as { cases: Case[] };
}

describe.skipIf(!existsSync(ROOT))("OPA conformance sources parse", () => {
  const files = existsSync(ROOT) ? yamlFiles(ROOT).sort() : [];

  it("finds the case files", () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))("%s", (name, file) => {
    const regoVersion = name.startsWith("opa-wasm") || PRE_V1_FILES.has(name) ? 0 : 1;
    expect(parseProblems(file, regoVersion)).toEqual([]);
  });

  it.each([...PRE_V1_FILES])("%s is rejected as Rego v1", (name) => {
    for (const c of readCases(join(ROOT, name)).cases) {
      for (const text of c.modules ?? []) {
        expect(() => parseModule(text, "m.rego")).toThrow("`if` keyword is required before rule body");
      }
    }
  });
});

if (!existsSync(ROOT)) {
  describe("OPA conformance sources parse", () => {
    it.skip(`skipped: ${ROOT} is absent`, () => {});
  });
}
