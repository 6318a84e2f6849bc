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
//
// The planner trusts the compiler: bodies arrive ordered by the safety stage, and what a term
// needs bound, or which call argument is an output, is the compiler's analysis
// (CompiledPolicy.needs). Its code is layered by concern, each file a class over the one before:
// emit.ts (IR emission, scopes) < unify.ts (unification) < with.ts (`with`) < rule-functions.ts
// (rule sets as functions) < planner.ts (bodies, expressions, terms, calls, references).
import type { Body, Expr, Location, RefTerm, Term } from "../syntax/ast.ts";
import type { Block, Local, Operand, Policy } from "../ir/ir.ts";
import { DATA, INPUT } from "../ir/ir.ts";
import { RegoError } from "../errors.ts";
import { lookupBuiltin } from "../builtins/registry.ts";
import type { CompiledPolicy, CompiledQuery } from "../compiler/compile.ts";
import { definesDocument, hasDocuments, nodeAt, type RuleNode } from "../compiler/rules.ts";
import { isConstant, refName } from "../compiler/terms.ts";
import { CONFLICT_OBJECT, FuncScope, loc, type Cont, type TermCont } from "./emit.ts";
import { RulePlanner } from "./rule-functions.ts";

export interface PlanOptions {
  /** Name of the query plan (default "query"). */
  name?: string;
}

export class Planner extends RulePlanner {
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

  protected addPlan(name: string, plan: () => void): void {
    const top: Block = { stmts: [] };
    this.scope = new FuncScope(top);
    this.env = { input: INPUT, data: DATA, overrides: [], mocks: new Map() };
    plan();
    this.plans.push({ name, locals: this.scope.nextLocal, blocks: [top] });
  }

  // --- bodies and expressions ---------------------------------------------------------------

  protected body(body: Body, cont: Cont, i = 0): void {
    if (i === body.length) return cont();
    this.expr(body[i]!, () => this.body(body, cont, i + 1));
  }

