// The README, in order, on a fresh copy of the repository (the working tree without what git
// ignores): every `sh` block runs as one bash script (set -e, pipefail) in the copy, and
// every `js` block is written to the file its first line names (`// NAME.mjs: …`) for a later
// block to run. `text` and unlabelled blocks are synopses and diagrams. Two lines are not run
// here: `npm ci` (the copy links this checkout's node_modules, installed from the same lockfile)
// and `npm test` (this test is part of it). Slow (a minute): runs when WARDEN_README_TEST=1.
import { execFile, execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
const enabled = process.env.WARDEN_README_TEST === "1";

/**
 * Blocks known not to run yet, by their first line, with why. The test fails when one of them
 * runs, or is gone, so that this list only shrinks.
 */
const PENDING: Record<string, string> = {};

/** What some blocks must print, by their first line. */
const PRINTS: Record<string, RegExp> = {
  "node example.mjs                 # executed under revision <the demo's revision>": /^executed under revision [0-9a-f]{64}$/m,
  "npx warden replay                # every audited decision, re-evaluated: no differences": /\b0 different\b/,
};

interface Block {
  lang: string;
  text: string;
  line: number;
}

function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== "```"; i++) body.push(lines[i]!);
    blocks.push({ lang: open[1]!, text: body.join("\n"), line: start + 1 });
  }
  return blocks;
}

/** The README's sh script as this test runs it (see the header). */
function script(text: string): string {
  const lines = text.split("\n").map((l) =>
    l
      .replace(/^npm ci && /, "")
      .replace(/^npm ci\b.*$/, "")
      .replace(/^npm test\b.*$/, ""),
  );
  return `set -eo pipefail\n${lines.join("\n")}\n`;
}

function bash(cwd: string, text: string): Promise<{ code: number; out: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ["WARDEN_STORE", "WARDEN_CONFIG", "WARDEN_DEBUG"]) delete env[k];
  return new Promise((done) => {
    execFile("bash", ["-c", text], { cwd, env, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

describe("the README's code blocks", () => {
  it("are found, each fenced block once", () => {
    const blocks = codeBlocks("a\n```sh\necho 1\n```\n```text\nx [Y]\n```\n```\ndiagram\n```\n");
    expect(blocks.map((b) => [b.lang, b.text])).toEqual([["sh", "echo 1"], ["text", "x [Y]"], ["", "diagram"]]);
    expect(script("npm ci && npx warden demo\nnpm test   # all\nls")).toBe("set -eo pipefail\nnpx warden demo\n\nls\n");
  });

  it.skipIf(!enabled)("run in order on a fresh copy", { timeout: 900_000 }, async () => {
    const copy = mkdtempSync(join(tmpdir(), "warden-readme-"));
    const tracked = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
    for (const f of tracked) {
      mkdirSync(dirname(join(copy, f)), { recursive: true });
      try {
        cpSync(join(ROOT, f), join(copy, f));
      } catch {
        // tracked but deleted in the working tree
      }
    }
    symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"), "dir");
    const blocks = codeBlocks(readFileSync(join(copy, "README.md"), "utf8"));
    const pending = new Set(Object.keys(PENDING));
    let ran = 0;
    for (const b of blocks) {
      if (b.lang === "js") {
        const name = /^\/\/ ([\w.-]+\.m?js):/.exec(b.text)?.[1];
        expect(name, `README.md:${b.line}: a js block's first line names its file (// NAME.mjs: …)`).toBeDefined();
        writeFileSync(join(copy, name!), `${b.text}\n`);
        continue;
      }
      if (b.lang !== "sh") continue;
      const first = b.text.split("\n")[0]!;
      const r = await bash(copy, script(b.text));
      if (pending.delete(first)) {
        expect(r.code, `README.md:${b.line} runs now: take it off PENDING`).not.toBe(0);
        continue;
      }
      expect(r.code, `README.md:${b.line}:\n${b.text}\n---\n${r.out}`).toBe(0);
      if (PRINTS[first]) expect(r.out, `README.md:${b.line}`).toMatch(PRINTS[first]!);
      ran++;
    }
    expect([...pending], "PENDING names blocks the README no longer has").toEqual([]);
    expect(ran).toBeGreaterThanOrEqual(5);
  });
});
