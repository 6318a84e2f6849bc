// Loads binaryen through Node's own loader, before tsx registers its hooks.
// tsx transforms every module it loads, and binaryen is one 14 MB JavaScript file: under tsx its
// import takes minutes, natively about three seconds. Once loaded, later imports of "binaryen"
// (from TypeScript run by tsx) reuse this instance from the module cache.
// Use: `node --import ./src/wasm/load-binaryen-natively.mjs --import tsx FILE.ts`.
await import("binaryen");
