// Finding the tests of a compiled policy, as `opa test` does: every rule whose name starts with
// `test_` (run) or `todo_test_` (reported as skipped), in any module, functions excluded.
import type { Location } from "../syntax/ast.ts";
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
}

const TEST = /^(todo_)?test_/;

/** The policy's tests, in file order then source order. */
export function discoverTests(policy: CompiledPolicy): TestCase[] {
  const pkgOfFile = new Map(policy.modules.map((m) => [m.file, m.package.path]));
  const tests: TestCase[] = [];
  walkNodes(policy.root, (n) => {
    const last = n.path[n.path.length - 1];
    if (last === undefined || !TEST.test(last) || n.complete.length === 0) return;
    const defs = n.complete;
    const loc = defs[0]!.loc;
    const pkg = pkgOfFile.get(loc.file) ?? n.path.slice(0, -1);
    tests.push({
      pkg: ["data", ...pkg].join("."),
      name: n.path.slice(pkg.length).join("."),
      entrypoint: n.path.join("/"),
      loc,
      skip: last.startsWith("todo_"),
      defs,
    });
  });
  return tests.sort((a, b) => cmp(a.loc.file, b.loc.file) || a.loc.row - b.loc.row || a.loc.col - b.loc.col);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
