// The reference interpreter: executes plan IR in TypeScript. It defines what the IR means (see
// the execution model in src/ir/ir.ts); the WebAssembly backend must agree with it.
import type { Block, Func, Operand, Plan, Policy, Stmt } from "../ir/ir.ts";
import { DEFAULT_BUDGET, RegoError, budgetExceeded, isBudgetExceeded, type Budget } from "../errors.ts";
import { BuiltinError, type BuiltinContext, type BuiltinDef } from "../builtins/builtin.ts";
import { lookupBuiltin } from "../builtins/registry.ts";
import {
  ObjectValue,
  SetValue,
  equal,
  parseNumber,
  type Value,
} from "../values/value.ts";

export interface EvalOptions {
  input?: Value;
  data?: Value;
  /** Built-in errors abort evaluation (OPA's strict-builtin-errors) instead of being undefined. */
  strictBuiltinErrors?: boolean;
  /** Clock and randomness; defaults to the real ones. */
  context?: Partial<BuiltinContext>;
  /** What the evaluation may do (steps: loop iterations and function calls); DEFAULT_BUDGET's by default. */
  budget?: Partial<Budget>;
}

type Locals = (Value | undefined)[];

/** Returned by `run` when a block ran to its end, or was left by a failure or `break 0`. */
const DONE = -1;
/** Marks a cached undefined result (null is a value). */
const UNDEFINED = Symbol("undefined");
/** Returned to unwind a whole function after ReturnLocalStmt. */
const RETURN = 1 << 30;

/** A policy prepared for repeated evaluation. */
export class Interpreter {
  private readonly funcs = new Map<string, Func>();
  private readonly plans = new Map<string, Plan>();
  private readonly builtins = new Map<string, BuiltinDef>();
  private readonly numbers: (Value | undefined)[];

  constructor(private readonly policy: Policy) {
    for (const f of policy.funcs) this.funcs.set(f.name, f);
    for (const p of policy.plans) this.plans.set(p.name, p);
    for (const name of policy.builtins) {
      const def = lookupBuiltin(name);
      if (def) this.builtins.set(name, def);
    }
    this.numbers = policy.strings.map(() => undefined);
  }

  /** Evaluates a plan; returns its result set. */
  eval(planName: string, opts: EvalOptions = {}): Value[] {
    const plan = this.plans.get(planName);
    if (!plan) throw new RegoError("internal_error", `no plan named ${planName}`);
    return new Evaluation(this, opts).runPlan(plan);
  }

  func(name: string): Func | undefined {
    return this.funcs.get(name);
  }
  builtin(name: string): BuiltinDef | undefined {
    return this.builtins.get(name) ?? lookupBuiltin(name);
  }
  string(i: number): string {
    return this.policy.strings[i]!;
  }
  number(i: number): Value {
    let n = this.numbers[i];
    if (n === undefined) {
      const parsed = parseNumber(this.policy.strings[i]!);
      if (parsed === undefined) throw new RegoError("internal_error", `bad number constant ${this.policy.strings[i]}`);
      n = this.numbers[i] = parsed;
    }
    return n;
  }
}

/** The state of one evaluation: inputs, result set, built-in context. */
class Evaluation {
  private readonly results: Value[] = [];
  private readonly ctx: BuiltinContext;
  private readonly strict: boolean;
  private returned: Value | undefined;
  /** Steps left: each loop iteration and function call takes one (see Budget). */
  private steps: number;
  private readonly stepLimit: number;
  /**
   * Documents (functions of input and data only) called with the evaluation's own input and
   * data give the same value every time: computed once per evaluation. Calls under `with`
   * pass other values and are not cached.
   */
  private readonly documents = new Map<Func, Value | typeof UNDEFINED>();
  private rootInput: Value | undefined;
  private rootData: Value | undefined;

  constructor(
    private readonly ip: Interpreter,
    private readonly opts: EvalOptions,
  ) {
    this.strict = opts.strictBuiltinErrors ?? false;
    this.ctx = {
      nowNs: opts.context?.nowNs ?? BigInt(Date.now()) * 1_000_000n,
      random: opts.context?.random ?? Math.random,
      cache: opts.context?.cache ?? new Map(),
      ...(opts.context?.print ? { print: opts.context.print } : {}),
      budget: {
        builtinElements: opts.budget?.builtinElements ?? DEFAULT_BUDGET.builtinElements,
        builtinChars: opts.budget?.builtinChars ?? DEFAULT_BUDGET.builtinChars,
      },
    };
    this.steps = this.stepLimit = opts.budget?.steps ?? DEFAULT_BUDGET.steps;
  }

  /** Takes one step of the budget; over it, the evaluation ends. */
  private step(): void {
    if (--this.steps < 0) throw budgetExceeded(`more than ${this.stepLimit} steps (loop iterations and calls)`);
  }

