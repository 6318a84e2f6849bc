// The one adapter between the stock @open-policy-agent/opa-wasm SDK and Warden, used by both
// front doors (src/engines/wasm.ts and src/evaluator/evaluator.ts). It instantiates a module with
// Warden's host built-ins, a bounded memory and the module's step budget, and turns whatever the
// SDK or the module throws into a coded RegoError: an abort text (`file:row: code: message`), a
// host built-in's RegoError, the runtime's "out of memory", or V8's RangeErrors of a memory that
// cannot grow or a stack that overflowed (both: eval_budget_exceeded).
import { loadPolicy, type LoadedPolicy } from "@open-policy-agent/opa-wasm";
import { RegoError, budgetExceeded, isBudgetExceeded } from "../errors.ts";
import { parseAbort } from "./abort.ts";
import { WardenHost, type HostOptions } from "./host.ts";
import { importedMemoryPages } from "./memory-import.ts";
import { EVAL_VALUE_EXPORT, STEP_LIMIT_EXPORT, STEPS_EXCEEDED_MESSAGE } from "./runtime-api.ts";
import { DECLINED, ResultReader } from "./result-reader.ts";

/** Default largest linear memory of one instance: 256 MiB. */
export const DEFAULT_MAX_MEMORY_BYTES = 256 * 1024 * 1024;
const PAGE = 65536;

export interface InstanceOptions extends HostOptions {
  /** Names of the host built-ins to offer (the module's `builtins()`, or the whole library). */
  builtins: string[];
  /** The instance's memory may not grow beyond this (rounded down to 64 KiB pages). */
  maxMemoryBytes?: number;
}

/** A module loaded by the SDK, with Warden's host attached. */
export interface WardenInstance {
  policy: LoadedPolicy;
  host: WardenHost;
  maxMemoryBytes: number;
  /** Sets the step budget of each later evaluation; false if the module has none (built by OPA). */
  setStepLimit(steps: number): boolean;
  /** The step budget the module has now (undefined if none). */
  stepLimit(): number | undefined;
  /**
   * The thin driver (ABI 1.2 modules, Warden's and OPA's alike): `input` (JSON text or its UTF-8
   * bytes, or undefined for no input) is written straight into the module's memory above its data, one
   * `opa_eval` call evaluates the entrypoint (by id) against the data the SDK set, and the result
   * set's JSON is decoded in place. Undefined for a module of an older ABI: use `policy.evaluate`.
   */
  evaluateJSON?: (entrypoint: number, input: string | Uint8Array | undefined) => unknown;
}


/** What the stock SDK's LoadedPolicy holds and its typings leave out. */
interface PolicyInternals {
  minorVersion: number;
  mem: WebAssembly.Memory;
  dataAddr: number;
  dataHeapPtr: number;
  /** The heap's start once loaded: setData and every evaluation allocate above it. */
  baseHeapPtr: number;
}

type EvalValue = (entrypoint: number, data: number, input: number, inputLen: number, heapPtr: number) => number;
type OpaEval = (reserved: number, entrypoint: number, data: number, input: number, inputLen: number, heapPtr: number, format: number) => number;

/**
 * The fast path of evaluate(): what the SDK's ABI 1.2 path does, without its copies (the input
 * encoded once into a fresh buffer then copied in; a new TextDecoder and a byte-by-byte scan for
 * the result's end on every call), and with Warden's modules, without the result's JSON: the
 * result set is read from memory. Data stays where setData put it; the heap restarts above the
 * input on every evaluation, as the SDK has it.
 */
