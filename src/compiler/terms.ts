// Small helpers to build and inspect AST terms, shared by the compiler stages and the planner.
import type { Body, Expr, Location, RefTerm, StringTerm, Term, VarTerm } from "../syntax/ast.ts";
import { ObjectValue, SetValue, equal, parseNumber, type Value } from "../values/value.ts";
import { RegoError } from "../errors.ts";

export const varTerm = (name: string, loc: Location): VarTerm => ({ type: "var", name, loc });
export const stringTerm = (value: string, loc: Location): StringTerm => ({ type: "string", value, loc });
export const refTerm = (terms: Term[], loc: Location): RefTerm => ({ type: "ref", terms, loc });

/** `data.a.b` as a ref term. */
export function dataRef(path: string[], loc: Location): RefTerm {
  return refTerm([varTerm("data", loc), ...path.map((p) => stringTerm(p, loc))], loc);
}

/** The dotted name of a ref made of a var and string keys (`data.a.b`, `time.now_ns`), else null. */
export function refName(ref: RefTerm): string | null {
  const parts: string[] = [];
  for (const [i, t] of ref.terms.entries()) {
    if (i === 0 && t.type === "var") parts.push(t.name);
    else if (i > 0 && t.type === "string") parts.push(t.value);
    else return null;
  }
  return parts.join(".");
}

/** Calls `f` on every term directly contained in `t` (not descending into closures' bodies). */
export function forEachChild(t: Term, f: (child: Term) => void): void {
  switch (t.type) {
    case "ref":
      t.terms.forEach(f);
      return;
    case "array":
    case "set":
      t.items.forEach(f);
      return;
    case "object":
      for (const [k, v] of t.entries) {
        f(k);
        f(v);
      }
      return;
    case "call":
      t.args.forEach(f);
      return;
    default:
      return;
  }
}

/** The terms of an expression itself, without its with-values (an every's domain, not its body). */
export function ownTerms(e: Expr): Term[] {
  switch (e.kind) {
    case "term":
      return [e.term];
    case "unify":
    case "assign":
      return [e.left, e.right];
    case "some":
      return [...e.vars];
    case "somein":
      return e.key ? [e.key, e.value, e.collection] : [e.value, e.collection];
    case "every":
      return [e.domain];
  }
}

/** The terms an expression contains at its top level (with-values included). */
export function exprTerms(e: Expr): Term[] {
  return [...ownTerms(e), ...e.with.map((w) => w.value)];
}

/** Names of the vars in a term, not looking inside comprehensions. */
export function termVars(t: Term, out: Set<string> = new Set()): Set<string> {
  if (t.type === "var") out.add(t.name);
  else forEachChild(t, (c) => termVars(c, out));
  return out;
}

/** True if the term contains no vars, refs, calls or comprehensions. */
export function isConstant(t: Term): boolean {
  switch (t.type) {
    case "null":
    case "boolean":
    case "number":
    case "string":
      return true;
    case "array":
    case "set":
      return t.items.every(isConstant);
    case "object":
      return t.entries.every(([k, v]) => isConstant(k) && isConstant(v));
    default:
      return false;
  }
}

/** The value of a constant term (see isConstant). */
export function constantValue(t: Term): Value {
  switch (t.type) {
    case "null":
      return null;
    case "boolean":
    case "string":
      return t.value;
    case "number": {
      const n = parseNumber(t.value);
      if (n === undefined) throw new RegoError("rego_parse_error", `invalid number ${t.value}`, t.loc);
      return n;
    }
    case "array":
      return t.items.map(constantValue);
    case "set":
      return SetValue.of(t.items.map(constantValue));
    case "object":
      return ObjectValue.fromEntries(t.entries.map(([k, v]) => [constantValue(k), constantValue(v)]));
    default:
      throw new RegoError("internal_error", `not a constant term: ${t.type}`, t.loc);
  }
}

/** Deep-copies a body so that rewriting stages never share nodes between rules. */
export function cloneBody(b: Body): Body {
  return structuredClone(b);
}

/**
 * Whether two object keys are the same constant (by value: `1` and `1.0`, `["a"]` and `["a"]`).
 * The one rule for matching the keys of `{...} = {...}`, in the safety stage and the planner.
 */
export function sameConstantKey(a: Term, b: Term): boolean {
  return isConstant(a) && isConstant(b) && equal(constantValue(a), constantValue(b));
}
