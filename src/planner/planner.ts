// The planner: lowers compiled rules and queries to the plan IR (src/ir/ir.ts).
//
// Shape of the output
// - Every rule set becomes a function of (input, data): a complete rule returns its value, a
//   multi-value rule its set, object rules and packages the object they define. User functions
//   take their arguments after input and data. References such as `data.a.b[x]` walk the rule
//   tree at plan time and turn into calls of those functions, with plain lookups in `data` where
//   no rule is involved.
// - Bodies are planned in continuation-passing style: each expression is planned with a callback
//   that plans the rest of the body; iteration (ScanStmt) nests the rest of the body inside the
//   scan's block, and a failing statement ends the innermost block, which is Rego's "undefined".
// - `with` replaces input or data by an updated copy for the duration of one expression. When a
//   replaced data path holds rules, or a function is replaced, the rules called under that `with`
//   are planned again in a specialisation that reads the replaced paths from `data` and calls
//   the replacement functions (OPA does the same; it keeps plans free of run-time mock tables).
import type { Body, Expr, Location, RefTerm, Term, VarTerm } from "../syntax/ast.ts";
import type { Block, Func, Local, Operand, Plan, Policy, Stmt } from "../ir/ir.ts";
import { DATA, INPUT } from "../ir/ir.ts";
import { RegoError, RegoErrors } from "../errors.ts";
import { lookupBuiltin } from "../builtins/registry.ts";
import type { CompiledPolicy, CompiledQuery } from "../compiler/compile.ts";
import { definesDocument, hasDocuments, nodeAt, type RuleDef, type RuleNode } from "../compiler/rules.ts";
import { Safety } from "../compiler/safety.ts";
import { constantValue, isConstant, refName } from "../compiler/terms.ts";
import { equal, toText } from "../values/value.ts";

const CONFLICT_COMPLETE = "complete rules must not produce multiple outputs";
const CONFLICT_FUNCTION = "functions must not produce multiple outputs for same inputs";
const CONFLICT_OBJECT = "object keys must be unique";

/**
 * What replaces a function inside a `with`: another function or built-in, a constant, or a
 * value computed at the `with` (held in a local, and passed on to specialised functions as an
 * extra parameter after input and data).
 */
type Mock = { kind: "func"; name: string } | { kind: "value"; term: Term } | { kind: "local"; local: Local };

/** The plan-time context of `with`: which data paths are replaced, which functions mocked. */
interface Env {
  input: Local;
  data: Local;
  overrides: string[][];
  mocks: Map<string, Mock>;
}

type Cont = () => void;
type TermCont = (op: Operand) => void;

/** The function being planned: its locals, its var bindings and the blocks being emitted. */
class FuncScope {
  nextLocal = 2;
  vars = new Map<string, Local>();
  readonly stack: Block[] = [];
  constructor(readonly top: Block) {
    this.stack.push(top);
  }
  newLocal(): Local {
    return this.nextLocal++;
  }
  get block(): Block {
    return this.stack[this.stack.length - 1]!;
  }
}

export interface PlanOptions {
  /** Name of the query plan (default "query"). */
  name?: string;
}

export class Planner {
  private readonly strings: string[] = [];
  private readonly stringIndex = new Map<string, number>();
  private readonly builtins = new Set<string>();
  private readonly funcs = new Map<string, Func>();
  private readonly inProgress: string[] = [];
  private readonly plans: Plan[] = [];
  private readonly safety: Safety;
  private scope!: FuncScope;
  private env!: Env;

  constructor(private readonly policy: CompiledPolicy) {
    this.safety = new Safety(
      (op) => this.arityOf(op),
      (v) => v,
      [],
    );
  }

  /** The finished IR: every plan added so far and the functions they need. */
  result(): Policy {
    return { strings: this.strings, builtins: [...this.builtins].sort(), funcs: [...this.funcs.values()], plans: this.plans };
  }

  /** Adds a plan whose results are the query's bindings, as an object per solution. */
  addQuery(query: CompiledQuery, name = "query"): void {
    this.addPlan(name, () =>
      this.body(query.body, () => {
        const obj = this.local();
        this.emit({ type: "makeobject", target: obj });
        for (const o of query.outputs) {
          const v = this.scope.vars.get(o.local);
          if (v === undefined) continue;
          this.emit({ type: "objectinsert", key: this.str(o.name), value: loc(v), object: obj });
        }
        this.emit({ type: "resultsetadd", value: obj });
      }),
    );
  }

