// Function arguments that compute (`f($"{x}")`, `f(1 + n)`): rewritten before compiling, as OPA's
// compiler rewrites calls in rule heads, into a fresh variable and a body expression
// `__arg_0 = <the argument>`. The planner reads other arguments as patterns matched on entry,
// before the body; a computed one may need the body's variables, and as a body expression it is
// ordered after what binds them.
import type { Module, Rule, Term } from "../syntax/ast.ts";

/** Copies of the modules with computed function arguments moved into bodies; others are returned as they are. */
export function rewriteComputedArgs(modules: Module[]): Module[] {
  let fresh = 0;
  const name = () => `__arg_${fresh++}`;
  return modules.map((m) => (m.rules.some(hasComputedArg) ? { ...m, rules: m.rules.map((r) => rewriteRule(r, name)) } : m));
}

function hasComputedArg(r: Rule): boolean {
  return (r.head.args ?? []).some(computes) || (r.else !== undefined && hasComputedArg(r.else));
}

function rewriteRule(r: Rule, name: () => string): Rule {
  const elseRule = r.else && rewriteRule(r.else, name);
  if (!(r.head.args ?? []).some(computes)) return elseRule === r.else ? r : { ...r, else: elseRule };
  const body = [...r.body];
  const args = r.head.args!.map((a): Term => {
    if (!computes(a)) return a;
    const v: Term = { type: "var", name: name(), loc: a.loc };
    body.push({ kind: "unify", negated: false, with: [], left: v, right: a, loc: a.loc });
    return v;
  });
  return { ...r, head: { ...r.head, args }, body, ...(elseRule ? { else: elseRule } : {}) };
}

/** Whether a term calls a function somewhere (so is not a pattern). */
function computes(t: unknown): boolean {
  if (Array.isArray(t)) return t.some(computes);
  if (t === null || typeof t !== "object") return false;
  if ((t as { type?: unknown }).type === "call") return true;
  return Object.entries(t).some(([k, v]) => k !== "loc" && computes(v));
}
