// The framework examples run as the README says (`node --import tsx examples/<name>/main.ts`), in
// their own process, and print what Warden decided: each checked against the repository's policy.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");

function example(name: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const env = { ...process.env };
    for (const k of ["WARDEN_STORE", "WARDEN_CONFIG", "OPENAI_API_KEY"]) delete env[k];
    execFile(process.execPath, ["--import", "tsx", `examples/${name}/main.ts`], { cwd: ROOT, env, timeout: 280_000 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** What both examples must show: the four categories, the approval routed and resumed once, the trail verified. */
function expectGoverned(out: string): void {
  const lines = out.trim().split("\n");
  expect(lines).toContain('apply_discount: ran -> {"discounted":20}');
  expect(lines.find((l) => l.startsWith("lookup_order: ran -> "))).toMatch(/"total":240/);
  expect(lines.find((l) => l.startsWith("delete_account: refused -> "))).toMatch(/Warden blocked account\.delete: account\.delete is on the hard block list/);
  expect(lines.filter((l) => l.startsWith("notify queue: "))).toEqual([expect.stringMatching(/^notify queue: discount\.apply /)]);
  const waits = /^issue_refund: waits for support-lead \(Warden approval ([0-9a-f-]{36}), SLA 60 min\)$/.exec(lines.find((l) => l.startsWith("issue_refund: waits")) ?? "");
  expect(waits).not.toBeNull();
  expect(lines).toContain(`lena approved ${waits![1]}`);
  expect(lines).toContain("model: Your refund of 750 is on its way.");
  expect(lines).toContain('order A-1002 now: {"customer":"customer-c77","total":900,"discounts":[],"refunded":750}');
  // Tool calls of one model step run concurrently: their decisions are on the chain in the order
  // they were decided, which the frameworks do not fix.
  expect(lines.filter((l) => l.startsWith("audit: decision ")).sort()).toEqual([
    "audit: decision account.delete -> block",
    "audit: decision discount.apply -> notify",
    "audit: decision order.lookup -> auto",
    "audit: decision refund.issue -> approve",
  ]);
  expect(lines.at(-1)).toMatch(/^audit chain verified: 4 decisions under revision [0-9a-f]{64}$/);
  // Approved once, run once: no second refund line, no refund refused.
  expect(lines.filter((l) => l.startsWith("issue_refund: "))).toHaveLength(1);
}

describe("the framework examples", { timeout: 300_000 }, () => {
  it.concurrent("examples/ai-sdk runs with one command and shows every category governed", async () => {
    const r = await example("ai-sdk");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expectGoverned(r.stdout);
  });

  it.concurrent("examples/openai-agents runs with one command and shows every category governed", async () => {
    const r = await example("openai-agents");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expectGoverned(r.stdout);
    expect(r.stdout).toContain("settled: 1 approved, 0 rejected");
  });
});
