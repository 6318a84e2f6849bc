// Stage: safety. Guarantees for the planner: in every body (rules, queries, comprehensions, every),
// expressions are ordered so that each one's inputs are bound by earlier ones, and every var of a
// rule head is bound by its body. Unsafe vars are reported as rego_unsafe_var_error.
import { mapSubterms, type Body, type Expr, type Term } from "../syntax/ast.ts";
import { RegoError } from "../errors.ts";
import { forEachChild, sameConstantKey } from "./terms.ts";
import { exprTermsDeep, isWildcard, namesFunction, Needs, refKeyVars, termVarsShallow, type ArityOf } from "./needs.ts";

export type { ArityOf } from "./needs.ts";
export { isWildcard } from "./needs.ts";

export class Safety extends Needs {
  constructor(
    arityOf: ArityOf,
    private readonly userName: (local: string) => string,
    private readonly errors: RegoError[],
  ) {
    super(arityOf);
  }

  /**
   * Orders `body` given the vars bound before it; returns the ordered body (closures inside
   * are ordered too) and the set of vars bound after it.
   */
  orderBody(body: Body, bound: ReadonlySet<string>): { body: Body; bound: Set<string> } {
    const now = new Set(bound);
    const remaining = [...body];
    const ordered: Expr[] = [];
    while (remaining.length > 0) {
      const i = remaining.findIndex((e) => this.ready(e, now));
      if (i < 0) {
        this.reportUnsafe(remaining, now);
        break;
      }
      const [e] = remaining.splice(i, 1);
      ordered.push(this.orderClosures(e!, now));
      for (const v of this.binds(e!)) now.add(v);
    }
    return { body: ordered, bound: now };
  }

  /** Reports head vars (of keys/values) that the body does not bind. */
  checkHead(terms: Term[], bound: ReadonlySet<string>): void {
    for (const t of terms) {
      const missing = [...this.evalNeeds(t)].filter((v) => !bound.has(v));
      for (const v of missing) this.unsafe(v, t);
    }
  }

  // --- readiness --------------------------------------------------------------------------

  private ready(e: Expr, bound: ReadonlySet<string>): boolean {
    for (const w of e.with) if (!namesFunction(w.value) && !subset(this.evalNeeds(w.value), bound)) return false;
    if (e.negated) return subset(this.negationNeeds(e), bound);
    switch (e.kind) {
      case "term":
        return this.termExprReady(e.term, bound);
      case "unify":
        return this.canUnify(e.left, e.right, new Set(bound));
      case "assign":
        return this.canUnify(e.left, e.right, new Set(bound));
      case "some":
        return true;
      case "somein":
        return subset(this.evalNeeds(e.collection), bound) && this.patternReady(e.key, bound) && this.patternReady(e.value, bound);
      case "every":
        return subset(this.closureNeeds(e.domain, e.body, [e.key, e.value]), bound);
    }
  }

  /** A term expression is ready when its inputs are bound, counting vars its own refs iterate over. */
  private termExprReady(t: Term, bound: ReadonlySet<string>): boolean {
    const now = new Set(bound);
    refKeyVars(t, now);
    const out = this.callOutput(t);
    if (t.type === "call" && out) {
      const inputs = t.args.slice(0, -1);
      return inputs.every((a) => subset(this.evalNeeds(a), now)) && this.patternReady(out, now);
    }
    return subset(this.evalNeeds(t), now);
  }

  /** A pattern's non-var parts must be evaluable; its vars get bound by destructuring. */
  private patternReady(t: Term | undefined, bound: ReadonlySet<string>): boolean {
    if (!t) return true;
    if (t.type === "var") return true;
    if (t.type === "array") return t.items.every((i) => this.patternReady(i, bound));
    if (t.type === "object") return t.entries.every(([k, v]) => subset(this.evalNeeds(k), bound) && this.patternReady(v, bound));
    return subset(this.evalNeeds(t), bound);
  }

  /** Whether `a = b` can be solved with `bound` vars bound (binding into `bound` as it goes). */
  private canUnify(a: Term, b: Term, bound: Set<string>): boolean {
    if (isFreeVar(a, bound)) return this.solveFor((a as { name: string }).name, b, bound);
    if (isFreeVar(b, bound)) return this.solveFor((b as { name: string }).name, a, bound);
    if (a.type === "array" && b.type === "array") {
      if (a.items.length !== b.items.length) return true; // fails at run time, harmlessly
      return this.unifyPairs(a.items.map((x, i) => [x, b.items[i]!]), bound);
    }
    if (a.type === "object" && b.type === "object") {
      const pairs: [Term, Term][] = [];
      for (const [k, v] of a.entries) {
        const other = b.entries.find(([k2]) => sameConstantKey(k, k2));
        if (other) pairs.push([v, other[1]]);
      }
      return this.unifyPairs(pairs, bound);
    }
    if (subset(this.evalNeeds(a), bound) && this.patternReady(b, bound)) {
      termVarsShallow(b).forEach((v) => bound.add(v));
      return true;
    }
    if (subset(this.evalNeeds(b), bound) && this.patternReady(a, bound)) {
      termVarsShallow(a).forEach((v) => bound.add(v));
      return true;
    }
    return false;
  }

