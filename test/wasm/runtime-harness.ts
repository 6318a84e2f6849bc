// Loads the WebAssembly runtime on its own (no generated code) and moves values in and out of it.
import { runtimeWasm } from "../../src/wasm/runtime-build.ts";

export interface Runtime {
  exports: Record<string, (...args: number[]) => number> & { memory: WebAssembly.Memory };
  memory: WebAssembly.Memory;
  /** Called by the runtime's dispatch import (eval, opa_eval). */
  dispatch: (entrypoint: number, input: number, data: number) => number;
  /** Copies UTF-8 text into the heap: [pointer, length]. */
  put(text: string): [number, number];
  json(text: string): number;
  value(text: string): number;
  dumpJSON(v: number): string;
  dumpValue(v: number): string;
  str(v: number): string;
  cstring(ptr: number): string;
}

export async function loadRuntime(): Promise<Runtime> {
  const memory = new WebAssembly.Memory({ initial: 5 });
  const rt = { memory } as Runtime;
  rt.dispatch = () => 0;
  const { instance } = await WebAssembly.instantiate((await runtimeWasm()) as BufferSource, {
    env: {
      memory,
      opa_abort: (addr: number) => {
        throw new Error(`opa_abort: ${rt.cstring(addr)}`);
      },
      opa_println: (addr: number) => console.log(rt.cstring(addr)),
    },
    warden: { dispatch: (e: number, i: number, d: number) => rt.dispatch(e, i, d) },
  });
  const x = instance.exports as Runtime["exports"];
  rt.exports = x;
  rt.cstring = (ptr) => {
    const bytes = new Uint8Array(memory.buffer);
    let end = ptr;
    while (bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(ptr, end));
  };
  rt.put = (text) => {
    const bytes = new TextEncoder().encode(text);
    const ptr = x.opa_malloc(bytes.length);
    new Uint8Array(memory.buffer).set(bytes, ptr);
    return [ptr, bytes.length];
  };
  rt.json = (text) => x.opa_json_parse(...rt.put(text));
  rt.value = (text) => x.opa_value_parse(...rt.put(text));
  rt.dumpJSON = (v) => rt.cstring(x.opa_json_dump(v));
  rt.dumpValue = (v) => rt.cstring(x.opa_value_dump(v));
  rt.str = (v) => {
    const view = new DataView(memory.buffer);
    const len = view.getUint32(v + 4, true);
    const ptr = view.getUint32(v + 8, true);
    return new TextDecoder().decode(new Uint8Array(memory.buffer, ptr, len));
  };
  return rt;
}