  runPlan(plan: Plan): Value[] {
    const locals: Locals = new Array(plan.locals);
    locals[0] = this.rootInput = this.opts.input;
    locals[1] = this.rootData = this.opts.data ?? new ObjectValue();
    for (const b of plan.blocks) if (this.run(b, locals) >= 0) break;
    return this.results;
  }

  private callFunc(f: Func, args: (Value | undefined)[]): Value | undefined {
    const cacheable = f.params.length === 2 && args[0] === this.rootInput && args[1] === this.rootData;
    if (cacheable) {
      const hit = this.documents.get(f);
      if (hit !== undefined) return hit === UNDEFINED ? undefined : hit;
    }
    const result = this.invoke(f, args);
    if (cacheable) this.documents.set(f, result === undefined ? UNDEFINED : result);
    return result;
  }

  private invoke(f: Func, args: (Value | undefined)[]): Value | undefined {
    this.step();
    const locals: Locals = new Array(f.locals);
    for (let i = 0; i < f.params.length; i++) locals[f.params[i]!] = args[i];
    for (const b of f.blocks) if (this.run(b, locals) >= 0) break;
    const r = this.returned;
    this.returned = undefined;
    return r !== undefined ? r : locals[f.result];
  }

  private op(o: Operand, locals: Locals): Value | undefined {
    switch (o.kind) {
      case "local":
        return locals[o.local];
      case "bool":
        return o.value;
      case "string":
        return this.ip.string(o.index);
    }
  }

  /** Runs a block; returns DONE, or n >= 0 to leave n more enclosing blocks. */
  private run(block: Block, locals: Locals): number {
    const stmts = block.stmts;
    for (let i = 0; i < stmts.length; i++) {
      const r = this.stmt(stmts[i]!, locals);
      if (r === true) continue;
      if (r === false) return DONE;
      // r is a break index for this block
      return r === RETURN ? RETURN : r - 1;
    }
    return DONE;
  }

  /** Runs one statement: true to go on, false when it fails, or a break index. */
  private stmt(s: Stmt, L: Locals): boolean | number {
    switch (s.type) {
      case "dot": {
        const v = dot(this.op(s.source, L), this.op(s.key, L));
        if (v === undefined) return false;
        L[s.target] = v;
        return true;
      }
      case "assignvar": {
        const v = this.op(s.source, L);
        if (v === undefined) return false;
        L[s.target] = v;
        return true;
      }
      case "equal": {
        const a = this.op(s.a, L);
        const b = this.op(s.b, L);
        return a !== undefined && b !== undefined && equal(a, b);
      }
      case "notequal": {
        const a = this.op(s.a, L);
        const b = this.op(s.b, L);
        return a !== undefined && b !== undefined && !equal(a, b);
      }
      case "scan": {
        const src = L[s.source];
        if (Array.isArray(src)) {
          for (let i = 0; i < src.length; i++) {
            L[s.key] = i;
            L[s.value] = src[i];
            this.step();
            const r = this.run(s.block, L);
            if (r >= 0) return r;
          }
        } else if (src instanceof ObjectValue) {
          for (const [k, v] of src.entries()) {
            L[s.key] = k;
            L[s.value] = v;
            this.step();
            const r = this.run(s.block, L);
            if (r >= 0) return r;
          }
        } else if (src instanceof SetValue) {
          for (const v of src.values()) {
            L[s.key] = v;
            L[s.value] = v;
            this.step();
            const r = this.run(s.block, L);
            if (r >= 0) return r;
          }
        }
        return true;
      }
      case "block": {
        for (const b of s.blocks) {
          const r = this.run(b, L);
          if (r >= 0) return r;
        }
        return true;
      }
      case "break":
        return s.index;
      case "call":
        return this.call(s, L);
      case "len": {
        const v = this.op(s.source, L);
        if (Array.isArray(v)) L[s.target] = v.length;
        else if (v instanceof ObjectValue || v instanceof SetValue) L[s.target] = v.size;
        else return false;
        return true;
      }
      case "assignvaronce": {
        const v = this.op(s.source, L);
        if (v === undefined) return false;
        const cur = L[s.target];
        if (cur === undefined) L[s.target] = v;
        else if (!equal(cur, v)) throw new RegoError("eval_conflict_error", s.message, s.loc);
        return true;
      }
      case "resetlocal":
        L[s.target] = undefined;
        return true;
      case "makenull":
        L[s.target] = null;
        return true;
      case "makenumberint":
        L[s.target] = s.value;
        return true;
      case "makenumberref":
        L[s.target] = this.ip.number(s.index);
        return true;
      case "makearray":
        L[s.target] = [];
        return true;
      case "makeobject":
        L[s.target] = new ObjectValue();
        return true;
      case "makeset":
        L[s.target] = new SetValue();
        return true;
      case "isarray":
        return Array.isArray(this.op(s.source, L));
      case "isobject":
        return this.op(s.source, L) instanceof ObjectValue;
      case "isset":
        return this.op(s.source, L) instanceof SetValue;
      case "isdefined":
        return L[s.source] !== undefined;
      case "isundefined":
        return L[s.source] === undefined;
      case "arrayappend": {
        const v = this.op(s.value, L);
        if (v === undefined) return false;
        (L[s.array] as Value[]).push(v);
        return true;
      }
      case "objectinsert": {
        const k = this.op(s.key, L);
        const v = this.op(s.value, L);
        if (k === undefined || v === undefined) return false;
        (L[s.object] as ObjectValue).set(k, v);
        return true;
      }
      case "objectinsertonce": {
        const k = this.op(s.key, L);
        const v = this.op(s.value, L);
        if (k === undefined || v === undefined) return false;
        const obj = L[s.object] as ObjectValue;
        const cur = obj.get(k);
        if (cur === undefined) obj.set(k, v);
        else if (!equal(cur, v)) throw new RegoError("eval_conflict_error", s.message, s.loc);
        return true;
      }
      case "objectmerge": {
        const a = L[s.a];
        const b = L[s.b];
        if (!(a instanceof ObjectValue) || !(b instanceof ObjectValue)) return false;
        L[s.target] = mergeObjects(a, b, s.message, s.loc);
        return true;
      }
      case "setadd": {
        const v = this.op(s.value, L);
        if (v === undefined) return false;
        (L[s.set] as SetValue).add(v);
        return true;
      }
      case "upsert": {
        const v = this.op(s.value, L);
        if (v === undefined) return false;
        const path = s.path.map((p) => this.op(p, L)!);
        L[s.target] = upsert(L[s.source], path, v);
        return true;
      }
      case "resultsetadd":
        this.results.push(L[s.value]!);
        return true;
      case "returnlocal":
        this.returned = L[s.source];
        return RETURN;
    }
  }