function driver(policy: LoadedPolicy, exports: WebAssembly.Exports): WardenInstance["evaluateJSON"] {
  const p = policy as unknown as PolicyInternals;
  const opaEval = exports.opa_eval as OpaEval | undefined;
  if (!(p.minorVersion >= 2) || typeof opaEval !== "function" || !(p.mem instanceof WebAssembly.Memory)) return undefined;
  const memory = p.mem;
  // Warden's modules hand over the result set itself, read from memory (result-reader.ts); the
  // JSON dump is for OPA's modules and for what the reader declines.
  const evalValue = exports[EVAL_VALUE_EXPORT] as EvalValue | undefined;
  const dump = exports.opa_json_dump as ((v: number) => number) | undefined;
  const reader = new ResultReader();
  // A Buffer over the memory: its indexOf is memchr and its utf8 decoding is the native one
  // (a Uint8Array's indexOf walks element by element). Renewed when the memory grows, which
  // detaches the old buffer: the view's length drops to 0 (reading memory.buffer on every call
  // cost more than the check).
  let view = Buffer.from(memory.buffer);
  const renew = () => void (view = Buffer.from(memory.buffer));
  const parseAt = (ret: number) => {
    if (view.length === 0) renew();
    return JSON.parse(view.toString("utf8", ret, view.indexOf(0, ret)));
  };
  return (entrypoint, input) => {
    const at = p.dataHeapPtr;
    let len = 0;
    if (view.length === 0) renew();
    if (input !== undefined) {
      // UTF-8 takes at most 3 bytes per UTF-16 unit; grow first (a RangeError past the maximum).
      const bytes = typeof input === "string" ? input.length * 3 : input.length;
      const need = at + bytes - view.length;
      if (need > 0) {
        memory.grow(Math.ceil(need / PAGE));
        renew();
      }
      if (typeof input === "string") len = view.write(input, at);
      else {
        view.set(input, at);
        len = input.length;
      }
    }
    if (!evalValue || !dump) return parseAt(opaEval(0, entrypoint, p.dataAddr, at, len, at + len, 0));
    const rs = evalValue(entrypoint, p.dataAddr, at, len, at + len);
    if (view.length === 0) renew();
    // Below the heap's start (setData and every evaluation allocate above it) nothing changes.
    const read = reader.read(view, rs, p.baseHeapPtr);
    return read !== DECLINED ? read : parseAt(dump(rs));
  };
}

export async function instantiateModule(wasm: Uint8Array, opts: InstanceOptions): Promise<WardenInstance> {
  const maxMemoryBytes = opts.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES;
  const host = new WardenHost(opts.builtins, opts);
  const maximum = Math.max(1, Math.floor(maxMemoryBytes / PAGE));
  // The SDK's default 5 pages, or what the module's data segments need when that is more.
  const initial = Math.min(Math.max(5, importedMemoryPages(wasm) ?? 0), maximum);
  const policy = await loadPolicy(wasm, { initial, maximum }, host.builtins);
  host.attach(policy);
  const instance = "instance" in policy.wasmInstance ? policy.wasmInstance.instance : policy.wasmInstance;
  const limit = instance.exports[STEP_LIMIT_EXPORT] as WebAssembly.Global | undefined;
  return {
    policy,
    host,
    maxMemoryBytes,
    evaluateJSON: driver(policy, instance.exports),
    setStepLimit(steps) {
      if (!(limit instanceof WebAssembly.Global)) return false;
      limit.value = Math.max(0, Math.min(steps, 0x7fffffff));
      return true;
    },
    stepLimit() {
      return limit instanceof WebAssembly.Global ? (limit.value as number) : undefined;
    },
  };
}

/**
 * What the SDK or the module threw, as a coded RegoError; undefined for a failure of no known
 * kind (the caller decides how to report it).
 */
export function sdkError(e: unknown, instance?: WardenInstance): RegoError | undefined {
  if (e instanceof RegoError) return e;
  if (typeof e === "string") {
    if (e === "out of memory") return memoryExceeded(instance);
    const abort = parseAbort(e);
    if (abort && isBudgetExceeded(abort) && abort.detail === STEPS_EXCEEDED_MESSAGE) {
      const steps = instance?.stepLimit();
      return steps === undefined ? abort : budgetExceeded(`more than ${steps} steps (loop iterations and calls)`, abort.loc);
    }
    return abort;
  }
  if (e instanceof RangeError) {
    if (/memory/i.test(e.message) || /Invalid (string|array) length|Array buffer allocation/i.test(e.message)) return memoryExceeded(instance);
    if (/call stack/i.test(e.message)) return budgetExceeded("the evaluation nested too deeply (stack exhausted)");
  }
  return undefined;
}

function memoryExceeded(instance: WardenInstance | undefined): RegoError {
  const mb = instance ? ` (${Math.round(instance.maxMemoryBytes / 1024 / 1024)} MiB)` : "";
  return budgetExceeded(`the WebAssembly memory cannot grow beyond its maximum${mb}`);
}
