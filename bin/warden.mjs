#!/usr/bin/env node
// The `warden` command: runs the TypeScript CLI through tsx, so `npm install` is the whole setup.
// Commands that generate WebAssembly need binaryen, which must be loaded before tsx registers
// (see src/wasm/load-binaryen-natively.mjs); other commands skip its three seconds.
import { register } from "tsx/esm/api";

const GENERATES_WASM = new Set(["build", "test", "demo", "bench"]);
if (GENERATES_WASM.has(process.argv[2])) await import("../src/wasm/load-binaryen-natively.mjs");
register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
