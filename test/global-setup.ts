// Before any test file runs: builds the WebAssembly runtime once (on a clean clone the
// AssemblyScript build takes a while; test files then find it cached), and points TMPDIR at a
// folder of this run's own, removed at the end, so that whatever the tests (and the processes
// they start) leave in the temporary directory goes with it.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtimeWasm } from "../src/wasm/runtime-build.ts";

export default async function setup(): Promise<() => void> {
  await runtimeWasm();
  const dir = mkdtempSync(join(tmpdir(), "warden-tests-"));
  chmodSync(dir, 0o755); // the test PostgreSQL server runs as its own user, in a folder below
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
