// The compiler's analysis of what a term needs and what an expression binds, given each call's
// arity (recorded by the "calls and with" stage). The safety stage orders bodies with it; the
// planner reads the same analysis from the compiled policy (CompiledPolicy.needs) to lower
// unification and calls, instead of deriving it again.
import type { Body, Expr, RefTerm, Term } from "../syntax/ast.ts";
import { forEachChild, ownTerms, refName } from "./terms.ts";
import { lookupBuiltin } from "../builtins/registry.ts";

/** Arity of a function or built-in named by a call operator; undefined if unknown. */
export type ArityOf = (operator: RefTerm) => number | undefined;

/** Vars introduced by `_` are local wherever they appear (even inside `not`). */
export const isWildcard = (name: string) => name.startsWith("_$");

export class Needs {
  constructor(protected readonly arityOf: ArityOf) {}

  // --- what a term needs and binds ----------------------------------------------------------

  /**
   * Vars that must be bound before `t` can be evaluated as a value. Vars used as ref keys are not
   * needed (evaluation iterates over them); the call output argument is not an input.
   */
  evalNeeds(t: Term, out: Set<string> = new Set()): Set<string> {
    switch (t.type) {
      case "var":
        if (t.name !== "data" && t.name !== "input") out.add(t.name);
        break;
      case "ref": {
        const head = t.terms[0]!;
        if (head.type !== "var") this.evalNeeds(head, out);
        else if (head.name !== "data" && head.name !== "input") out.add(head.name);
        for (const k of t.terms.slice(1)) if (k.type !== "var") this.keyNeeds(k, out);
        break;
      }
      case "call": {
        const args = this.callOutput(t) ? t.args.slice(0, -1) : t.args;
        for (const a of args) this.evalNeeds(a, out);
        break;
      }
      case "arraycomp":
      case "setcomp":
        this.closureNeeds(t.term, t.body, []).forEach((v) => out.add(v));
        break;
      case "objectcomp":
        this.closureNeeds(t.key, t.body, [], t.value).forEach((v) => out.add(v));
        break;
      default:
        forEachChild(t, (c) => this.evalNeeds(c, out));
    }
    return out;
  }

  /** A composite ref key like `x[[a, b]]` is matched by iteration, so its vars are outputs. */
  protected keyNeeds(k: Term, out: Set<string>): void {
    if (k.type === "array" || k.type === "object" || k.type === "set") {
      forEachChild(k, (c) => {
        if (c.type !== "var") this.keyNeeds(c, out);
      });
    } else this.evalNeeds(k, out);
  }

  /**
   * The outer vars a closure (comprehension or `every`) reads: its vars that its own body does
   * not bind. Names are unique after resolution, so a var the body cannot bind is an outer one.
   */
  protected closureNeeds(head: Term, body: Body, declared: (Term | undefined)[], head2?: Term): Set<string> {
    const inner = new Set<string>();
    for (const d of declared) if (d) termVarsShallow(d).forEach((v) => inner.add(v));
    const uses = new Set<string>();
    const collect = (b: Body) => {
      for (const e of b) {
        for (const v of this.binds(e)) inner.add(v);
        if (e.kind === "some") e.vars.forEach((v) => inner.add(v.name));
        for (const t of exprTermsDeep(e)) this.evalNeeds(t, uses);
      }
    };
    collect(body);
    this.evalNeeds(head, uses);
    if (head2) this.evalNeeds(head2, uses);
    return new Set([...uses].filter((v) => !inner.has(v)));
  }

  /** Vars an expression binds once it has run. */
  binds(e: Expr): Set<string> {
    const out = new Set<string>();
    if (e.negated) return out;
    switch (e.kind) {
      case "term":
        refKeyVars(e.term, out);
        {
          const o = this.callOutput(e.term);
          if (o) termVarsShallow(o).forEach((v) => out.add(v));
        }
        break;
      case "unify":
      case "assign":
        termVarsShallow(e.left).forEach((v) => out.add(v));
        termVarsShallow(e.right).forEach((v) => out.add(v));
        break;
      case "somein":
        if (e.key) termVarsShallow(e.key).forEach((v) => out.add(v));
        termVarsShallow(e.value).forEach((v) => out.add(v));
        refKeyVars(e.collection, out);
        break;
      default:
        break;
    }
    return out;
  }

  /** The output argument of a call written with one argument more than its arity. */
  callOutput(t: Term): Term | undefined {
    if (t.type !== "call") return undefined;
    const arity = this.arityOf(t.operator);
    return arity !== undefined && t.args.length === arity + 1 ? t.args[arity] : undefined;
  }
}

/** A with-value naming a built-in (`with count as my_count`) is a name, not a var to bind. */
export function namesFunction(t: Term): boolean {
  if (t.type === "var") return lookupBuiltin(t.name) !== undefined;
  if (t.type === "ref") return lookupBuiltin(refName(t) ?? "") !== undefined;
  return false;
}

/** Vars in a term outside closures, refs' keys included. */
export function termVarsShallow(t: Term, out: Set<string> = new Set()): Set<string> {
  if (t.type === "var") {
    if (t.name !== "data" && t.name !== "input") out.add(t.name);
  } else forEachChild(t, (c) => termVarsShallow(c, out));
  return out;
}

/** Vars used as keys of refs (bound by iteration), inside the term's refs and call arguments. */
export function refKeyVars(t: Term, out: Set<string>): void {
  if (t.type === "ref") {
    for (const k of t.terms.slice(1)) {
      if (k.type === "var") out.add(k.name);
      else if (k.type === "array" || k.type === "object") termVarsShallow(k, out);
      else refKeyVars(k, out);
    }
    refKeyVars(t.terms[0]!, out);
  } else if (t.type !== "arraycomp" && t.type !== "setcomp" && t.type !== "objectcomp") {
    forEachChild(t, (c) => refKeyVars(c, out));
  }
}

/** The terms of an expression, an `every`'s body as a closure, with-values naming no function. */
export function exprTermsDeep(e: Expr): Term[] {
  const ts = e.kind === "some" ? [] : ownTerms(e);
  if (e.kind === "every") {
    // The body as a closure that declares the key and value: its other vars are outer ones.
    const declared = { kind: "some" as const, vars: e.key ? [e.key, e.value] : [e.value], negated: false, with: [], loc: e.loc };
    ts.push({ type: "arraycomp", term: { type: "null", loc: e.loc }, body: [declared, ...e.body], loc: e.loc });
  }
  for (const w of e.with) if (!namesFunction(w.value)) ts.push(w.value);
  return ts;
}
