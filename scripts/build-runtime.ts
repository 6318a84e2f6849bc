// `npx tsx scripts/build-runtime.ts`: builds the WebAssembly runtime ahead of time (the builder
// lives with the backend, src/wasm/runtime-build.ts; every compile builds it on demand too).
import { runtimeWasm } from "../src/wasm/runtime-build.ts";

const bytes = await runtimeWasm();
console.log(`runtime: ${bytes.byteLength} bytes`);
