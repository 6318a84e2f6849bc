// Plan IR to a WebAssembly module: builds (or reuses) the runtime, then links the plans into it.
import type { Policy } from "../ir/ir.ts";
import { runtimeWasm } from "./runtime-build.ts";
import { generateModule, type GeneratedModule, type GenerateOptions } from "./codegen.ts";

let heapBase: { bytes: Uint8Array; base: number } | undefined;

/** Where the runtime's heap starts: read once from an instance of the runtime alone. */
async function runtimeHeapBase(runtime: Uint8Array): Promise<number> {
  if (heapBase?.bytes === runtime) return heapBase.base;
  const memory = new WebAssembly.Memory({ initial: 5 });
  const fail = () => {
    throw new Error("runtime called out while being measured");
  };
  const { instance } = await WebAssembly.instantiate(runtime as BufferSource, {
    env: { memory, opa_abort: fail, opa_println: fail },
    warden: { dispatch: fail },
  });
  const base = (instance.exports.opa_heap_ptr_get as () => number)();
  heapBase = { bytes: runtime, base };
  return base;
}

let runtimeBytes: Promise<Uint8Array> | undefined;

/** Compiles plan IR to a module that follows OPA's WebAssembly ABI. */
export async function compileWasm(policy: Policy, opts: GenerateOptions = {}): Promise<GeneratedModule> {
  // Once per process: checking the build against the runtime's sources costs more than many a
  // small policy's code generation.
  runtimeBytes ??= runtimeWasm();
  const runtime = await runtimeBytes;
  return generateModule(policy, runtime, await runtimeHeapBase(runtime), opts);
}
