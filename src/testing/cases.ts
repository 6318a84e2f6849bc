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
 * For each parametrised test, every case name its bodies could produce, from the companion rules
 * (all compiled together; when that fails, test by test). A test whose companion does not compile
 * (the name is bound only late, by an expression that needs what comes after it) or fails gets
 * no entry: its cases are then only those it produced.
 */
export function candidateCases(modules: Module[], tests: TestCase[], data: unknown): Map<TestCase, Set<string>> {
  let n = 0;
  const plans = new Map<TestCase, Companion[]>();
  for (const t of tests) {
    const found = t.defs.flatMap((d) => companion(modules, d, `${COMPANION}${n++}`) ?? []);
    if (found.length > 0) plans.set(t, found);
  }
  const out = new Map<TestCase, Set<string>>();
  const together = evaluator(modules, [...plans.values()].flat(), data);
  for (const [t, companions] of plans) {
    const names = (together ?? evaluator(modules, companions, data))?.(companions);
    if (names) out.set(t, names);
  }
  return out;
}

interface Companion {
  module: Module;
  rule: Rule;
  name: string;
}

/** Compiles the companions into the policy; returns a function collecting their names, or undefined. */
function evaluator(modules: Module[], companions: Companion[], data: unknown): ((cs: Companion[]) => Set<string> | undefined) | undefined {
  const entry = (c: Companion) => [...c.module.package.path, c.name].join("/");
  let interpreter: Interpreter;
  try {
    const copies = modules.map((m) => {
      const extra = companions.filter((c) => c.module === m).map((c) => c.rule);
      return extra.length > 0 ? { ...m, rules: [...m.rules, ...extra] } : m;
    });
    interpreter = new Interpreter(planEntrypoints(compileModules(copies), companions.map(entry)));
  } catch {
    return undefined;
  }
  const base = fromJSON(data ?? {});
  return (cs) => {
    const names = new Set<string>();
    try {
      for (const c of cs) {
        for (const r of interpreter.eval(entry(c), { data: base, context: { print: () => {} } })) {
          const v = r instanceof ObjectValue ? r.getString("result") : undefined;
          if (v instanceof SetValue) for (const k of v.values()) names.add(caseName(k));
        }
      }
    } catch {
      return undefined;
    }
    return names;
  };
}

/** The companion rule of one definition, in the module that holds it. */
function companion(modules: Module[], d: RuleDef, name: string): Companion | undefined {
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
