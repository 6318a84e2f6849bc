// The API reference (`npm run docs`, TypeDoc over the package's entries) builds with warnings
// treated as errors: an exported function or class whose signature names a type the entries do
// not export, a broken {@link}, or a malformed doc comment fails here, not in a user's editor.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
const OUT = mkdtempSync(join(tmpdir(), "warden-api-docs-"));
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

function typedoc(): Promise<{ code: number; output: string }> {
  const bin = join(ROOT, "node_modules/typedoc/bin/typedoc");
  return new Promise((done) => {
    execFile(process.execPath, [bin, "--treatWarningsAsErrors", "--logLevel", "Warn", "--out", OUT], { cwd: ROOT, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr });
    });
  });
}

describe("API reference", () => {
  it("builds from the entries with no warning, and documents the main entry's API", { timeout: 180_000 }, async () => {
    const r = await typedoc();
    expect(r.output).not.toMatch(/warning|error/i);
    expect(r.code).toBe(0);
    // One page per entry; the governor, the evaluator and the compiler's build function among them.
    const index = readFileSync(join(OUT, "index.html"), "utf8");
    for (const entry of ["index", "compiler", "integrations/ai-sdk", "integrations/openai-agents", "integrations/mcp"]) expect(index).toContain(entry);
    expect(existsSync(join(OUT, "classes/index.Governor.html"))).toBe(true);
    expect(existsSync(join(OUT, "classes/index.Evaluator.html"))).toBe(true);
    expect(existsSync(join(OUT, "functions/compiler.buildBundle.html"))).toBe(true);
    expect(readFileSync(join(OUT, "classes/index.Governor.html"), "utf8")).toContain("execute");
  });
});
