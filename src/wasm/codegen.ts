// The WebAssembly code generator: plan IR in, a module that speaks OPA's Wasm ABI out.
//
// The module is the runtime (src/wasm/runtime, compiled from AssemblyScript) plus one function
// per IR function and plan, generated here with binaryen and linked to the runtime by the
// runtime's export names (src/wasm/runtime-api.ts). Then:
//   - the runtime's `warden.dispatch` import is replaced by a generated dispatcher;
//   - built-ins the runtime has natively are direct calls; the others go to the host through
//     `opa_builtin<N>` with the ids `builtins()` reports;
//   - static strings (constants, messages, the builtins()/entrypoints() JSON) and the value
//     headers of string and integer constants are one data segment placed where the runtime's
//     heap started; a start function moves the heap past it;
//   - exports are reduced to OPA's ABI.
//
// IR to Wasm, statement by statement: an IR block is a Wasm `block`; a failing statement is a
// `br` to the innermost one; `BreakStmt n` is a `br` n blocks out; a ScanStmt is a counted
// `loop` over the runtime's positional iterator, with its body block inside the loop.
import binaryen from "binaryen";
import type { Block, Func, Local, Operand, Plan, Policy, Stmt } from "../ir/ir.ts";
import type { Location } from "../syntax/ast.ts";
import { BUDGET_EXCEEDED, DEFAULT_BUDGET, formatError } from "../errors.ts";
import { DISPATCH, EVAL_VALUE_EXPORT, HOST_CALL_EXPORT, STEP_LIMIT_EXPORT, STEPS_EXCEEDED_MESSAGE, HOST_NAME_PREFIX, RT, VALUE_HEADER, nativeBuiltinExport, type RuntimeFunction } from "./runtime-api.ts";

const i32 = binaryen.i32;

/**
 * IR statements up to which a policy gets binaryen's whole pipeline by default (see
 * GenerateOptions.optimize): about 3 s of it on the bench machine. The governance policy has
 * 320; the bench's generated 10,000-line policy 35,000 (16 s and more in the whole pipeline, its
 * time growing faster than the policy). Per function, the governance decision runs within 5 %
 * of the whole pipeline's module (scripts/bench/compile.ts).
 */
export const OPTIMIZE_BUDGET = 5_000;

/** Exports OPA's ABI defines; every other runtime export is removed. */
const ABI_EXPORTS = [
  "opa_eval_ctx_new",
  "opa_eval_ctx_set_input",
  "opa_eval_ctx_set_data",
  "opa_eval_ctx_set_entrypoint",
  "opa_eval_ctx_get_result",
  "eval",
  "opa_eval",
  "opa_malloc",
  "opa_free",
  "opa_heap_ptr_get",
  "opa_heap_ptr_set",
  "opa_json_parse",
  "opa_json_dump",
  "opa_value_parse",
  "opa_value_dump",
  "opa_value_add_path",
  "opa_value_remove_path",
  "opa_wasm_abi_version",
  "opa_wasm_abi_minor_version",
];

export interface GenerateOptions {
  /**
   * binaryen's optimiser: "module" runs its whole pipeline (-O2 -s1) on the module; "functions"
   * runs its function passes on each generated function alone (the runtime comes optimised from
   * its own build) and drops what nothing uses: linear in the policy's size, where the whole
   * pipeline is not. true (the default) picks "module" for a policy of at most
   * OPTIMIZE_BUDGET IR statements and "functions" above; false leaves the module unoptimised.
   */
  optimize?: boolean | "module" | "functions";
  /** Serve every built-in from the host, even those the runtime has (used for strict errors). */
  hostBuiltinsOnly?: boolean;
  /**
   * Declares host built-ins in `builtins()` under HOST_NAME_PREFIX + name. The stock SDK prefers
   * its own implementation of a few built-ins (sprintf, regex.split, json.is_valid, yaml.*) to a
   * custom one of the same name; under the prefix the host's (Warden's library) serves them.
   */
  prefixHostNames?: boolean;
  /** Emit the step budget's checks (default true); false only to measure what they cost. */
  stepBudget?: boolean;
  /**
   * Memoise documents (functions of input and data only) per evaluation (default true); false
   * only to measure what memoisation gains.
   */
  memoize?: boolean;
}

export interface GeneratedModule {
  wasm: Uint8Array;
  /** Entrypoint name -> id, as `entrypoints()` reports. */
  entrypoints: Record<string, number>;
  /** Host-served built-in name -> id, as `builtins()` reports (see prefixHostNames). */
  builtins: Record<string, number>;
  /** Location of a host built-in call, by the id passed as its context argument. */
  callSites: Location[];
}

