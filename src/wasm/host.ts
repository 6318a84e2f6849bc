// Built-ins served by the host: the shared TypeScript library, adapted to the SDK's calling
// convention, so that the IR interpreter and the WebAssembly engine give the same answers.
//
// The stock SDK hands a custom built-in its arguments as plain JSON (sets become arrays) and
// drops the call's context (where in the policy the call is). For Warden's modules, which keep a
// record of the call in progress (runtime/hostcall.ts), the host does better once attached to the
// instance: it reads the arguments as Rego values (opa_value_dump), returns its result as a Rego
// value (opa_value_parse), and locates its errors at the call site. Unattached, or with a module
// that has no record, it falls back to the JSON the SDK passes.
import { lookupBuiltin } from "../builtins/registry.ts";
import { BuiltinError, type BuiltinContext } from "../builtins/builtin.ts";
import { RegoError, isBudgetExceeded } from "../errors.ts";
import { fromJSON, toJSON, toText, type Value } from "../values/value.ts";
import { parseTerm } from "../syntax/parser.ts";
import { constantValue, isConstant } from "../compiler/terms.ts";
import type { Location } from "../syntax/ast.ts";
import { HOST_CALL_EXPORT, HOST_NAME_PREFIX } from "./runtime-api.ts";

type HostFunction = (...args: unknown[]) => unknown;

export interface HostOptions {
  /** A failing built-in raises an error (OPA's strict-builtin-errors) instead of being undefined. */
  strict?: boolean;
  /** Call-site locations by id (GeneratedModule.callSites), for located errors. */
  callSites?: Location[];
  /**
   * The context of each call: the clock and randomness non-deterministic built-ins read. The
   * evaluator fixes it per evaluation and records it, so that replay gives the same answers.
   */
  context?: () => BuiltinContext;
}

interface ModuleExports {
  memory?: WebAssembly.Memory;
  opa_malloc(n: number): number;
  opa_value_dump(v: number): number;
  opa_value_parse(p: number, n: number): number;
  warden_host_call(): number;
}

/** The part of the SDK's LoadedPolicy the host attaches to. */
export interface LoadedInstance {
  mem: WebAssembly.Memory;
  wasmInstance: WebAssembly.Instance | WebAssembly.WebAssemblyInstantiatedSource;
}

export class WardenHost {
  /** Implementations for the SDK's `customBuiltins`, by built-in name. */
  readonly builtins: Record<string, HostFunction> = {};
  private exports: ModuleExports | undefined;
  private memory: WebAssembly.Memory | undefined;

  constructor(
    names: string[],
    private readonly opts: HostOptions = {},
  ) {
    for (const declared of names) {
      const name = declared.startsWith(HOST_NAME_PREFIX) ? declared.slice(HOST_NAME_PREFIX.length) : declared;
      const def = lookupBuiltin(name);
      if (!def) continue;
      this.builtins[declared] = (...json: unknown[]) => {
        const call = this.currentCall(json.length);
        const args = call ? call.args : json.map(fromJSON);
        const ctx: BuiltinContext = this.opts.context?.() ?? { nowNs: BigInt(Date.now()) * 1_000_000n, random: Math.random, cache: new Map() };
        let result: Value | undefined;
        try {
          result = def.impl(args, ctx);
        } catch (e) {
          const loc = call ? this.opts.callSites?.[call.site] : undefined;
          const located = loc && loc.row > 0 ? loc : undefined;
          // Over budget ends the evaluation, strict or not.
          if (isBudgetExceeded(e)) throw new RegoError(e.code, `${name}: ${e.detail}`, located);
          if (!this.opts.strict) return undefined;
          if (e instanceof BuiltinError) throw new RegoError(e.code, `${name}: ${e.message}`, located);
          throw new RegoError("eval_builtin_error", `${name}: ${(e as Error).message}`, located);
        }
        if (result === undefined) return undefined;
        if (call) {
          call.store(result);
          return undefined; // the module takes the stored value (warden_host_call_end)
        }
        return toJSON(result);
      };
    }
  }

  /** Reads arguments from, and writes results to, this instance from now on. */
  attach(loaded: LoadedInstance): this {
    const instance = "instance" in loaded.wasmInstance ? loaded.wasmInstance.instance : loaded.wasmInstance;
    const exports = instance.exports as unknown as ModuleExports;
    if (typeof exports[HOST_CALL_EXPORT] === "function") {
      this.exports = exports;
      this.memory = loaded.mem;
    }
    return this;
  }

  /** The call in progress, from the module's call record; undefined when not attached. */
  private currentCall(argc: number): { site: number; args: Value[]; store(v: Value): void } | undefined {
    const x = this.exports;
    if (!x || !this.memory) return undefined;
    const record = x.warden_host_call();
    // A fresh view per read: dumping a value may grow the memory, which detaches the old buffer.
    const u32 = (at: number) => new DataView(this.memory!.buffer).getUint32(at, true);
    if (u32(record + 4) !== argc) return undefined;
    const site = u32(record);
    const args: Value[] = [];
    for (let i = 0; i < argc; i++) args.push(this.readValue(u32(record + 8 + 4 * i)));
    return {
      site,
      args,
      store: (v) => {
        const bytes = new TextEncoder().encode(toText(v));
        const at = x.opa_malloc(bytes.length);
        new Uint8Array(this.memory!.buffer).set(bytes, at);
        const parsed = x.opa_value_parse(at, bytes.length);
        if (parsed === 0) throw new Error(`internal error: the module cannot read back ${toText(v).slice(0, 80)}`);
        new DataView(this.memory!.buffer).setUint32(record + 24, parsed, true);
      },
    };
  }

  /** A value of the module's memory, through its Rego text (opa_value_dump). */
  private readValue(ptr: number): Value {
    const x = this.exports!;
    const text = cString(this.memory!, x.opa_value_dump(ptr));
    const t = parseTerm(text, "host call");
    if (!isConstant(t)) throw new Error(`internal error: the module dumped a non-constant value: ${text.slice(0, 80)}`);
    return constantValue(t);
  }
}

/** The NUL-terminated UTF-8 text at `at` in the module's memory. */
export function cString(memory: WebAssembly.Memory, at: number): string {
  const bytes = new Uint8Array(memory.buffer);
  let end = at;
  while (bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(at, end));
}

/** Host built-ins answering from the JSON the SDK passes (no instance to attach to). */
export function hostBuiltins(names: string[], opts: HostOptions = {}): Record<string, HostFunction> {
  return new WardenHost(names, opts).builtins;
}
