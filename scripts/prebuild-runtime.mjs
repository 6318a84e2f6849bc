// At pack time (`prepack`): builds the WebAssembly runtime with the compiled library, so that the
// build/runtime-<hash>.wasm it caches matches what the installed package looks for and ships in
// the tarball; an installed Warden compiles policies without AssemblyScript.
const { runtimeWasm } = await import("../dist/wasm/runtime-build.js");
const bytes = await runtimeWasm();
console.error(`runtime: ${bytes.length} bytes`);
