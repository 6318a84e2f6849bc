// Cases of parametrised tests (`test_x contains name if { some name, c in cases; … }`): the names
// a test produces are the cases that passed; the cases that failed are the ones it would have
// produced had the rest of its body held. Those are found by evaluating, on the reference
// interpreter, a companion rule per definition whose body is the test's body up to the first
// expression that binds the name: `__warden_cases_N contains name if { some name, c in cases }`.
import type { Body, Expr, Module, Rule, Term } from "../syntax/ast.ts";
import type { RuleDef } from "../compiler/rules.ts";
import { compileModules } from "../compiler/compile.ts";
import { planEntrypoints } from "../planner/planner.ts";
import { Interpreter } from "../interpreter/interpreter.ts";
import { ObjectValue, SetValue, fromJSON, toJSONText, type Value } from "../values/value.ts";
import { ruleKey } from "./probes.ts";
import type { TestCase } from "./discover.ts";

export interface CaseResult {
  /** The case's name: a string key as it is, any other key as its JSON text. */
  name: string;
  outcome: "pass" | "fail";
}

const COMPANION = "__warden_cases_";

export function caseName(v: Value): string {
  return typeof v === "string" ? v : toJSONText(v);
}

/** The cases a test's value shows: set members pass; object keys pass when their value is true. */
export function producedCases(value: unknown): Map<string, CaseResult> {
  const out = new Map<string, CaseResult>();
  const v = value instanceof SetValue || value instanceof ObjectValue ? value : fromJSON(value);
  // The SDK hands back JSON: a set arrives as an array.
  if (v instanceof SetValue || Array.isArray(v)) for (const k of v instanceof SetValue ? v.values() : v) out.set(caseName(k), { name: caseName(k), outcome: "pass" });
  else if (v instanceof ObjectValue) {
    for (const [k, x] of v.entries()) out.set(caseName(k), { name: caseName(k), outcome: x === true ? "pass" : "fail" });
  }
  return out;
}

/**
 * For each parametrised test, every case name its bodies could produce, from the companion rules.
 * A test whose companion does not compile (the name is bound only late, by an expression that
 * needs what comes after it) gets no entry: its cases are then only those it produced.
 */
export function candidateCases(modules: Module[], tests: TestCase[], data: unknown): Map<TestCase, Set<string>> {
  const out = new Map<TestCase, Set<string>>();
  for (const t of tests) {
    const extra = new Map<Module, Rule[]>();
    const entrypoints: string[] = [];
    for (const d of t.defs) {
      const found = companion(modules, d, `${COMPANION}${entrypoints.length}`);
      if (!found) continue;
      extra.set(found.module, [...(extra.get(found.module) ?? []), found.rule]);
      entrypoints.push([...found.module.package.path, found.name].join("/"));
    }
    if (entrypoints.length === 0) continue;
    try {
      const copies = modules.map((m) => (extra.has(m) ? { ...m, rules: [...m.rules, ...extra.get(m)!] } : m));
      const interpreter = new Interpreter(planEntrypoints(compileModules(copies), entrypoints));
      const names = new Set<string>();
      for (const e of entrypoints) {
        for (const r of interpreter.eval(e, { data: fromJSON(data ?? {}), context: { print: () => {} } })) {
          const v = r instanceof ObjectValue ? r.getString("result") : undefined;
          if (v instanceof SetValue) for (const k of v.values()) names.add(caseName(k));
        }
      }
      out.set(t, names);
    } catch {
      // No candidates: the test is judged on what it produced.
    }
  }
  return out;
}

/** The companion rule of one definition, in the module that holds it. */
function companion(modules: Module[], d: RuleDef, name: string): { module: Module; rule: Rule; name: string } | undefined {
  // The rule as written, not as compiled (whose variables may be renamed).
  const src = d.source;
  const key = src.head.key ?? src.head.ref[src.head.ref.length - 1];
  if (!key || key.type !== "var") return undefined;
  const module = modules.find((m) => m.rules.some((r) => ruleKey(r.loc) === ruleKey(src.loc)));
  if (!module) return undefined;
  const at = src.body.findIndex((e) => e.kind !== "some" && mentions(e, key.name));
  if (at < 0) return undefined;
  const body: Body = src.body.slice(0, at + 1);
  const head = { ref: [{ type: "var", name, loc: d.loc } as Term], key, assign: false, contains: true, loc: d.loc };
  return { module, name, rule: { head, body, default: false, loc: d.loc } };
}

/** Whether an expression names the variable anywhere (a plain walk over the AST's objects). */
function mentions(node: Expr | unknown, name: string): boolean {
  if (Array.isArray(node)) return node.some((x) => mentions(x, name));
  if (node === null || typeof node !== "object") return false;
  const o = node as Record<string, unknown>;
  if (o.type === "var" && o.name === name) return true;
  return Object.entries(o).some(([k, v]) => k !== "loc" && mentions(v, name));
}