  private solveFor(name: string, other: Term, bound: Set<string>): boolean {
    if (!subset(this.evalNeeds(other), bound)) return false;
    bound.add(name);
    termVarsShallow(other).forEach((v) => bound.add(v));
    return true;
  }

  /** Solves element pairs in whatever order makes each solvable. */
  private unifyPairs(pairs: [Term, Term][], bound: Set<string>): boolean {
    const left = [...pairs];
    while (left.length > 0) {
      const i = left.findIndex(([x, y]) => this.canUnify(x, y, new Set(bound)));
      if (i < 0) return false;
      const [[x, y]] = left.splice(i, 1) as [[Term, Term]];
      this.canUnify(x, y, bound);
    }
    return true;
  }

  private negationNeeds(e: Expr): Set<string> {
    const needs = new Set<string>();
    for (const t of exprTermsDeep({ ...e, negated: false })) {
      termVarsShallow(t).forEach((v) => needs.add(v));
      this.evalNeeds(t, needs);
    }
    return new Set([...needs].filter((v) => !isWildcard(v)));
  }

  // --- closures -----------------------------------------------------------------------------

  /**
   * `t` with the bodies of the comprehensions in it ordered, given the vars bound around it. Rule
   * heads need this as much as body expressions: OPA orders `p := {k | k = f(x); x = xs[_]}` too.
   */
  orderTermClosures(t: Term, bound: ReadonlySet<string>): Term {
    const visit = (u: Term): Term => this.orderTermClosures(u, bound);
    switch (t.type) {
      case "arraycomp":
      case "setcomp": {
        const r = this.orderBody(t.body, bound);
        this.checkHead([t.term], r.bound);
        return { ...t, body: r.body };
      }
      case "objectcomp": {
        const r = this.orderBody(t.body, bound);
        this.checkHead([t.key, t.value], r.bound);
        return { ...t, body: r.body };
      }
      default:
        return mapSubterms(t, visit);
    }
  }

  private orderClosures(e: Expr, bound: ReadonlySet<string>): Expr {
    const visit = (t: Term): Term => this.orderTermClosures(t, bound);
    const withs = e.with.map((w) => ({ ...w, value: visit(w.value) }));
    switch (e.kind) {
      case "term":
        return { ...e, term: visit(e.term), with: withs };
      case "unify":
      case "assign":
        return { ...e, left: visit(e.left), right: visit(e.right), with: withs };
      case "somein":
        return { ...e, collection: visit(e.collection), with: withs };
      case "every": {
        const inner = new Set(bound);
        if (e.key) inner.add(e.key.name);
        inner.add(e.value.name);
        return { ...e, domain: visit(e.domain), body: this.orderBody(e.body, inner).body, with: withs };
      }
      default:
        return e;
    }
  }

  // --- errors -------------------------------------------------------------------------------

  private reportUnsafe(remaining: Expr[], bound: ReadonlySet<string>): void {
    const reported = new Set<string>();
    for (const e of remaining) {
      for (const t of exprTermsDeep(e)) {
        const vars = termVarsShallow(t);
        this.evalNeeds(t, vars);
        for (const v of vars) {
          if (bound.has(v) || reported.has(v)) continue;
          if (remaining.some((r) => !r.negated && this.binds(r).has(v) && r !== e && this.ready(r, bound))) continue;
          reported.add(v);
          this.unsafe(v, t);
        }
      }
    }
    if (reported.size === 0) {
      const e = remaining[0]!;
      this.errors.push(new RegoError("rego_unsafe_var_error", "expression is unsafe", e.loc));
    }
  }

  private unsafe(v: string, at: Term): void {
    const loc = findVar(at, v) ?? at.loc;
    this.errors.push(new RegoError("rego_unsafe_var_error", `var ${this.userName(v)} is unsafe`, loc));
  }
}


function isFreeVar(t: Term, bound: ReadonlySet<string>): boolean {
  return t.type === "var" && t.name !== "input" && t.name !== "data" && !bound.has(t.name);
}

function subset(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const x of a) if (!b.has(x)) return false;
  return true;
}




function findVar(t: Term, name: string): Term["loc"] | undefined {
  if (t.type === "var" && t.name === name) return t.loc;
  let found: Term["loc"] | undefined;
  forEachChild(t, (c) => {
    found ??= findVar(c, name);
  });
  return found;
}
