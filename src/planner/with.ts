// Planner layer: `with`. Replaced input or data become updated copies for one expression;
// replaced functions become mocks, and the rules called under them are planned again in a
// specialisation (rule-functions.ts).
import type { Expr, RefTerm, Term } from "../syntax/ast.ts";
import type { Operand } from "../ir/ir.ts";
import { RegoError } from "../errors.ts";
import { lookupBuiltin } from "../builtins/registry.ts";
import type { RuleNode } from "../compiler/rules.ts";
import { isConstant, refName } from "../compiler/terms.ts";
import { loc, sortedMocks, type Cont, type Env, type Mock } from "./emit.ts";
import { Unifier } from "./unify.ts";

export abstract class WithPlanner extends Unifier {
  protected abstract expr(e: Expr, cont: Cont): void;
  protected abstract functionNode(name: string): RuleNode | undefined;

  // --- with ---------------------------------------------------------------------------------

  protected withExpr(e: Expr, cont: Cont): void {
    const saved = this.env;
    const next: Env = { ...saved, overrides: [...saved.overrides], mocks: new Map(saved.mocks) };
    const apply = (i: number, done: Cont): void => {
      if (i === e.with.length) return done();
      const w = e.with[i]!;
      const head = w.target.terms[0]!;
      const targetName = refName(w.target);
      const isFunction = targetName !== null && (this.functionNode(targetName) !== undefined || lookupBuiltin(targetName) !== undefined);
      if (!isFunction && head.type === "var" && (head.name === "input" || head.name === "data")) {
        const path = w.target.terms.slice(1);
        return this.term(w.value, (value) => {
          const target = this.local();
          const source = head.name === "input" ? next.input : next.data;
          const pathOps = path.map((p) => this.constOperand(p));
          this.emit({ type: "upsert", source, path: pathOps, value, target, loc: w.loc });
          if (head.name === "input") next.input = target;
          else {
            next.data = target;
            next.overrides.push(path.map((p) => (p.type === "string" ? p.value : JSON.stringify(p))));
          }
          apply(i + 1, done);
        });
      }
      const target = this.mockTarget(w.target);
      const mock = this.mockValue(w.value);
      if (mock) {
        next.mocks.set(target, mock);
        return apply(i + 1, done);
      }
      this.term(w.value, (v) => {
        next.mocks.set(target, { kind: "local", local: this.toLocal(v) });
        apply(i + 1, done);
      });
    };
    apply(0, () => {
      this.env = next;
      this.expr({ ...e, with: [] }, () => {
        this.env = saved;
        cont();
        this.env = next;
      });
      this.env = saved;
    });
  }

  protected mockTarget(target: RefTerm): string {
    const name = refName(target);
    if (name === null) throw new RegoError("rego_compile_error", "with target must be a reference to input, data or a function", target.loc);
    return name;
  }

  /** A replacement known at plan time (a function or a constant), or undefined for a computed one. */
  protected mockValue(t: Term): Mock | undefined {
    const name = t.type === "var" ? t.name : t.type === "ref" ? refName(t) : null;
    if (name !== null && (lookupBuiltin(name) || this.functionNode(name))) return { kind: "func", name };
    if (isConstant(t)) return { kind: "value", term: t };
    return undefined;
  }

  /** Arguments every rule function takes first: input, data, then computed mock values. */
  protected contextArgs(): Operand[] {
    const args = [loc(this.env.input), loc(this.env.data)];
    for (const [, m] of sortedMocks(this.env.mocks)) if (m.kind === "local") args.push(loc(m.local));
    return args;
  }

  protected constOperand(t: Term): Operand {
    if (t.type === "string") return this.str(t.value);
    if (!isConstant(t)) throw new RegoError("rego_compile_error", "with target path must be constant", t.loc);
    let op: Operand | undefined;
    this.term(t, (o) => (op = o));
    return op!;
  }
}
