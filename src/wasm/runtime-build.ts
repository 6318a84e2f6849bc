// Builds the WebAssembly runtime (src/wasm/runtime/, AssemblyScript) into build/runtime-<hash>.wasm,
// where the hash covers the sources and this file, so a build is reused until either changes.
// runtimeWasm() returns the bytes; `npx tsx scripts/build-runtime.ts` builds it from the shell.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SOURCES = join(ROOT, "src/wasm/runtime");
const BUILD = join(ROOT, "build");

/**
 * --importMemory: the host (the SDK) creates the memory, 5 pages by default, so the module asks
 * for at most 2. --runtime stub with no managed objects at run time: the runtime allocates from
 * its own heap (alloc.ts). --use abort: AssemblyScript's library failures go to opa_abort.
 */
const ASC_OPTIONS = [
  "--runtime", "stub",
  "--importMemory",
  "--initialMemory", "2",
  "--noAssert",
  "--optimizeLevel", "3",
  "--shrinkLevel", "1",
  "--use", "abort=src/wasm/runtime/index/asAbort",
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith(".ts") ? [path] : [];
    })
    .sort();
}

function sourceHash(): string {
  const h = createHash("sha256");
  h.update(readFileSync(fileURLToPath(import.meta.url))); // options and post-processing

  for (const file of sourceFiles(SOURCES)) {
    h.update(relative(ROOT, file));
    h.update(readFileSync(file));
  }
  return h.digest("hex").slice(0, 16);
}

async function compile(out: string): Promise<void> {
  const tmp = `${out}.${process.pid}.tmp`;
  const asc = join(ROOT, "node_modules/assemblyscript/bin/asc.js");
  const entry = relative(ROOT, join(SOURCES, "index.ts"));
  try {
    await run(process.execPath, [asc, entry, ...ASC_OPTIONS, "--outFile", tmp]);
    writeFileSync(tmp, await setHeapBase(readFileSync(tmp)));
    renameSync(tmp, out);
  } finally {
    rmSync(tmp, { force: true });
  }
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    execFile(cmd, args, { cwd: ROOT, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) fail(new Error(`asc failed:\n${stdout}${stderr}`));
      else done();
    });
  });
}

/**
 * Points the exported global `warden_heap_base` just past the static data. (AssemblyScript would
 * set it from its own __heap_base in a start function; the runtime has none.)
 */
async function setHeapBase(bytes: Uint8Array): Promise<Uint8Array> {
  // Loaded only when building: binaryen takes seconds to initialise.
  const { default: binaryen } = await import("binaryen");
  const mod = binaryen.readBinary(bytes);
  // The features asc targets by default (not All: binaryen would then use encodings, such as
  // compact imports, that Node's engine does not read).
  const F = binaryen.Features;
  mod.setFeatures(F.MVP | F.BulkMemory | F.BulkMemoryOpt | F.SignExt | F.MutableGlobals | F.NontrappingFPToInt);
  // These exist in binaryen.js but are missing from its type declarations.
  const segments = mod as unknown as {
    getNumDataSegments(): number;
    getDataSegmentByIndex(i: number): number;
    getDataSegmentInfo(ref: number): { offset: number; data: ArrayBuffer };
  };
  let end = 0;
  for (let i = 0; i < segments.getNumDataSegments(); i++) {
    const seg = segments.getDataSegmentInfo(segments.getDataSegmentByIndex(i));
    end = Math.max(end, seg.offset + seg.data.byteLength);
  }
  const global = binaryen.getExportInfo(mod.getExport("warden_heap_base")).value;
  mod.removeGlobal(global);
  mod.addGlobal(global, binaryen.i32, true, mod.i32.const((end + 15) & ~15));
  if (!mod.validate()) throw new Error("runtime module does not validate");
  const out = mod.emitBinary();
  mod.dispose();
  return out;
}

/** Whether the runtime for the current sources is already built (runtimeWasm will not compile). */
export function runtimeIsBuilt(): boolean {
  return existsSync(join(BUILD, `runtime-${sourceHash()}.wasm`));
}

/** The compiled runtime, rebuilt when any source changed. */
export async function runtimeWasm(): Promise<Uint8Array> {
  const hash = sourceHash();
  const file = join(BUILD, `runtime-${hash}.wasm`);
  if (!existsSync(file)) {
    mkdirSync(BUILD, { recursive: true });
    await withLock(`${file}.lock`, async () => {
      if (existsSync(file)) return; // another process built it while we waited
      await compile(file);
    });
  }
  return new Uint8Array(readFileSync(file));
}

/** Runs `f` holding an exclusive lock file, so that concurrent test workers build only once. */
async function withLock(lock: string, f: () => Promise<void>): Promise<void> {
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx" });
      break;
    } catch {
      // Held by another process; a lock older than ten minutes is left over from a crash.
      const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - since > 600_000) rmSync(lock, { force: true });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    await f();
  } finally {
    rmSync(lock, { force: true });
  }
}
