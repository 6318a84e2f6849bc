// Planner layer: rule sets to IR functions of (input, data[, mocks]): complete rules, multi-value
// and object rules, packages, user functions, `else` chains and defaults, conflicts at run time.
import type { Body, Location, Term } from "../syntax/ast.ts";
import type { Block, Func, Local, Operand } from "../ir/ir.ts";
import { DATA, INPUT } from "../ir/ir.ts";
import { RegoError, RegoErrors } from "../errors.ts";
import { hasDocuments, type RuleDef, type RuleNode } from "../compiler/rules.ts";
import { constantValue } from "../compiler/terms.ts";
import { toText } from "../values/value.ts";
import { conflictComplete, conflictFunction, CONFLICT_OBJECT, FuncScope, loc, sortedMocks, type Cont, type TermCont } from "./emit.ts";
import { WithPlanner } from "./with.ts";

export abstract class RulePlanner extends WithPlanner {
  protected abstract body(body: Body, cont: Cont, i?: number): void;
  protected abstract dataRef(keys: Term[], i: number, node: RuleNode, cont: TermCont): void;
  protected abstract overridden(path: string[]): boolean;
  protected abstract terms(ts: Term[], cont: (ops: Operand[]) => void, done?: (Operand | undefined)[]): void;

  // --- functions for rules ------------------------------------------------------------------