  /** Adds an entrypoint plan: one result `{"result": value}` when `data.<path>` is defined. */
  addEntrypoint(path: string[], name = path.join("/")): void {
    const pos: Location = { file: "entrypoint", row: 1, col: 1 };
    const ref: RefTerm = {
      type: "ref",
      loc: pos,
      terms: [{ type: "var", name: "data", loc: pos }, ...path.map((p) => ({ type: "string" as const, value: p, loc: pos }))],
    };
    this.addPlan(name, () =>
      this.term(ref, (v) => {
        const obj = this.local();
        this.emit({ type: "makeobject", target: obj });
        this.emit({ type: "objectinsert", key: this.str("result"), value: v, object: obj });
        this.emit({ type: "resultsetadd", value: obj });
      }),
    );
  }

  private addPlan(name: string, plan: () => void): void {
    const top: Block = { stmts: [] };
    this.scope = new FuncScope(top);
    this.env = { input: INPUT, data: DATA, overrides: [], mocks: new Map() };
    plan();
    this.plans.push({ name, locals: this.scope.nextLocal, blocks: [top] });
  }

  // --- emission helpers ---------------------------------------------------------------------

  private emit(s: Stmt): void {
    this.scope.block.stmts.push(s);
  }
  private local(): Local {
    return this.scope.newLocal();
  }
  private str(s: string): Operand {
    return { kind: "string", index: this.strIndex(s) };
  }
  private strIndex(s: string): number {
    let i = this.stringIndex.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.stringIndex.set(s, i);
    }
    return i;
  }
  /** Emits statements into a new block (appended to `into`, or a fresh BlockStmt). */
  private inBlock(fill: (b: Block) => void, into?: Block[]): Block {
    const b: Block = { stmts: [] };
    if (into) into.push(b);
    else this.emit({ type: "block", blocks: [b] });
    this.scope.stack.push(b);
    const saved = this.scope.vars;
    this.scope.vars = new Map(saved);
    fill(b);
    this.scope.vars = saved;
    this.scope.stack.pop();
    return b;
  }
  /** A BreakStmt that leaves `target` (an enclosing block) from the current position. */
  private breakOut(target: Block): void {
    const depth = this.scope.stack.lastIndexOf(target);
    if (depth < 0) throw new Error("planner: break target is not an enclosing block");
    this.emit({ type: "break", index: this.scope.stack.length - 1 - depth });
  }
  /** Makes an operand into a local (statements such as ScanStmt need locals). */
  private toLocal(op: Operand): Local {
    if (op.kind === "local") return op.local;
    const l = this.local();
    this.emit({ type: "assignvar", source: op, target: l });
    return l;
  }

  // --- bodies and expressions ---------------------------------------------------------------

  private body(body: Body, cont: Cont, i = 0): void {
    if (i === body.length) return cont();
    this.expr(body[i]!, () => this.body(body, cont, i + 1));
  }

  private expr(e: Expr, cont: Cont): void {
    if (e.with.length > 0) return this.withExpr(e, cont);
    if (e.negated) return this.not(e, cont);
    switch (e.kind) {
      case "term":
        return this.termExpr(e.term, cont);
      case "unify":
      case "assign":
        return this.unify(e.left, e.right, cont);
      case "some":
        return cont();
      case "somein":
        return this.someIn(e.key, e.value, e.collection, cont);
      case "every":
        return this.every(e, cont);
    }
  }

  /** A term used as an expression holds unless it is undefined or false. */
  private termExpr(t: Term, cont: Cont): void {
    if (t.type === "call") {
      const name = refName(t.operator);
      if (name === "print") return cont(); // output is a side channel; print never fails
      if (name === "equal" && t.args.length === 2 && !this.env.mocks.has("equal")) {
        return this.terms(t.args, ([a, b]) => {
          this.emit({ type: "equal", a: a!, b: b!, loc: t.loc });
          cont();
        });
      }
      const output = this.safety.callOutput(t);
      if (output) return this.call(t, t.args.slice(0, -1), (r) => this.destructure(output, this.toLocal(r), cont));
    }
    this.term(t, (v) => {
      this.emit({ type: "notequal", a: v, b: { kind: "bool", value: false }, loc: t.loc });
      cont();
    });
  }

  private not(e: Expr, cont: Cont): void {
    const flag = this.local();
    this.emit({ type: "resetlocal", target: flag });
    this.inBlock((b) => {
      this.expr({ ...e, negated: false }, () => {
        this.emit({ type: "assignvar", source: { kind: "bool", value: true }, target: flag });
        this.breakOut(b);
      });
    });
    this.emit({ type: "isundefined", source: flag });
    cont();
  }

  private someIn(key: Term | undefined, value: Term, collection: Term, cont: Cont): void {
    this.term(collection, (c) => {
      const src = this.toLocal(c);
      const k = this.local();
      const v = this.local();
      const block = this.scanBlock(() =>
        this.destructure(value, v, () => (key ? this.destructure(key, k, cont) : cont())),
      );
      this.emit({ type: "scan", source: src, key: k, value: v, block });
    });
  }

  /** A scan body: a block of its own on the stack, bindings scoped to it. */
  private scanBlock(fill: Cont): Block {
    const b: Block = { stmts: [] };
    this.scope.stack.push(b);
    const saved = this.scope.vars;
    this.scope.vars = new Map(saved);
    fill();
    this.scope.vars = saved;
    this.scope.stack.pop();
    return b;
  }

  private every(e: Extract<Expr, { kind: "every" }>, cont: Cont): void {
    this.term(e.domain, (d) => {
      const src = this.toLocal(d);
      // Only collections can be quantified over: `every x in 42 {…}` is undefined.
      this.emit({ type: "len", source: loc(src), target: this.local() });
      const failed = this.local();
      this.emit({ type: "resetlocal", target: failed });
      this.inBlock((outer) => {
        const k = this.local();
        const v = this.local();
        const block = this.scanBlock(() => {
          if (e.key) this.bind(e.key, k);
          this.bind(e.value, v);
          const held = this.local();
          this.emit({ type: "resetlocal", target: held });
          this.inBlock((inner) =>
            this.body(e.body, () => {
              this.emit({ type: "assignvar", source: { kind: "bool", value: true }, target: held });
              this.breakOut(inner);
            }),
          );
          this.emit({ type: "isundefined", source: held });
          this.emit({ type: "assignvar", source: { kind: "bool", value: true }, target: failed });
          this.breakOut(outer);
        });
        this.emit({ type: "scan", source: src, key: k, value: v, block });
      });
      this.emit({ type: "isundefined", source: failed });
      cont();
    });
  }

  // --- with ---------------------------------------------------------------------------------

  private withExpr(e: Expr, cont: Cont): void {
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

  private mockTarget(target: RefTerm): string {
    const name = refName(target);
    if (name === null) throw new RegoError("rego_compile_error", "with target must be a reference to input, data or a function", target.loc);
    return name;
  }

  /** A replacement known at plan time (a function or a constant), or undefined for a computed one. */
  private mockValue(t: Term): Mock | undefined {
    const name = t.type === "var" ? t.name : t.type === "ref" ? refName(t) : null;
    if (name !== null && (lookupBuiltin(name) || this.functionNode(name))) return { kind: "func", name };
    if (isConstant(t)) return { kind: "value", term: t };
    return undefined;
  }

  /** Arguments every rule function takes first: input, data, then computed mock values. */
  private contextArgs(): Operand[] {
    const args = [loc(this.env.input), loc(this.env.data)];
    for (const [, m] of sortedMocks(this.env.mocks)) if (m.kind === "local") args.push(loc(m.local));
    return args;
  }

  private constOperand(t: Term): Operand {
    if (t.type === "string") return this.str(t.value);
    if (!isConstant(t)) throw new RegoError("rego_compile_error", "with target path must be constant", t.loc);
    let op: Operand | undefined;
    this.term(t, (o) => (op = o));
    return op!;
  }

  // --- unification --------------------------------------------------------------------------

  private isBound(v: VarTerm): boolean {
    return v.name === "input" || v.name === "data" || this.scope.vars.has(v.name);
  }

  private evaluable(t: Term): boolean {
    for (const v of this.safety.evalNeeds(t)) if (!this.scope.vars.has(v)) return false;
    return true;
  }

  private bind(v: VarTerm, l: Local): void {
    this.scope.vars.set(v.name, l);
  }

  private unify(a: Term, b: Term, cont: Cont): void {
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
        const other = b.entries.find(([k2]) => isConstant(k2) && sameConstant(k, k2));
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

  private unifyPairs(pairs: [Term, Term][], cont: Cont): void {
    if (pairs.length === 0) return cont();
    const ready = (p: [Term, Term]) =>
      this.evaluable(p[0]) || this.evaluable(p[1]) || (p[0].type === "var" && !this.isBound(p[0])) || (p[1].type === "var" && !this.isBound(p[1]));
    const i = Math.max(0, pairs.findIndex(ready));
    const [x, y] = pairs[i]!;
    const rest = pairs.filter((_, j) => j !== i);
    this.unify(x, y, () => this.unifyPairs(rest, cont));
  }

  /** Matches a pattern (vars bound or not, arrays, objects, other terms) against a local. */
  private destructure(p: Term, l: Local, cont: Cont): void {
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

  private lengthIs(l: Local, n: number): void {
    const len = this.local();
    this.emit({ type: "len", source: loc(l), target: len });
    this.emit({ type: "equal", a: loc(len), b: this.intOperand(n) });
  }

  private intOperand(n: number): Operand {
    const l = this.local();
    this.emit({ type: "makenumberint", value: n, target: l });
    return loc(l);
  }

  /** Plans a statement that always fails (a unification that can never succeed). */
  private fail(at: Location): void {
    this.emit({ type: "equal", a: { kind: "bool", value: true }, b: { kind: "bool", value: false }, loc: at });
  }

  private varOperand(v: VarTerm): Operand {
    if (v.name === "input") return loc(this.env.input);
    if (v.name === "data") throw new Error("planner: data is planned as a reference");
    const l = this.scope.vars.get(v.name);
    if (l === undefined) {
      const name = this.policy.names.original.get(v.name) ?? v.name;
      throw new RegoError("rego_unsafe_var_error", `var ${name} is unsafe`, v.loc);
    }
    return loc(l);
  }

  // --- terms --------------------------------------------------------------------------------

  /** Plans the evaluation of a term; `cont` receives its value (once per solution). */
  private term(t: Term, cont: TermCont): void {
    switch (t.type) {
      case "null": {
        const l = this.local();
        this.emit({ type: "makenull", target: l });
        return cont(loc(l));
      }
      case "boolean":
        return cont({ kind: "bool", value: t.value });
      case "string":
        return cont(this.str(t.value));
      case "number": {
        const l = this.local();
        const n = Number(t.value);
        if (/^-?[0-9]+$/.test(t.value) && Number.isSafeInteger(n) && Math.abs(n) <= 0x7fffffff) {
          this.emit({ type: "makenumberint", value: n, target: l });
        } else {
          this.emit({ type: "makenumberref", index: this.strIndex(t.value), target: l });
        }
        return cont(loc(l));
      }
      case "var":
        if (t.name === "data") return this.ref({ type: "ref", terms: [t], loc: t.loc }, cont);
        if (t.name === "input") {
          this.emit({ type: "isdefined", source: this.env.input });
          return cont(loc(this.env.input));
        }
        return cont(this.varOperand(t));
      case "ref":
        return this.ref(t, cont);
      case "array":
        return this.terms(t.items, (ops) => {
          const l = this.local();
          this.emit({ type: "makearray", capacity: ops.length, target: l });
          for (const op of ops) this.emit({ type: "arrayappend", value: op, array: l });
          cont(loc(l));
        });
      case "set":
        return this.terms(t.items, (ops) => {
          const l = this.local();
          this.emit({ type: "makeset", target: l });
          for (const op of ops) this.emit({ type: "setadd", value: op, set: l });
          cont(loc(l));
        });
      case "object":
        return this.terms(
          t.entries.flatMap(([k, v]) => [k, v]),
          (ops) => {
            const l = this.local();
            this.emit({ type: "makeobject", target: l });
            for (let i = 0; i < ops.length; i += 2) this.emit({ type: "objectinsert", key: ops[i]!, value: ops[i + 1]!, object: l });
            cont(loc(l));
          },
        );
      case "arraycomp":
      case "setcomp":
      case "objectcomp":
        return this.comprehension(t, cont);
      case "call":
        return this.call(t, t.args, cont);
    }
  }

  /**
   * Plans several terms; `cont` gets their operands in order. A term that needs a var which
   * another term binds by iteration (`foo == xs[foo]`) is planned after that term.
   */
  private terms(ts: Term[], cont: (ops: Operand[]) => void, done: (Operand | undefined)[] = []): void {
    const pending = ts.map((_, i) => i).filter((i) => done[i] === undefined);
    if (pending.length === 0) return cont(done as Operand[]);
    const next = pending.find((i) => this.evaluable(ts[i]!)) ?? pending[0]!;
    this.term(ts[next]!, (op) => {
      const now = [...done];
      now[next] = op;
      this.terms(ts, cont, now);
    });
  }

  private comprehension(t: Extract<Term, { type: "arraycomp" | "setcomp" | "objectcomp" }>, cont: TermCont): void {
    const l = this.local();
    const make = t.type === "arraycomp" ? "makearray" : t.type === "setcomp" ? "makeset" : "makeobject";
    this.emit(make === "makearray" ? { type: make, capacity: 0, target: l } : { type: make, target: l });
    this.inBlock(() =>
      this.body(t.body, () => {
        if (t.type === "arraycomp") this.term(t.term, (v) => this.emit({ type: "arrayappend", value: v, array: l }));
        else if (t.type === "setcomp") this.term(t.term, (v) => this.emit({ type: "setadd", value: v, set: l }));
        else
          this.term(t.key, (k) =>
            this.term(t.value, (v) =>
              this.emit({ type: "objectinsertonce", key: k, value: v, object: l, message: CONFLICT_OBJECT, loc: t.loc }),
            ),
          );
      }),
    );
    cont(loc(l));
  }

  // --- calls --------------------------------------------------------------------------------

  private arityOf(op: RefTerm): number | undefined {
    const name = refName(op);
    if (name === null) return undefined;
    const node = this.functionNode(name);
    if (node) return (node.functions[0] ?? node.defaultFunction)!.args.length;
    return lookupBuiltin(name)?.signature.args.length;
  }

  private functionNode(name: string): RuleNode | undefined {
    if (!name.startsWith("data.")) return undefined;
    const n = nodeAt(this.policy.root, name.split(".").slice(1), false);
    return n && (n.functions.length > 0 || n.defaultFunction) ? n : undefined;
  }

  /** Plans a call of a function or built-in with `args` (the output argument excluded). */
  private call(t: Extract<Term, { type: "call" }>, args: Term[], cont: TermCont): void {
    let name = refName(t.operator);
    if (name === null) throw new RegoError("rego_type_error", "invalid function name", t.loc);
    const mock = this.env.mocks.get(name);
    if (mock?.kind === "value") return this.terms(args, () => this.term(mock.term, cont));
    if (mock?.kind === "local") return this.terms(args, () => cont(loc(mock.local)));
    const replaced = mock ? name : undefined;
    if (mock?.kind === "func") name = mock.name;
    this.terms(args, (ops) => {
      const result = this.local();
      const node = this.functionNode(name!);
      if (node) {
        const [f, context] = this.withoutMocks(replaced, () => [this.ensureFunction(node, "function"), this.contextArgs()] as const);
        this.emit({ type: "call", func: f, args: [...context, ...ops], result, loc: t.loc });
        return cont(loc(result));
      }
      const def = lookupBuiltin(name!);
      if (!def) throw new RegoError("rego_type_error", `undefined function ${name}`, t.loc);
      this.builtins.add(def.name);
      this.emit({ type: "call", func: def.name, args: ops, result, loc: t.loc });
      if (!def.relation) return cont(loc(result));
      // A relation (walk) returns all its results as an array; each is one solution.
      const k = this.local();
      const v = this.local();
      const block = this.scanBlock(() => cont(loc(v)));
      this.emit({ type: "scan", source: result, key: k, value: v, block });
    });
  }

  /**
   * Runs `f` with function mocks lifted when `replaced` names a mocked function: a replacement
   * function sees the original functions (it may call the one it replaces) and no other mock.
   */
  private withoutMocks<T>(replaced: string | undefined, f: () => T): T {
    if (replaced === undefined) return f();
    const saved = this.env;
    this.env = { ...saved, mocks: new Map() };
    try {
      return f();
    } finally {
      this.env = saved;
    }
  }

  // --- references ---------------------------------------------------------------------------

  private ref(r: RefTerm, cont: TermCont): void {
    const head = r.terms[0]!;
    if (head.type === "var" && head.name === "data") return this.dataRef(r.terms, 1, this.policy.root, cont);
    if (head.type === "var" && head.name === "input") {
      if (r.terms.length === 1) this.emit({ type: "isdefined", source: this.env.input });
      return this.walk(this.env.input, r.terms, 1, cont);
    }
    this.term(head, (h) => this.walk(this.toLocal(h), r.terms, 1, cont));
  }

  /** Applies ref keys `keys[i..]` to the value in `src`, iterating over unbound vars. */
  private walk(src: Local, keys: Term[], i: number, cont: TermCont): void {
    if (i === keys.length) return cont(loc(src));
    const key = keys[i]!;
    if (this.evaluable(key)) {
      return this.term(key, (k) => {
        const target = this.local();
        this.emit({ type: "dot", source: loc(src), key: k, target, loc: key.loc });
        this.walk(target, keys, i + 1, cont);
      });
    }
    const k = this.local();
    const v = this.local();
    const block = this.scanBlock(() => this.destructure(key, k, () => this.walk(v, keys, i + 1, cont)));
    this.emit({ type: "scan", source: src, key: k, value: v, block });
  }

  /** Resolves `data` + keys[i..] against the rule tree node at the path so far. */
  private dataRef(keys: Term[], i: number, node: RuleNode, cont: TermCont): void {
    if (this.overridden(node.path)) return this.baseRef(node.path, keys, i, cont);
    // A function of no arguments named without parentheses is called, as in OPA (`x := f`).
    const f0 = node.functions[0] ?? node.defaultFunction;
    if (f0 && f0.args.length === 0) {
      const f = this.ensureFunction(node, "function");
      const result = this.local();
      this.emit({ type: "call", func: f, args: this.contextArgs(), result });
      return this.walk(result, keys, i, cont);
    }
    if (!hasDocuments(node)) return this.baseRef(node.path, keys, i, cont);
    if (definesDocument(node) || i === keys.length) {
      return this.callDocument(node, (doc) => this.walk(doc, keys, i, cont));
    }
    const key = keys[i]!;
    if (key.type === "string") {
      const child = node.children.get(key.value);
      if (child) return this.dataRef(keys, i + 1, child, cont);
      return this.baseRef([...node.path, key.value], keys, i + 1, cont);
    }
    // Rules only have string names: another constant key can only select base data.
    if (isConstant(key)) return this.baseRef(node.path, keys, i, cont);
    if (this.planningWithin(node, false)) return this.eachChild(node, key, keys, i, cont);
    this.callDocument(node, (doc) => this.walk(doc, keys, i, cont));
  }

  /**
   * `data.pkg[name]...` planned from inside data.pkg (a test rule next to the rules it looks
   * up, say): the whole document of data.pkg would include the rule being planned. As OPA, look
   * at each child instead, except the one being planned, whose own document is not a
   * dependency of itself through a dynamic key; and at the base data under the path.
   */
  private eachChild(node: RuleNode, key: Term, keys: Term[], i: number, cont: TermCont): void {
    for (const [name, child] of node.children) {
      if (this.planningWithin(child, true)) continue;
      this.inBlock(() => {
        const k = this.local();
        this.emit({ type: "assignvar", source: this.str(name), target: k });
        this.destructure(key, k, () => this.dataRef(keys, i + 1, child, cont));
      });
    }
    this.inBlock(() => this.baseRef(node.path, keys, i, cont));
  }

  /** Whether a rule at or under `node` (`orAt`: at it too) is being planned right now. */
  private planningWithin(node: RuleNode, orAt: boolean): boolean {
    const prefix = `g.data.${node.path.join(".")}`;
    return this.inProgress.some((n) => n.startsWith(prefix + ".") || (orAt && (n === prefix || n.startsWith(prefix + "#"))));
  }

  /** A plain lookup in the data document (no rules on the way). */
  private baseRef(path: string[], keys: Term[], i: number, cont: TermCont): void {
    let src = this.env.data;
    for (const p of path) {
      const t = this.local();
      this.emit({ type: "dot", source: loc(src), key: this.str(p), target: t });
      src = t;
    }
    this.baseWalk(src, keys, i, cont);
  }

  /**
   * Like walk, for refs straight into base data: there, as in OPA's store, a constant integer
   * key also finds an object key written as that number (`data.x[2]` reads `{"2": …}`).
   */
  private baseWalk(src: Local, keys: Term[], i: number, cont: TermCont): void {
    const key = keys[i];
    if (key?.type !== "number" || !/^[0-9]+$/.test(key.value)) return this.walk(src, keys, i, cont);
    const target = this.local();
    this.emit({ type: "resetlocal", target });
    this.term(key, (k) => this.inBlock(() => this.emit({ type: "dot", source: loc(src), key: k, target })));
    this.inBlock(() => {
      this.emit({ type: "isundefined", source: target });
      this.emit({ type: "dot", source: loc(src), key: this.str(key.value), target });
    });
    this.emit({ type: "isdefined", source: target });
    this.baseWalk(target, keys, i + 1, cont);
  }

  private overridden(path: string[]): boolean {
    return this.env.overrides.some((o) => o.length <= path.length && o.every((p, j) => p === path[j]));
  }

  private callDocument(node: RuleNode, cont: (doc: Local) => void): void {
    const f = this.ensureFunction(node, "document");
    const result = this.local();
    this.emit({ type: "call", func: f, args: this.contextArgs(), result });
    cont(result);
  }

  // --- functions for rules ------------------------------------------------------------------

  /** The name of the function computing `node` in the current `with` context, planned on first use. */
  private ensureFunction(node: RuleNode, what: "document" | "function"): string {
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

  private specKey(): string {
    if (this.env.overrides.length === 0 && this.env.mocks.size === 0) return "";
    const mocks = sortedMocks(this.env.mocks).map(([k, m]) => [
      k,
      m.kind === "func" ? m.name : m.kind === "value" ? toText(constantValue(m.term)) : "<computed>",
    ]);
    return JSON.stringify([this.env.overrides.map((o) => o.join(".")).sort(), mocks]);
  }

  private documentBody(node: RuleNode, result: Local): void {
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
  private objectEntry(d: RuleDef, result: Local): void {
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
  private mergeInto(result: Local, keys: Operand[], v: Operand, at: Location | undefined): void {
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

  private completeBody(node: RuleNode, result: Local): void {
    for (const d of node.complete) this.chain(d, result, CONFLICT_COMPLETE, []);
    if (node.defaultRule) this.defaultValue(node.defaultRule, result);
  }

  private functionBody(node: RuleNode, params: Local[], result: Local): void {
    for (const d of node.functions) this.chain(d, result, CONFLICT_FUNCTION, params);
    if (node.defaultFunction) this.defaultValue(node.defaultFunction, result);
  }

  /**
   * A rule and its else branches: the first branch whose body holds gives the value; several
   * solutions (or several rules) with different values are a conflict.
   */
  private chain(d: RuleDef, result: Local, conflict: string, params: Local[]): void {
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

  private defaultValue(d: RuleDef, result: Local): void {
    this.inBlock(() => {
      this.emit({ type: "isundefined", source: result });
      this.term(d.value, (v) => this.emit({ type: "assignvar", source: v, target: result }));
    });
  }
}

const loc = (local: Local): Operand => ({ kind: "local", local });

const sortedMocks = (mocks: Map<string, Mock>) => [...mocks].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

function sameConstant(a: Term, b: Term): boolean {
  return equal(constantValue(a), constantValue(b));
}

/** Plans one query against compiled modules. */
export function planQuery(policy: CompiledPolicy, query: CompiledQuery, opts: PlanOptions = {}): Policy {
  const p = new Planner(policy);
  p.addQuery(query, opts.name);
  return p.result();
}

/** Plans entrypoints (`a/b` or `data.a.b`) against compiled modules. */
export function planEntrypoints(policy: CompiledPolicy, entrypoints: string[]): Policy {
  const p = new Planner(policy);
  for (const e of entrypoints) {
    const path = e.startsWith("data.") ? e.slice(5).split(".") : e.split("/").filter((s) => s !== "");
    p.addEntrypoint(path, e);
  }
  return p.result();
}