  protected expr(e: Expr, cont: Cont): void {
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
  protected termExpr(t: Term, cont: Cont): void {
    if (t.type === "call") {
      const name = refName(t.operator);
      if (name === "equal" && t.args.length === 2 && !this.env.mocks.has("equal")) {
        return this.terms(t.args, ([a, b]) => {
          this.emit({ type: "equal", a: a!, b: b!, loc: t.loc });
          cont();
        });
      }
      const output = this.policy.needs.callOutput(t);
      if (output) return this.call(t, t.args.slice(0, -1), (r) => this.destructure(output, this.toLocal(r), cont));
    }
    this.term(t, (v) => {
      this.emit({ type: "notequal", a: v, b: { kind: "bool", value: false }, loc: t.loc });
      cont();
    });
  }

  protected not(e: Expr, cont: Cont): void {
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

  protected someIn(key: Term | undefined, value: Term, collection: Term, cont: Cont): void {
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
  protected scanBlock(fill: Cont): Block {
    const b: Block = { stmts: [] };
    this.scope.stack.push(b);
    const saved = this.scope.vars;
    this.scope.vars = new Map(saved);
    fill();
    this.scope.vars = saved;
    this.scope.stack.pop();
    return b;
  }

  protected every(e: Extract<Expr, { kind: "every" }>, cont: Cont): void {
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

  // --- terms --------------------------------------------------------------------------------

  /** Plans the evaluation of a term; `cont` receives its value (once per solution). */
  protected term(t: Term, cont: TermCont): void {
    switch (t.type) {
      case "null":
      case "boolean":
      case "string":
      case "number":
        return cont(this.scalar(t, () => this.local()));
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
        if (isConstant(t)) return cont(this.constant(t));
        return this.terms(t.items, (ops) => {
          const l = this.local();
          this.emit({ type: "makearray", capacity: ops.length, target: l });
          for (const op of ops) this.emit({ type: "arrayappend", value: op, array: l });
          cont(loc(l));
        });
      case "set":
        if (isConstant(t)) return cont(this.constant(t));
        return this.terms(t.items, (ops) => {
          const l = this.local();
          this.emit({ type: "makeset", target: l });
          for (const op of ops) this.emit({ type: "setadd", value: op, set: l });
          cont(loc(l));
        });
      case "object":
        if (isConstant(t)) return cont(this.constant(t));
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
   * A constant term's operand, built directly: the same instructions as through `terms`, without
   * a continuation per element (which would nest as deep as a large literal table is long). A
   * part's local goes back to `free` once the part is in its parent, so a table takes a few
   * locals, not one per element (WebAssembly allows 50,000 in a function).
   */
  private constant(t: Term, free: Local[] = []): Operand {
    const take = () => free.pop() ?? this.local();
    const put = (o: Operand) => void (o.kind === "local" && free.push(o.local));
    switch (t.type) {
      case "null":
      case "boolean":
      case "string":
      case "number":
        return this.scalar(t, take);
      case "array":
      case "set": {
        const l = take();
        this.emit(t.type === "array" ? { type: "makearray", capacity: t.items.length, target: l } : { type: "makeset", target: l });
        for (const item of t.items) {
          const value = this.constant(item, free);
          this.emit(t.type === "array" ? { type: "arrayappend", value, array: l } : { type: "setadd", value, set: l });
          put(value);
        }
        return loc(l);
      }
      case "object": {
        const l = take();
        this.emit({ type: "makeobject", target: l });
        for (const [k, v] of t.entries) {
          const key = this.constant(k, free);
          const value = this.constant(v, free);
          this.emit({ type: "objectinsert", key, value, object: l });
          put(key);
          put(value);
        }
        return loc(l);
      }
      default:
        throw new Error(`internal error: ${t.type} is not a constant`);
    }
  }

  /** A scalar's operand: booleans and strings are operands themselves, null and numbers a local from `local`. */
  private scalar(t: Extract<Term, { type: "null" | "boolean" | "string" | "number" }>, local: () => Local): Operand {
    switch (t.type) {
      case "boolean":
        return { kind: "bool", value: t.value };
      case "string":
        return this.str(t.value);
      case "null": {
        const l = local();
        this.emit({ type: "makenull", target: l });
        return loc(l);
      }
      case "number": {
        const l = local();
        const n = Number(t.value);
        if (/^-?[0-9]+$/.test(t.value) && Number.isSafeInteger(n) && Math.abs(n) <= 0x7fffffff) this.emit({ type: "makenumberint", value: n, target: l });
        else this.emit({ type: "makenumberref", index: this.strIndex(t.value), target: l });
        return loc(l);
      }
    }
  }

  /**
   * Plans several terms; `cont` gets their operands in order. A term that needs a var which
   * another term binds by iteration (`foo == xs[foo]`) is planned after that term.
   */
  protected terms(ts: Term[], cont: (ops: Operand[]) => void, done: (Operand | undefined)[] = []): void {
    const now = [...done];
    for (let first = 0; ; ) {
      // The first evaluable pending term, else the first pending one (`first`: none before it pending).
      while (first < ts.length && now[first] !== undefined) first++;
      if (first === ts.length) return cont(now as Operand[]);
      let next = first;
      for (let i = first; i < ts.length; i++) {
        if (now[i] === undefined && this.evaluable(ts[i]!)) {
          next = i;
          break;
        }
      }
      // A term whose value comes once, in this very block, with these bindings (most of them)
      // lets the loop go on here; one that iterates or binds (its continuation runs in a block
      // of its own) plans the rest inside. So a long array of refs does not nest the stack.
      const { scope } = this;
      const [block, vars] = [scope.block, scope.vars];
      let here: { op: Operand; at: number } | undefined;
      this.term(ts[next]!, (op) => {
        if (here === undefined && this.scope === scope && scope.block === block && scope.vars === vars) {
          here = { op, at: block.stmts.length };
          return;
        }
        const rest = [...now];
        rest[next] = op;
        this.terms(ts, cont, rest);
      });
      if (here === undefined) return;
      if (block.stmts.length !== here.at) throw new Error("internal error: a term emitted statements after its value in the same block");
      now[next] = here.op;
    }
  }

  protected comprehension(t: Extract<Term, { type: "arraycomp" | "setcomp" | "objectcomp" }>, cont: TermCont): void {
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

  protected functionNode(name: string): RuleNode | undefined {
    if (!name.startsWith("data.")) return undefined;
    const n = nodeAt(this.policy.root, name.split(".").slice(1), false);
    return n && (n.functions.length > 0 || n.defaultFunction) ? n : undefined;
  }

  /** Plans a call of a function or built-in with `args` (the output argument excluded). */
  protected call(t: Extract<Term, { type: "call" }>, args: Term[], cont: TermCont): void {
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
  protected withoutMocks<T>(replaced: string | undefined, f: () => T): T {
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

  protected ref(r: RefTerm, cont: TermCont): void {
    const head = r.terms[0]!;
    if (head.type === "var" && head.name === "data") return this.dataRef(r.terms, 1, this.policy.root, cont);
    if (head.type === "var" && head.name === "input") {
      if (r.terms.length === 1) this.emit({ type: "isdefined", source: this.env.input });
      return this.walk(this.env.input, r.terms, 1, cont);
    }
    this.term(head, (h) => this.walk(this.toLocal(h), r.terms, 1, cont));
  }

  /** Applies ref keys `keys[i..]` to the value in `src`, iterating over unbound vars. */
  protected walk(src: Local, keys: Term[], i: number, cont: TermCont): void {
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
  protected dataRef(keys: Term[], i: number, node: RuleNode, cont: TermCont): void {
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
   * dependency of itself through a dynamic key; and at the base data under the path. A child
   * that only contains the rule being planned is looked at when the ref goes on below it
   * (`data.templates[name].deny` from a test in data.templates.t): as OPA's GetRulesDynamic,
   * the rest of the ref decides which of its rules are reached.
   */
  protected eachChild(node: RuleNode, key: Term, keys: Term[], i: number, cont: TermCont): void {
    const whole = i + 1 === keys.length;
    for (const [name, child] of node.children) {
      if (whole ? this.planningWithin(child, true) : this.planningAt(child)) continue;
      this.inBlock(() => {
        const k = this.local();
        this.emit({ type: "assignvar", source: this.str(name), target: k });
        this.destructure(key, k, () => this.dataRef(keys, i + 1, child, cont));
      });
    }
    this.inBlock(() => this.baseRef(node.path, keys, i, cont));
  }

  /** Whether a rule at or under `node` (`orAt`: at it too) is being planned right now. */
  protected planningWithin(node: RuleNode, orAt: boolean): boolean {
    const prefix = `g.data.${node.path.join(".")}`;
    return this.inProgress.some((n) => n.startsWith(prefix + ".")) || (orAt && this.planningAt(node));
  }

  /** Whether the rule at `node` itself is being planned right now. */
  protected planningAt(node: RuleNode): boolean {
    const prefix = `g.data.${node.path.join(".")}`;
    return this.inProgress.some((n) => n === prefix || n.startsWith(prefix + "#"));
  }

  /** A plain lookup in the data document (no rules on the way). */
  protected baseRef(path: string[], keys: Term[], i: number, cont: TermCont): void {
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
  protected baseWalk(src: Local, keys: Term[], i: number, cont: TermCont): void {
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

  protected overridden(path: string[]): boolean {
    return this.env.overrides.some((o) => o.length <= path.length && o.every((p, j) => p === path[j]));
  }

  protected callDocument(node: RuleNode, cont: (doc: Local) => void): void {
    const f = this.ensureFunction(node, "document");
    const result = this.local();
    this.emit({ type: "call", func: f, args: this.contextArgs(), result });
    cont(result);
  }
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
