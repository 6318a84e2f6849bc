// Finding the tests of a compiled policy, as `opa test` does: every rule whose name starts with
// `test_` (run) or `todo_test_` (reported as skipped), in any module, functions excluded. A test
// written as a set or object with one key (`test_x contains name if …`, `test_x[name] if …`) is
// parametrised: each key is a case, reported on its own.
import type { Location, Module } from "../syntax/ast.ts";
import type { CompiledPolicy } from "../compiler/compile.ts";
import { walkNodes, type RuleDef } from "../compiler/rules.ts";

export interface TestCase {
  /** `data.` and the package path: `data.governance`. */
  pkg: string;
  /** The rule's name below its package: `test_allow` (or `p.q.test_x` for a ref head). */
  name: string;
  /** The entrypoint the test is planned and evaluated as: `governance/test_allow`. */
  entrypoint: string;
  /** Where the (first) definition of the test is. */
  loc: Location;
  /** A `todo_test_` rule: reported, not run. */
  skip: boolean;
  /** Every definition of the test rule (usually one), each with its else chain. */
  defs: RuleDef[];
  /** A parametrised test: its value is a set (`contains`) or an object (`[name]`) of cases. */
  params?: "set" | "object";
}

const TEST = /^(todo_)?test_/;
const DUPLICATE = "__warden_dup";

/**
 * Test rules sharing a name in one package run as separate tests, as `opa test` runs them, not
 * as one merged rule where a failing definition hides behind a passing one: the second and later
 * definitions are renamed before compiling (`test_x__warden_dup01`) and reported as `test_x#01`,
 * `test_x#02`, …. Changes `modules` in place.
 */
export function separateDuplicateTests(modules: Module[]): void {
  const seen = new Map<string, number>();
  for (const m of modules) {
    for (const r of m.rules) {
      const head = r.head.ref[0];
      if (r.head.ref.length !== 1 || r.head.args || r.head.key || head?.type !== "var" || !TEST.test(head.name)) continue;
      const key = `${m.package.path.join(".")}.${head.name}`;
      const n = seen.get(key) ?? 0;
      seen.set(key, n + 1);
      if (n > 0) r.head.ref = [{ ...head, name: `${head.name}${DUPLICATE}${String(n).padStart(2, "0")}` }];
    }
  }
}

/** The name a test is reported under: `test_x#01` for a renamed duplicate. */
const shownName = (name: string) => name.replace(new RegExp(`${DUPLICATE}(\\d+)$`), "#$1");

/** The policy's tests, in file order then source order. */
export function discoverTests(policy: CompiledPolicy): TestCase[] {
  const pkgOfFile = new Map(policy.modules.map((m) => [m.file, m.package.path]));
  const tests: TestCase[] = [];
  walkNodes(policy.root, (n) => {
    const last = n.path[n.path.length - 1];
    if (last === undefined || !TEST.test(last)) return;
    const params = n.complete.length > 0 ? undefined : n.multi.length > 0 ? "set" : n.object.length > 0 ? "object" : undefined;
    // Only one-key objects are cases by name; `test_x[a][b]` nests documents, not cases.
    if (params === "object" && n.object.some((d) => d.keys.length !== 1)) return;
    const defs = params === "set" ? n.multi : params === "object" ? n.object : n.complete;
    if (defs.length === 0) return;
    const loc = defs[0]!.loc;
    const pkg = pkgOfFile.get(loc.file) ?? n.path.slice(0, -1);
    tests.push({
      pkg: ["data", ...pkg].join("."),
      name: shownName(n.path.slice(pkg.length).join(".")),
      entrypoint: n.path.join("/"),
      loc,
      skip: last.startsWith("todo_"),
      defs,
      ...(params ? { params } : {}),
    });
  });
  return tests.sort((a, b) => cmp(a.loc.file, b.loc.file) || a.loc.row - b.loc.row || a.loc.col - b.loc.col);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