  /** The name of the function computing `node` in the current `with` context, planned on first use. */
  protected ensureFunction(node: RuleNode, what: "document" | "function"): string {
    const spec = this.specKey();
    const name = `g.data.${node.path.join(".")}${spec ? "#" + spec : ""}`;
    if (this.funcs.has(name)) return name;
    if (this.inProgress.includes(name)) {
      const loc0 = (node.complete[0] ?? node.multi[0] ?? node.object[0] ?? node.functions[0])?.loc;
      const cycle = [...this.inProgress.slice(this.inProgress.indexOf(name)), name].map((n) => n.replace(/^g\./, "").replace(/#.*/, ""));
      throw new RegoErrors([new RegoError("rego_recursion_error", `rule data.${node.path.join(".")} is recursive: ${cycle.join(" -> ")}`, loc0)]);
    }
    this.inProgress.push(name);
    const savedScope = this.scope;
    const savedEnv = this.env;
    const top: Block = { stmts: [] };
    this.scope = new FuncScope(top);
    const params: Local[] = [INPUT, DATA];
    const mocks = new Map(savedEnv.mocks);
    for (const [k, m] of sortedMocks(savedEnv.mocks)) {
      if (m.kind !== "local") continue;
      const param = this.local();
      params.push(param);
      mocks.set(k, { kind: "local", local: param });
    }
    this.env = { input: INPUT, data: DATA, overrides: savedEnv.overrides, mocks };
    const firstArg = params.length;
    const result = this.local();
    if (what === "function") {
      const arity = (node.functions[0] ?? node.defaultFunction)!.args.length;
      for (let a = 0; a < arity; a++) params.push(this.local());
      this.functionBody(node, params.slice(firstArg), result);
    } else this.documentBody(node, result);
    top.stmts.push({ type: "returnlocal", source: result });
    const func: Func = { name, path: node.path, params, locals: this.scope.nextLocal, result, blocks: [top] };
    this.scope = savedScope;
    this.env = savedEnv;
    this.inProgress.pop();
    this.funcs.set(name, func);
    return name;
  }

  protected specKey(): string {
    if (this.env.overrides.length === 0 && this.env.mocks.size === 0) return "";
    const mocks = sortedMocks(this.env.mocks).map(([k, m]) => [
      k,
      m.kind === "func" ? m.name : m.kind === "value" ? toText(constantValue(m.term)) : "<computed>",
    ]);
    return JSON.stringify([this.env.overrides.map((o) => o.join(".")).sort(), mocks]);
  }

  protected documentBody(node: RuleNode, result: Local): void {
    if (node.complete.length > 0 || node.defaultRule) return this.completeBody(node, result);
    if (node.multi.length > 0) {
      this.emit({ type: "makeset", target: result });
      for (const d of node.multi) {
        this.inBlock(() => this.body(d.body, () => this.term(d.key!, (k) => this.emit({ type: "setadd", value: k, set: result }))));
      }
      return;
    }
    this.emit({ type: "makeobject", target: result });
    for (const d of node.object) this.inBlock(() => this.body(d.body, () => this.objectEntry(d, result)));
    for (const [key, child] of node.children) {
      if (!hasDocuments(child) && !this.overridden(child.path)) continue;
      this.inBlock(() =>
        this.dataRef([], 0, child, (v) => {
          if (node.object.length > 0) this.mergeInto(result, [this.str(key)], v, undefined);
          else this.emit({ type: "objectinsert", key: this.str(key), value: v, object: result });
        }),
      );
    }
    // Base documents at the same path are merged with the rules' values (base wins, as in OPA).
    this.inBlock(() => {
      let src = this.env.data;
      for (const p of node.path) {
        const t = this.local();
        this.emit({ type: "dot", source: loc(src), key: this.str(p), target: t });
        src = t;
      }
      this.emit({ type: "isobject", source: loc(src) });
      const merged = this.local();
      this.emit({ type: "objectmerge", a: src, b: result, target: merged });
      this.emit({ type: "assignvar", source: loc(merged), target: result });
    });
  }

  /** One solution of an object rule `p[k1]...[kn] := v` (or `… contains m`): insert at the key path. */
  protected objectEntry(d: RuleDef, result: Local): void {
    const value: Term = d.key ? { type: "set", items: [d.key], loc: d.loc } : d.value;
    this.terms(d.keys, (keys) =>
      this.term(value, (v) => {
        if (keys.length === 1 && !d.key) {
          this.emit({ type: "objectinsertonce", key: keys[0]!, value: v, object: result, message: CONFLICT_OBJECT, loc: d.loc });
        } else this.mergeInto(result, keys, v, d.loc);
      }),
    );
  }

  /** result = result merged with {k1: {k2: … v}}; clashing leaves are conflicts. */
  protected mergeInto(result: Local, keys: Operand[], v: Operand, at: Location | undefined): void {
    let inner = v;
    for (let j = keys.length - 1; j >= 0; j--) {
      const o = this.local();
      this.emit({ type: "makeobject", target: o });
      this.emit({ type: "objectinsert", key: keys[j]!, value: inner, object: o });
      inner = loc(o);
    }
    const merged = this.local();
    this.emit({ type: "objectmerge", a: result, b: (inner as { local: Local }).local, target: merged, message: CONFLICT_OBJECT, loc: at });
    this.emit({ type: "assignvar", source: loc(merged), target: result });
  }

  protected completeBody(node: RuleNode, result: Local): void {
    for (const d of node.complete) this.chain(d, result, conflictComplete(node.path), []);
    if (node.defaultRule) this.defaultValue(node.defaultRule, result);
  }

  protected functionBody(node: RuleNode, params: Local[], result: Local): void {
    for (const d of node.functions) this.chain(d, result, conflictFunction(node.path), params);
    if (node.defaultFunction) this.defaultValue(node.defaultFunction, result);
  }

  /**
   * A rule and its else branches: the first branch whose body holds gives the value; several
   * solutions (or several rules) with different values are a conflict.
   */
  protected chain(d: RuleDef, result: Local, conflict: string, params: Local[]): void {
    const branches = [d, ...d.elses];
    const target = branches.length > 1 ? this.local() : result;
    if (target !== result) this.emit({ type: "resetlocal", target });
    for (const [i, b] of branches.entries()) {
      this.inBlock(() => {
        if (i > 0) this.emit({ type: "isundefined", source: target });
        const args = (j: number, done: Cont): void => {
          if (j === b.args.length) return done();
          this.destructure(b.args[j]!, params[j]!, () => args(j + 1, done));
        };
        args(0, () =>
          this.body(b.body, () =>
            this.term(b.value, (v) => this.emit({ type: "assignvaronce", source: v, target, message: conflict, loc: b.loc })),
          ),
        );
      });
    }
    if (target !== result) {
      this.inBlock(() => {
        this.emit({ type: "isdefined", source: target });
        this.emit({ type: "assignvaronce", source: loc(target), target: result, message: conflict, loc: d.loc });
      });
    }
  }

  protected defaultValue(d: RuleDef, result: Local): void {
    this.inBlock(() => {
      this.emit({ type: "isundefined", source: result });
      this.term(d.value, (v) => this.emit({ type: "assignvar", source: v, target: result }));
    });
  }
}
