// Builds the WebAssembly runtime once before any test file runs (on a clean clone the
// AssemblyScript build takes a while; test files then find it cached).
import { runtimeWasm } from "../src/wasm/runtime-build.ts";

export default async function setup(): Promise<void> {
  await runtimeWasm();
}
