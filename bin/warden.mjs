#!/usr/bin/env node
// The `warden` command. An installed package runs the compiled library (dist/) on plain Node. A
// checkout runs dist/ too while it is a complete build no older than src/ (`npm run build`),
// and otherwise the TypeScript sources through tsx (a dev dependency). Under tsx, commands that
// generate WebAssembly load binaryen natively first (see src/wasm/load-binaryen-natively.mjs).
import { existsSync, readdirSync, statSync } from "node:fs";

const here = (p) => new URL(p, import.meta.url);
// A reader that went away (`warden inspect … | head`) ends the command quietly.
process.stdout.on("error", (e) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = new URL(entry.name + (entry.isDirectory() ? "/" : ""), dir);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function compiledIsCurrent() {
  const stamp = statSync(here("../dist/.built"), { throwIfNoEntry: false });
  if (!stamp) return false;
  if (!existsSync(here("../src/cli/main.ts"))) return true; // an installed package
  return process.env.WARDEN_SOURCES !== "1" && newestSource(here("../src/")) <= stamp.mtimeMs;
}

let main;
if (compiledIsCurrent()) {
  ({ main } = await import("../dist/cli/main.js"));
} else {
  if (["build", "test", "demo", "bench"].includes(process.argv[2])) await import("../src/wasm/load-binaryen-natively.mjs");
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../src/cli/main.ts"));
}
process.exitCode = await main(process.argv.slice(2));