  private call(s: Extract<Stmt, { type: "call" }>, L: Locals): boolean {
    const args = s.args.map((a) => this.op(a, L));
    const f = this.ip.func(s.func);
    let result: Value | undefined;
    if (f) {
      result = this.callFunc(f, args);
    } else {
      if (args.some((a) => a === undefined)) return false;
      result = this.callBuiltin(s, args as Value[]);
    }
    if (result === undefined) return false;
    L[s.result] = result;
    return true;
  }

  private callBuiltin(s: Extract<Stmt, { type: "call" }>, args: Value[]): Value | undefined {
    const def = this.ip.builtin(s.func);
    if (!def) throw new RegoError("eval_builtin_error", `${s.func}: unknown built-in function`, s.loc);
    try {
      return def.impl(args, this.ctx);
    } catch (e) {
      if (isBudgetExceeded(e)) throw new RegoError(e.code, `${s.func}: ${e.detail}`, s.loc);
      if (!this.strict) return undefined;
      if (e instanceof BuiltinError) throw new RegoError(e.code, `${s.func}: ${e.message}`, s.loc);
      if (e instanceof RegoError) throw e;
      throw new RegoError("eval_builtin_error", `${s.func}: ${(e as Error).message}`, s.loc);
    }
  }
}

/** `source[key]` as DotStmt defines it. */
export function dot(source: Value | undefined, key: Value | undefined): Value | undefined {
  if (key === undefined || source === undefined) return undefined;
  if (source instanceof ObjectValue) return typeof key === "string" ? source.getString(key) : source.get(key);
  if (Array.isArray(source)) {
    if (typeof key !== "number" || !Number.isInteger(key)) return undefined;
    return source[key];
  }
  if (source instanceof SetValue) return source.has(key) ? key : undefined;
  return undefined;
}

/** ObjectMergeStmt: recursive merge; a non-object clash keeps a's value or, with a message, conflicts. */
export function mergeObjects(a: ObjectValue, b: ObjectValue, message?: string, loc?: Stmt["loc"]): ObjectValue {
  const out = a.copy();
  for (const [k, v] of b.entries()) {
    const cur = out.get(k);
    if (cur === undefined) out.set(k, v);
    else if (cur instanceof ObjectValue && v instanceof ObjectValue) out.set(k, mergeObjects(cur, v, message, loc));
    else if (message !== undefined && cur instanceof SetValue && v instanceof SetValue) out.set(k, union(cur, v));
    else if (message !== undefined && !equal(cur, v)) throw new RegoError("eval_conflict_error", message, loc);
  }
  return out;
}

function union(a: SetValue, b: SetValue): SetValue {
  const out = a.copy();
  for (const v of b.values()) out.add(v);
  return out;
}

/** A copy of `doc` with `value` at `path` (intermediate objects created as needed). */
export function upsert(doc: Value | undefined, path: Value[], value: Value): Value {
  if (path.length === 0) return value;
  const base = doc instanceof ObjectValue ? doc.copy() : new ObjectValue();
  const [k, ...rest] = path;
  base.set(k!, upsert(base.get(k!), rest, value));
  return base;
}
