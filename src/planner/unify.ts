// Planner layer: unification (`=`, `:=`, patterns against values). What a term needs before it
// can be evaluated is the compiler's analysis (CompiledPolicy.needs) and the order of expressions
// is the safety stage's; this layer only chooses how to lower one unification.
import type { Location, Term, VarTerm } from "../syntax/ast.ts";
import type { Local, Operand } from "../ir/ir.ts";
import { RegoError } from "../errors.ts";
import { isConstant, sameConstantKey } from "../compiler/terms.ts";
import { Emitter, loc, type Cont, type TermCont } from "./emit.ts";

export abstract class Unifier extends Emitter {
  protected abstract term(t: Term, cont: TermCont): void;

  // --- unification --------------------------------------------------------------------------

  protected isBound(v: VarTerm): boolean {
    return v.name === "input" || v.name === "data" || this.scope.vars.has(v.name);
  }

  protected evaluable(t: Term): boolean {
    for (const v of this.policy.needs.evalNeeds(t)) if (!this.scope.vars.has(v)) return false;
    return true;
  }

  protected bind(v: VarTerm, l: Local): void {
    this.scope.vars.set(v.name, l);
  }

  protected unify(a: Term, b: Term, cont: Cont): void {
    if (a.type === "var" && !this.isBound(a)) return this.term(b, (v) => (this.bind(a, this.toLocal(v)), cont()));
    if (b.type === "var" && !this.isBound(b)) return this.term(a, (v) => (this.bind(b, this.toLocal(v)), cont()));
    if (a.type === "array" && b.type === "array") {
      if (a.items.length !== b.items.length) return this.fail(a.loc);
      return this.unifyPairs(
        a.items.map((x, i) => [x, b.items[i]!]),
        cont,
      );
    }
    if (a.type === "object" && b.type === "object" && a.entries.every(([k]) => isConstant(k)) && b.entries.every(([k]) => isConstant(k))) {
      if (a.entries.length !== b.entries.length) return this.fail(a.loc);
      const pairs: [Term, Term][] = [];
      for (const [k, v] of a.entries) {
        const other = b.entries.find(([k2]) => sameConstantKey(k, k2));
        if (!other) return this.fail(a.loc);
        pairs.push([v, other[1]]);
      }
      return this.unifyPairs(pairs, cont);
    }
    if (!this.evaluable(a) && this.evaluable(b)) return this.term(b, (v) => this.destructure(a, this.toLocal(v), cont));
    if (!this.evaluable(b) && this.evaluable(a)) return this.term(a, (v) => this.destructure(b, this.toLocal(v), cont));
    if (a.type === "array" || a.type === "object") return this.term(b, (v) => this.destructure(a, this.toLocal(v), cont));
    if (b.type === "array" || b.type === "object") return this.term(a, (v) => this.destructure(b, this.toLocal(v), cont));
    this.term(a, (x) =>
      this.term(b, (y) => {
        this.emit({ type: "equal", a: x, b: y, loc: a.loc });
        cont();
      }),
    );
  }

  protected unifyPairs(pairs: [Term, Term][], cont: Cont): void {
    if (pairs.length === 0) return cont();
    const ready = (p: [Term, Term]) =>
      this.evaluable(p[0]) || this.evaluable(p[1]) || (p[0].type === "var" && !this.isBound(p[0])) || (p[1].type === "var" && !this.isBound(p[1]));
    const i = Math.max(0, pairs.findIndex(ready));
    const [x, y] = pairs[i]!;
    const rest = pairs.filter((_, j) => j !== i);
    this.unify(x, y, () => this.unifyPairs(rest, cont));
  }

  /** Matches a pattern (vars bound or not, arrays, objects, other terms) against a local. */
  protected destructure(p: Term, l: Local, cont: Cont): void {
    if (p.type === "var") {
      if (!this.isBound(p)) {
        this.bind(p, l);
        return cont();
      }
      this.emit({ type: "equal", a: this.varOperand(p), b: loc(l), loc: p.loc });
      return cont();
    }
    if (p.type === "array" && !this.evaluable(p)) {
      this.emit({ type: "isarray", source: loc(l) });
      this.lengthIs(l, p.items.length);
      const step = (i: number): void => {
        if (i === p.items.length) return cont();
        const el = this.local();
        this.emit({ type: "dot", source: loc(l), key: this.intOperand(i), target: el });
        this.destructure(p.items[i]!, el, () => step(i + 1));
      };
      return step(0);
    }
    if (p.type === "object" && !this.evaluable(p)) {
      this.emit({ type: "isobject", source: loc(l) });
      this.lengthIs(l, p.entries.length);
      const step = (i: number): void => {
        if (i === p.entries.length) return cont();
        const [k, v] = p.entries[i]!;
        this.term(k, (key) => {
          const el = this.local();
          this.emit({ type: "dot", source: loc(l), key, target: el });
          this.destructure(v, el, () => step(i + 1));
        });
      };
      return step(0);
    }
    this.term(p, (v) => {
      this.emit({ type: "equal", a: v, b: loc(l), loc: p.loc });
      cont();
    });
  }

  protected lengthIs(l: Local, n: number): void {
    const len = this.local();
    this.emit({ type: "len", source: loc(l), target: len });
    this.emit({ type: "equal", a: loc(len), b: this.intOperand(n) });
  }

  protected intOperand(n: number): Operand {
    const l = this.local();
    this.emit({ type: "makenumberint", value: n, target: l });
    return loc(l);
  }

  /** Plans a statement that always fails (a unification that can never succeed). */
  protected fail(at: Location): void {
    this.emit({ type: "equal", a: { kind: "bool", value: true }, b: { kind: "bool", value: false }, loc: at });
  }

  protected varOperand(v: VarTerm): Operand {
    if (v.name === "input") return loc(this.env.input);
    if (v.name === "data") throw new Error("planner: data is planned as a reference");
    const l = this.scope.vars.get(v.name);
    if (l === undefined) {
      const name = this.policy.names.original.get(v.name) ?? v.name;
      throw new RegoError("rego_unsafe_var_error", `var ${name} is unsafe`, v.loc);
    }
    return loc(l);
  }
}