/**
 * Links `policy` into the runtime module. `heapBase` is where the runtime's heap starts when
 * instantiated (see runtimeHeapBase).
 */
export function generateModule(policy: Policy, runtime: Uint8Array, heapBase: number, opts: GenerateOptions = {}): GeneratedModule {
  const m = binaryen.readBinary(runtime);
  // What the runtime uses and Node's WebAssembly accepts (binaryen's "all" features would encode
  // imports in a form Node 20 rejects).
  const F = binaryen.Features;
  m.setFeatures(F.MVP | F.BulkMemory | F.SignExt | F.MutableGlobals | F.NontrappingFPToInt | ((F as unknown as { BulkMemoryOpt?: number }).BulkMemoryOpt ?? 0));
  // Disposed only after success: after a failure binaryen's state may not survive dispose().
  const out = new Generator(m, policy, heapBase, opts).run();
  m.dispose();
  return out;
}

/** Static bytes: policy strings, abort messages and JSON texts, laid out from a base address. */
class StaticData {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  private readonly cstrings = new Map<string, number>();
  private readonly headers = new Map<string, number>();
  constructor(readonly base: number) {}

  /** Adds bytes, returning their address. */
  add(bytes: Uint8Array): number {
    const at = this.base + this.size;
    this.chunks.push(bytes);
    this.size += bytes.length;
    return at;
  }
  /** A 16-byte value header, 8-aligned (deduplicated by `key`). */
  header(key: string, fill: (h: DataView) => void): number {
    let at = this.headers.get(key);
    if (at === undefined) {
      const pad = align(this.end, 8) - this.end;
      if (pad > 0) this.add(new Uint8Array(pad));
      const h = new Uint8Array(VALUE_HEADER.size);
      fill(new DataView(h.buffer));
      at = this.add(h);
      this.headers.set(key, at);
    }
    return at;
  }
  /** A NUL-terminated UTF-8 string (deduplicated). */
  cstring(s: string): number {
    let at = this.cstrings.get(s);
    if (at === undefined) {
      const b = new TextEncoder().encode(s);
      const z = new Uint8Array(b.length + 1);
      z.set(b);
      at = this.add(z);
      this.cstrings.set(s, at);
    }
    return at;
  }
  get end(): number {
    return this.base + this.size;
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

class Generator {
  private readonly data: StaticData;
  /** Runtime export name -> internal function name. */
  private readonly runtimeFuncs = new Map<string, string>();
  /** Address and length of each policy string. */
  private readonly strings: { ptr: number; len: number }[];
  private readonly funcNames = new Map<string, string>();
  private readonly hostBuiltins = new Map<string, number>();
  private readonly callSites: Location[] = [];
  private readonly hostImports = new Set<number>();
  /** Memo slot of each memoised function (by IR name): see memoWrapper. */
  private readonly memoSlots = new Map<string, number>();
  private dispatcherName = "";

  constructor(
    private readonly m: binaryen.Module,
    private readonly policy: Policy,
    heapBase: number,
    private readonly opts: GenerateOptions,
  ) {
    this.data = new StaticData(align(heapBase, 8));
    for (let i = 0; i < m.getNumExports(); i++) {
      const info = binaryen.getExportInfo(m.getExportByIndex(i));
      if (info.kind === binaryen.ExternalFunction) this.runtimeFuncs.set(info.name, info.value);
    }
    this.strings = policy.strings.map((s) => {
      const b = new TextEncoder().encode(s);
      return { ptr: this.data.add(b), len: b.length };
    });
    policy.funcs.forEach((f, i) => this.funcNames.set(f.name, `w$f${i}`));
    if (opts.memoize !== false) {
      for (const f of policy.funcs) if (f.params.length === 2) this.memoSlots.set(f.name, this.memoSlots.size);
    }
  }

  run(): GeneratedModule {
    for (const name of this.policy.builtins) {
      if (this.opts.hostBuiltinsOnly || !this.runtimeFuncs.has(nativeBuiltinExport(name))) {
        this.hostBuiltins.set(name, this.hostBuiltins.size);
      }
    }
    const phase = (name: string, f: () => void) => {
      try {
        f();
      } catch (e) {
        throw new Error(`WebAssembly generation failed in ${name}: ${e instanceof Error ? e.message : JSON.stringify(e)}`);
      }
    };
    phase("step budget", () => this.stepBudget());
    phase("memo", () => this.memoGlobals());
    phase("functions", () => this.policy.funcs.forEach((f) => this.func(f)));
    phase("plans", () => this.policy.plans.forEach((p, i) => this.plan(p, i)));
    phase("dispatcher", () => this.dispatcher());
    const entrypoints = Object.fromEntries(this.policy.plans.map((p, i) => [p.name, i]));
    const prefix = this.opts.prefixHostNames ? HOST_NAME_PREFIX : "";
    const builtins = Object.fromEntries([...this.hostBuiltins].map(([name, id]) => [prefix + name, id]));
    phase("exports of entrypoints and builtins", () => {
      this.jsonExport("entrypoints", entrypoints);
      this.jsonExport("builtins", builtins);
    });
    phase("host imports", () => this.hostBuiltinImports());
    phase("memory", () => this.memoryAndStart());
    phase("exports", () => this.exports());
    if (!this.m.validate()) throw new Error("internal error: generated WebAssembly does not validate");
    const optimize = this.opts.optimize ?? true;
    if (optimize !== false) {
      binaryen.setOptimizeLevel(2);
      binaryen.setShrinkLevel(1);
      if (optimize === "module" || (optimize === true && statementCount(this.policy) <= OPTIMIZE_BUDGET)) this.m.optimize();
      else this.optimizeFunctions();
    }
    return { wasm: this.m.emitBinary(), entrypoints, builtins, callSites: this.callSites };
  }

  /** Function passes on each generated function (all named w$..., and the dispatcher). */
  private optimizeFunctions(): void {
    const m = this.m;
    for (let i = 0; i < m.getNumFunctions(); i++) {
      const f = m.getFunctionByIndex(i);
      const info = binaryen.getFunctionInfo(f);
      if (!info.module && (info.name.startsWith("w$") || info.name === this.dispatcherName)) m.optimizeFunction(f);
    }
    m.runPasses(["remove-unused-module-elements"]);
  }

  /** The internal name of a runtime function, by its export name. */
  rt(f: RuntimeFunction | string): string {
    const name = typeof f === "string" ? f : f.name;
    const internal = this.runtimeFuncs.get(name);
    if (internal === undefined) throw new Error(`internal error: the WebAssembly runtime does not export ${name}`);
    return internal;
  }

  call(f: RuntimeFunction, args: binaryen.ExpressionRef[]): binaryen.ExpressionRef {
    return this.m.call(this.rt(f), args, f.result === "none" ? binaryen.none : i32);
  }

  /** The static string value of policy string `index`. */
  stringValue(index: number): binaryen.ExpressionRef {
    const s = this.strings[index]!;
    const at = this.data.header(`s${index}`, (h) => {
      h.setUint8(0, VALUE_HEADER.string);
      h.setUint32(4, s.len, true);
      h.setUint32(8, s.ptr, true);
    });
    return this.m.i32.const(at);
  }

  /** The static number value of integer `value` (within i64, as MakeNumberIntStmt holds). */
  intValue(value: number): binaryen.ExpressionRef {
    const v = BigInt(value);
    const at = this.data.header(`i${v}`, (h) => {
      h.setUint8(0, VALUE_HEADER.number);
      h.setUint8(1, VALUE_HEADER.numberInt);
      h.setBigInt64(8, v, true);
    });
    return this.m.i32.const(at);
  }

  stringBytes(index: number): { ptr: number; len: number } {
    return this.strings[index]!;
  }

  message(s: string): number {
    return this.data.cstring(s);
  }

  isFunction(irName: string): boolean {
    return this.funcNames.has(irName);
  }

  funcName(irName: string): string {
    const n = this.funcNames.get(irName);
    if (n === undefined) throw new Error(`internal error: no function ${irName}`);
    return n;
  }

  /** The host id of a built-in served by the host, or undefined if it is native. */
  hostBuiltin(name: string): number | undefined {
    return this.hostBuiltins.get(name);
  }

  /** Records a host call site, returning the id passed to the host as the call's context. */
  callSite(loc: Location | undefined, arity: number): number {
    this.hostImports.add(arity);
    this.callSites.push(loc ?? { file: "", row: 0, col: 0 });
    return this.callSites.length - 1;
  }

  /**
   * The step budget: `w$steps` counts down from `w$step_limit` (exported, so the host can set
   * it) in each evaluation; every loop iteration and function call takes one step.
   */
  private stepBudget(): void {
    const m = this.m;
    m.addGlobal("w$steps", i32, true, m.i32.const(0));
    m.addGlobal("w$step_limit", i32, true, m.i32.const(DEFAULT_BUDGET.steps));
    m.addGlobalExport("w$step_limit", STEP_LIMIT_EXPORT);
  }

  /** Takes one step; aborts the evaluation once the budget is spent. */
  step(): binaryen.ExpressionRef {
    const m = this.m;
    if (this.opts.stepBudget === false) return m.nop();
    return m.block(null, [
      m.global.set("w$steps", m.i32.sub(m.global.get("w$steps", i32), m.i32.const(1))),
      m.if(
        m.i32.lt_s(m.global.get("w$steps", i32), m.i32.const(0)),
        m.block(null, [this.call(RT.abort, [m.i32.const(this.message(formatError(BUDGET_EXCEEDED, STEPS_EXCEEDED_MESSAGE)))]), m.unreachable()]),
      ),
    ]);
  }

  /**
   * Per-evaluation memoisation, as the interpreter does it: a function of input and data only
   * (a complete rule, a set or object document, a zero-argument function) called with the
   * evaluation's own input and data returns the same value every time, so it runs once per
   * evaluation. A call under `with` passes a replaced input or data (another value, so another
   * pointer) and is neither served from nor stored in the memo; a rule planned under a mocked
   * function is a specialisation, another function with its own slot (and computed mock values
   * are extra parameters, so it is not memoised). Functions with arguments are not memoised.
   *
   * `w$in`/`w$data` hold the evaluation's input and data, `w$memo` its table: one i32 per slot,
   * 0 = not computed, 1 = computed and undefined, else the value. The dispatcher allocates the
   * table from the evaluation's heap (so the heap reset between evaluations discards it) and
   * saves and restores all three around the plan (a nested evaluation leaves the outer intact).
   */
  private memoGlobals(): void {
    const m = this.m;
    for (const g of ["w$memo", "w$in", "w$data"]) m.addGlobal(g, i32, true, m.i32.const(0));
  }

  private func(f: Func): void {
    const g = new FunctionGen(this, this.m, f.params, f.locals);
    const body = g.body(f.blocks, this.m.local.get(g.index(f.result), i32), [this.step()]);
    const params = binaryen.createType(f.params.map(() => i32));
    const slot = this.memoSlots.get(f.name);
    if (slot === undefined) {
      this.m.addFunction(this.funcName(f.name), params, i32, g.varTypes(), body);
      return;
    }
    this.m.addFunction(`${this.funcName(f.name)}$body`, params, i32, g.varTypes(), body);
    this.memoWrapper(this.funcName(f.name), slot);
  }

  /** (input, data) -> the memoised value when they are the evaluation's own, else the body's. */
  private memoWrapper(name: string, slot: number): void {
    const m = this.m;
    const [input, data, v, addr] = [0, 1, 2, 3];
    const call = () => m.call(`${name}$body`, [m.local.get(input, i32), m.local.get(data, i32)], i32);
    const own = m.i32.and(
      m.i32.eq(m.local.get(input, i32), m.global.get("w$in", i32)),
      m.i32.eq(m.local.get(data, i32), m.global.get("w$data", i32)),
    );
    const memoised = m.block(null, [
      m.local.set(addr, m.i32.add(m.global.get("w$memo", i32), m.i32.const(slot * 4))),
      m.local.set(v, m.i32.load(0, 4, m.local.get(addr, i32))),
      m.if(m.local.get(v, i32), m.return(m.select(m.i32.eq(m.local.get(v, i32), m.i32.const(1)), m.i32.const(0), m.local.get(v, i32)))),
      m.local.set(v, call()),
      m.i32.store(0, 4, m.local.get(addr, i32), m.select(m.i32.eqz(m.local.get(v, i32)), m.i32.const(1), m.local.get(v, i32))),
      m.return(m.local.get(v, i32)),
    ]);
    m.addFunction(name, binaryen.createType([i32, i32]), i32, [i32, i32], m.block(null, [m.if(own, memoised), m.return(call())], i32));
  }

  private plan(p: Plan, i: number): void {
    const g = new FunctionGen(this, this.m, [0, 1], p.locals);
    const results = g.resultSet();
    const body = g.body(p.blocks, this.m.local.get(results, i32), [this.m.local.set(results, this.call(RT.set, []))]);
    this.m.addFunction(`w$plan${i}`, binaryen.createType([i32, i32]), i32, g.varTypes(), body);
  }

  /** Replaces the runtime's `warden.dispatch` import with: plan[entrypoint](input, data). */
  private dispatcher(): void {
    let internal: string | undefined;
    for (let i = 0; i < this.m.getNumFunctions(); i++) {
      const info = binaryen.getFunctionInfo(this.m.getFunctionByIndex(i));
      if (info.module === DISPATCH.module && info.base === DISPATCH.base) internal = info.name;
    }
    if (internal === undefined) throw new Error("internal error: the runtime does not import warden.dispatch");
    this.dispatcherName = internal;
    this.m.removeFunction(internal);
    const m = this.m;
    const reset = m.global.set("w$steps", m.global.get("w$step_limit", i32));
    // Locals: 0 entrypoint, 1 input, 2 data; 3-5 the outer evaluation's memo globals; 6 result.
    const memo = ["w$memo", "w$in", "w$data"];
    const slots = this.memoSlots.size;
    const enter =
      slots === 0
        ? []
        : [
            ...memo.map((g, i) => m.local.set(3 + i, m.global.get(g, i32))),
            m.global.set("w$in", m.local.get(1, i32)),
            m.global.set("w$data", m.local.get(2, i32)),
            m.global.set("w$memo", m.call(this.rt("opa_malloc"), [m.i32.const(slots * 4)], i32)),
            m.memory.fill(m.global.get("w$memo", i32), m.i32.const(0), m.i32.const(slots * 4)),
          ];
    const leave = slots === 0 ? [] : memo.map((g, i) => m.global.set(g, m.local.get(3 + i, i32)));
    const arms = this.policy.plans.map((_, i) =>
      m.if(
        m.i32.eq(m.local.get(0, i32), m.i32.const(i)),
        m.block(null, [m.local.set(6, m.call(`w$plan${i}`, [m.local.get(1, i32), m.local.get(2, i32)], i32)), m.br("dispatched")]),
      ),
    );
    const invalid = m.block(null, [
      this.call(RT.abort, [m.i32.const(this.message("internal_error: invalid entrypoint id"))]),
      m.unreachable(),
    ]);
    const body = m.block(null, [reset, ...enter, m.block("dispatched", [...arms, invalid]), ...leave, m.return(m.local.get(6, i32))], i32);
    m.addFunction(internal, binaryen.createType([i32, i32, i32]), i32, [i32, i32, i32, i32], body);
  }

  /** An exported function returning a JSON document parsed from static bytes. */
  private jsonExport(name: string, doc: unknown): void {
    const bytes = new TextEncoder().encode(JSON.stringify(doc));
    const ptr = this.data.add(bytes);
    const m = this.m;
    m.addFunction(`w$${name}`, binaryen.none, i32, [], m.call(this.rt("opa_json_parse"), [m.i32.const(ptr), m.i32.const(bytes.length)], i32));
    m.addFunctionExport(`w$${name}`, name);
  }

  private hostBuiltinImports(): void {
    for (const n of [...this.hostImports].sort()) {
      const params = binaryen.createType(Array.from({ length: n + 2 }, () => i32));
      this.m.addFunctionImport(`opa_builtin${n}`, "env", `opa_builtin${n}`, params, i32);
    }
  }

  /**
   * Puts the static data where the runtime's heap began, keeps the runtime's own segments, and
   * adds a start function that moves the heap pointer past the data.
   */
  private memoryAndStart(): void {
    const m = this.m;
    const segments: binaryen.MemorySegment[] = [];
    const mod = m as unknown as {
      getNumDataSegments(): number;
      getDataSegmentByIndex(i: number): number;
      getDataSegmentInfo(ref: number): { offset: number; data: ArrayBuffer; passive: boolean };
    };
    for (let i = 0; i < mod.getNumDataSegments(); i++) {
      const info = mod.getDataSegmentInfo(mod.getDataSegmentByIndex(i));
      segments.push({ offset: m.i32.const(info.offset), data: new Uint8Array(info.data), passive: info.passive });
    }
    segments.push({ offset: m.i32.const(this.data.base), data: this.data.bytes(), passive: false });
    const memory = m.getMemoryInfo();
    const end = align(this.data.end, 16);
    const pages = Math.max(memory.initial, Math.ceil(end / 65536));
    // Keep the memory's internal name: the runtime's own `memory` export refers to it.
    const name = this.hasExport("memory") ? binaryen.getExportInfo(m.getExport("memory")).value : "0";
    m.setMemory(pages, -1, null, segments, false, false, name);
    m.addMemoryImport(name, "env", "memory");
    // OPA's modules export the memory they import.
    if (!this.hasExport("memory")) m.addMemoryExport(name, "memory");

    const start = m.addFunction("w$start", binaryen.none, binaryen.none, [], m.call(this.rt("opa_heap_ptr_set"), [m.i32.const(end)], binaryen.none));
    m.setStart(start);
  }

  private hasExport(name: string): boolean {
    for (let i = 0; i < this.m.getNumExports(); i++) if (binaryen.getExportInfo(this.m.getExportByIndex(i)).name === name) return true;
    return false;
  }

  private exports(): void {
    const keep = new Set([...ABI_EXPORTS, "builtins", "entrypoints", "memory", STEP_LIMIT_EXPORT, EVAL_VALUE_EXPORT]);
    if (this.hostImports.size > 0) keep.add(HOST_CALL_EXPORT);
    const names: string[] = [];
    for (let i = 0; i < this.m.getNumExports(); i++) names.push(binaryen.getExportInfo(this.m.getExportByIndex(i)).name);
    for (const n of names) if (!keep.has(n)) this.m.removeExport(n);
    for (const n of ABI_EXPORTS) {
      if (!names.includes(n)) throw new Error(`internal error: the WebAssembly runtime does not export ${n}`);
    }
  }
}

/** Generates the body of one function or plan. */
class FunctionGen {
  private readonly map = new Map<Local, number>();
  private readonly extra: binaryen.Type[] = [];
  private readonly labels: string[] = [];
  private nextLabel = 0;
  private readonly scratch: number;
  /** The plan's result set, when generating a plan. */
  private results = -1;

  constructor(
    private readonly g: Generator,
    private readonly m: binaryen.Module,
    private readonly params: Local[],
    private readonly irLocals: number,
  ) {
    params.forEach((p, i) => this.map.set(p, i));
    let next = params.length;
    for (let l = 0; l < irLocals; l++) if (!this.map.has(l)) this.map.set(l, next++);
    this.scratch = this.temp(i32);
  }

  index(l: Local): number {
    const i = this.map.get(l);
    if (i === undefined) throw new Error(`internal error: local ${l} out of range`);
    return i;
  }

  /** A fresh wasm local beyond the IR's. */
  temp(t: binaryen.Type): number {
    this.extra.push(t);
    return this.params.length + (this.irLocals - this.params.length) + this.extra.length - 1;
  }

  resultSet(): number {
    this.results = this.temp(i32);
    return this.results;
  }

  varTypes(): binaryen.Type[] {
    const irVars = Math.max(0, this.irLocals - this.params.length);
    return [...Array.from({ length: irVars }, () => i32), ...this.extra];
  }

  /** Top-level blocks in order, inside one outer block that any deeper break lands after. */
  body(blocks: Block[], result: binaryen.ExpressionRef, prologue: binaryen.ExpressionRef[] = []): binaryen.ExpressionRef {
    const outer = this.label();
    this.labels.push(outer);
    const inner = blocks.map((b) => this.block(b));
    this.labels.pop();
    return this.m.block(null, [...prologue, this.m.block(outer, inner), this.m.return(result)], i32);
  }

  private label(): string {
    return `b${this.nextLabel++}`;
  }

  private block(b: Block): binaryen.ExpressionRef {
    const label = this.label();
    this.labels.push(label);
    const body = b.stmts.map((s) => this.stmt(s));
    this.labels.pop();
    return this.m.block(label, body);
  }

  private get fail(): string {
    return this.labels[this.labels.length - 1]!;
  }

  private get(l: Local): binaryen.ExpressionRef {
    return this.m.local.get(this.index(l), i32);
  }

  private set(l: Local, v: binaryen.ExpressionRef): binaryen.ExpressionRef {
    return this.m.local.set(this.index(l), v);
  }

  private op(o: Operand): binaryen.ExpressionRef {
    switch (o.kind) {
      case "local":
        return this.get(o.local);
      case "bool":
        return this.g.call(RT.boolean, [this.m.i32.const(o.value ? 1 : 0)]);
      case "string":
        return this.g.stringValue(o.index);
    }
  }

  /** Fails the current block if any local operand is undefined. */
  private defined(ops: Operand[]): binaryen.ExpressionRef[] {
    return ops.filter((o) => o.kind === "local").map((o) => this.m.br(this.fail, this.m.i32.eqz(this.op(o))));
  }

  /** scratch = value; fail if 0; target = scratch. */
  private setOrFail(target: Local, value: binaryen.ExpressionRef): binaryen.ExpressionRef {
    const m = this.m;
    return m.block(null, [
      m.local.set(this.scratch, value),
      m.br(this.fail, m.i32.eqz(m.local.get(this.scratch, i32))),
      this.set(target, m.local.get(this.scratch, i32)),
    ]);
  }

  private abort(code: string, message: string, loc?: Location): binaryen.ExpressionRef {
    const text = formatError(code as never, message, loc);
    return this.m.block(null, [this.g.call(RT.abort, [this.m.i32.const(this.g.message(text))]), this.m.unreachable()]);
  }

  private seq(...xs: binaryen.ExpressionRef[]): binaryen.ExpressionRef {
    return this.m.block(null, xs);
  }

  private stmt(s: Stmt): binaryen.ExpressionRef {
    const m = this.m;
    switch (s.type) {
      case "dot":
        return this.seq(...this.defined([s.source, s.key]), this.setOrFail(s.target, this.g.call(RT.get, [this.op(s.source), this.op(s.key)])));
      case "len":
        return this.seq(
          ...this.defined([s.source]),
          m.local.set(this.scratch, this.g.call(RT.length, [this.op(s.source)])),
          m.br(this.fail, m.i32.lt_s(m.local.get(this.scratch, i32), m.i32.const(0))),
          this.set(s.target, this.g.call(RT.numberInt, [m.i64.extend_s(m.local.get(this.scratch, i32))])),
        );
      case "scan":
        return this.scan(s);
      case "block":
        return this.seq(...s.blocks.map((b) => this.block(b)));
      case "break":
        return m.br(this.labels[this.labels.length - 1 - s.index]!);
      case "call":
        return this.callStmt(s);
      case "assignvar":
        return this.seq(...this.defined([s.source]), this.set(s.target, this.op(s.source)));
      case "assignvaronce": {
        const t = this.get(s.target);
        return this.seq(
          ...this.defined([s.source]),
          m.local.set(this.scratch, this.op(s.source)),
          m.if(
            m.i32.eqz(t),
            this.set(s.target, m.local.get(this.scratch, i32)),
            m.if(m.i32.eqz(this.g.call(RT.equal, [this.get(s.target), m.local.get(this.scratch, i32)])), this.abort("eval_conflict_error", s.message, s.loc)),
          ),
        );
      }
      case "resetlocal":
        return this.set(s.target, m.i32.const(0));
      case "makenull":
        return this.set(s.target, this.g.call(RT.null, []));
      case "makenumberint":
        return this.set(s.target, this.g.intValue(s.value));
      case "makenumberref": {
        const b = this.g.stringBytes(s.index);
        return this.set(s.target, this.g.call(RT.numberRef, [m.i32.const(b.ptr), m.i32.const(b.len)]));
      }
      case "makearray":
        return this.set(s.target, this.g.call(RT.arrayWithCap, [m.i32.const(s.capacity)]));
      case "makeobject":
        return this.set(s.target, this.g.call(RT.object, []));
      case "makeset":
        return this.set(s.target, this.g.call(RT.set, []));
      case "equal":
      case "notequal": {
        const eq = this.g.call(RT.equal, [this.op(s.a), this.op(s.b)]);
        return this.seq(...this.defined([s.a, s.b]), m.br(this.fail, s.type === "equal" ? m.i32.eqz(eq) : eq));
      }
      case "isarray":
      case "isobject":
      case "isset": {
        const tag = s.type === "isarray" ? 5 : s.type === "isobject" ? 6 : 7;
        return this.seq(...this.defined([s.source]), m.br(this.fail, m.i32.ne(this.g.call(RT.type, [this.op(s.source)]), m.i32.const(tag))));
      }
      case "isdefined":
        return m.br(this.fail, m.i32.eqz(this.get(s.source)));
      case "isundefined":
        return m.br(this.fail, m.i32.ne(this.get(s.source), m.i32.const(0)));
      case "arrayappend":
        return this.seq(...this.defined([s.value]), this.g.call(RT.arrayAppend, [this.get(s.array), this.op(s.value)]));
      case "objectinsert":
        return this.seq(...this.defined([s.key, s.value]), this.g.call(RT.objectInsert, [this.get(s.object), this.op(s.key), this.op(s.value)]));
      case "objectinsertonce":
        return this.seq(
          ...this.defined([s.key, s.value]),
          m.if(m.i32.eqz(this.g.call(RT.objectInsertOnce, [this.get(s.object), this.op(s.key), this.op(s.value)])), this.abort("eval_conflict_error", s.message, s.loc)),
        );
      case "objectmerge": {
        const ops: Operand[] = [
          { kind: "local", local: s.a },
          { kind: "local", local: s.b },
        ];
        const merged = this.g.call(s.message !== undefined ? RT.mergeStrict : RT.merge, [this.get(s.a), this.get(s.b)]);
        if (s.message === undefined) return this.seq(...this.defined(ops), this.setOrFail(s.target, merged));
        return this.seq(
          ...this.defined(ops),
          m.local.set(this.scratch, merged),
          m.if(m.i32.eqz(m.local.get(this.scratch, i32)), this.abort("eval_conflict_error", s.message, s.loc)),
          this.set(s.target, m.local.get(this.scratch, i32)),
        );
      }
      case "setadd":
        return this.seq(...this.defined([s.value]), this.g.call(RT.setAdd, [this.get(s.set), this.op(s.value)]));
      case "upsert": {
        const path = this.temp(i32);
        return this.seq(
          ...this.defined([s.value, ...s.path]),
          m.local.set(path, this.g.call(RT.arrayWithCap, [m.i32.const(s.path.length)])),
          ...s.path.map((p) => this.g.call(RT.arrayAppend, [m.local.get(path, i32), this.op(p)])),
          this.set(s.target, this.g.call(RT.upsert, [this.get(s.source), m.local.get(path, i32), this.op(s.value)])),
        );
      }
      case "resultsetadd":
        return this.seq(...this.defined([{ kind: "local", local: s.value }]), this.g.call(RT.setAdd, [m.local.get(this.results, i32), this.get(s.value)]));
      case "returnlocal":
        return m.return(this.get(s.source));
    }
  }

  /** A counted loop over the runtime's positional iterator; the body block sits inside it. */
  private scan(s: Extract<Stmt, { type: "scan" }>): binaryen.ExpressionRef {
    const m = this.m;
    const n = this.temp(i32);
    const i = this.temp(i32);
    const exit = this.label();
    const loop = this.label();
    const src = this.get(s.source);
    const body = this.block(s.block);
    return m.block(exit, [
      m.local.set(n, m.select(m.i32.eqz(src), m.i32.const(-1), this.g.call(RT.length, [this.get(s.source)]))),
      m.local.set(i, m.i32.const(0)),
      m.loop(
        loop,
        m.block(null, [
          m.br(exit, m.i32.ge_s(m.local.get(i, i32), m.local.get(n, i32))),
          this.g.step(),
          this.set(s.key, this.g.call(RT.iterKey, [this.get(s.source), m.local.get(i, i32)])),
          this.set(s.value, this.g.call(RT.iterValue, [this.get(s.source), m.local.get(i, i32)])),
          body,
          m.local.set(i, m.i32.add(m.local.get(i, i32), m.i32.const(1))),
          m.br(loop),
        ]),
      ),
    ]);
  }

  private callStmt(s: Extract<Stmt, { type: "call" }>): binaryen.ExpressionRef {
    const m = this.m;
    const args = s.args.map((a) => this.op(a));
    if (this.g.isFunction(s.func)) {
      return this.setOrFail(s.result, m.call(this.g.funcName(s.func), args, i32));
    }
    const host = this.g.hostBuiltin(s.func);
    if (host === undefined) {
      return this.seq(...this.defined(s.args), this.setOrFail(s.result, m.call(this.g.rt(nativeBuiltinExport(s.func)), args, i32)));
    }
    if (args.length > 4) throw new Error(`built-in ${s.func} takes ${args.length} arguments; the ABI passes at most 4 to the host`);
    // Arguments go through temporaries: the call record (runtime/hostcall.ts) holds them too.
    const site = this.g.callSite(s.loc, args.length);
    const temps = args.map(() => this.temp(i32));
    const saved = () => temps.map((t) => m.local.get(t, i32)); // an expression is used once only
    const record = [...saved(), ...Array.from({ length: 4 - args.length }, () => m.i32.const(0))];
    const call = m.call(`opa_builtin${args.length}`, [m.i32.const(host), m.i32.const(site), ...saved()], i32);
    return this.seq(
      ...this.defined(s.args),
      ...args.map((a, i) => m.local.set(temps[i]!, a)),
      this.g.call(RT.hostCallBegin, [m.i32.const(site), m.i32.const(args.length), ...record]),
      this.setOrFail(s.result, this.g.call(RT.hostCallEnd, [call])),
    );
  }
}

/** How many IR statements a policy has, nested blocks included. */
export function statementCount(policy: Policy): number {
  let n = 0;
  const blocks = (bs: Block[]) => {
    for (const b of bs) {
      for (const s of b.stmts) {
        n++;
        if (s.type === "block") blocks(s.blocks);
        else if (s.type === "scan") blocks([s.block]);
      }
    }
  };
  for (const f of policy.funcs) blocks(f.blocks);
  for (const p of policy.plans) blocks(p.blocks);
  return n;
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
