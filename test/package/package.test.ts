// Warden as a service installs it: `npm pack` on a copy of this checkout, the tarball installed
// into an empty directory, then, with no loader and no TypeScript at run time: the installed CLI
// builds and signs a bundle, a plain .mjs (govern.mjs) loads it and governs an action with the
// compiler removed, the same program in TypeScript (govern.ts) type-checks with `tsc --strict`,
// and `warden demo` runs there. Slow (a minute): runs when WARDEN_PACKAGE_TEST=1 (.ci/run sets it).
//
// The install skips install scripts and borrows this checkout's compiled better-sqlite3 (same
// version, same Node), which a real install compiles or downloads: that is minutes, not Warden.
import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
const HERE = join(ROOT, "test/package");
const enabled = process.env.WARDEN_PACKAGE_TEST === "1";

/** What `npm pack` needs from the checkout (the rest of the copy is node_modules, linked). */
const PACKED = ["package.json", "package-lock.json", "tsconfig.json", "tsconfig.build.json", "README.md", "bin", "src", "schemas", "policy", "scripts/stamp-dist.mjs", "scripts/prebuild-runtime.mjs"];

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const all: NodeJS.ProcessEnv = { ...process.env, ...env };
    for (const k of ["WARDEN_STORE", "WARDEN_CONFIG"]) if (!(k in env)) delete all[k];
    execFile(cmd, args, { cwd, env: all, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function ok(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await run(cmd, args, cwd, env);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

let app: string;
let tarball: string;

describe.skipIf(!enabled)("the packed package, installed", { timeout: 600_000 }, () => {
  beforeAll(async () => {
    const stage = mkdtempSync(join(tmpdir(), "warden-pack-"));
    for (const p of PACKED) cpSync(join(ROOT, p), join(stage, p), { recursive: true });
    symlinkSync(join(ROOT, "node_modules"), join(stage, "node_modules"), "dir");
    mkdirSync(join(stage, "out"));
    await ok("npm", ["pack", "--pack-destination", "out", "--silent"], stage);
    tarball = join(stage, "out", readdirSync(join(stage, "out")).find((f) => f.endsWith(".tgz"))!);

    app = mkdtempSync(join(tmpdir(), "warden-app-"));
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", private: true, type: "module" }));
    await ok("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", tarball], app);
    cpSync(join(ROOT, "node_modules/better-sqlite3/build"), join(app, "node_modules/better-sqlite3/build"), { recursive: true });
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    writeFileSync(join(app, "key.pem"), privateKey.export({ type: "pkcs8", format: "pem" }));
    writeFileSync(join(app, "pub.pem"), publicKey.export({ type: "spki", format: "pem" }));
    for (const f of ["govern.mjs", "govern.ts"]) cpSync(join(HERE, f), join(app, f));
  }, 600_000);

  it("ships the compiled library, the runtime for the code it ships, and no TypeScript sources to run", () => {
    const pkg = join(app, "node_modules/warden");
    expect(existsSync(join(pkg, "dist/index.js"))).toBe(true);
    expect(existsSync(join(pkg, "dist/index.d.ts"))).toBe(true);
    expect(existsSync(join(pkg, "src/cli"))).toBe(false);
    expect(readdirSync(join(pkg, "build")).filter((f) => f.endsWith(".wasm"))).toHaveLength(1);
    expect(existsSync(join(app, "node_modules/assemblyscript"))).toBe(false);
    expect(existsSync(join(app, "node_modules/tsx"))).toBe(false);
  });

  it("builds and signs with the installed CLI; a plain .mjs governs an action with the bundle, the compiler removed", async () => {
    const warden = join(app, "node_modules/.bin/warden");
    const built = await ok(warden, ["build", "node_modules/warden/policy", "-o", "bundle.tar.gz", "--signing-key", "key.pem"], app);
    const revision = /revision ([0-9a-f]{64})/.exec(built)![1];
    expect(readdirSync(join(app, "node_modules/warden/build"))).toHaveLength(1); // the shipped runtime, not rebuilt
    rmSync(join(app, "node_modules/binaryen"), { recursive: true });
    const out = await ok(process.execPath, ["govern.mjs", "bundle.tar.gz", "pub.pem"], app);
    expect(out.trim()).toBe(`auto executed revision ${revision}`);
  });

  it("the same program in TypeScript type-checks with tsc --strict and no other flag", async () => {
    await ok(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "--strict", "--noEmit", "govern.ts"], app);
  });

  it("the installed CLI: --version, --help, one-line errors; warden demo runs from any directory", async () => {
    const warden = join(app, "node_modules/.bin/warden");
    expect((await ok(warden, ["--version"], app)).trim()).toMatch(/^\d+\.\d+\.\d+/);
    const missing = await run(warden, ["inspect", "nothing.tar.gz"], app);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    // binaryen is back for the demo, which builds its policy (the one shipped in the package).
    await ok("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", tarball], app);
    cpSync(join(ROOT, "node_modules/better-sqlite3/build"), join(app, "node_modules/better-sqlite3/build"), { recursive: true });
    const elsewhere = mkdtempSync(join(tmpdir(), "warden-demo-"));
    const demo = await ok(warden, ["demo", "--json"], elsewhere);
    expect(JSON.parse(demo.trim().split("\n").at(-1)!).records).toBeGreaterThan(20);
    expect(existsSync(join(elsewhere, ".warden/deployment.json"))).toBe(true);
  });
});
