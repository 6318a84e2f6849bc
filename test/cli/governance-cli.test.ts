// The governance commands as an operator runs them (node bin/warden.mjs in a working directory
// holding .warden/deployment.json): approvals, kill-switch, rollback, replay. Few spawns: each
// costs seconds.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { AuditLog } from "../../src/audit/index.ts";
import { buildBundleBytes, openStore } from "../../src/bundle/index.ts";
import { openGovernor, writeDeployment, type Deployment } from "../../src/governance/deployment.ts";
import type { Handler, Outcome } from "../../src/governance/governor.ts";
import { GovernanceState } from "../../src/governance/state.ts";
import { FileStateStore } from "../../src/rollback/index.ts";
import { approvals } from "../../src/cli/commands/approvals.ts";
import { notify } from "../../src/cli/commands/notify.ts";
import { main } from "../../src/cli/main.ts";
import { seedDirectory } from "../governance/fixture.ts";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
const cwd = mkdtempSync(join(tmpdir(), "warden-gov-cli-"));
let deployment: Deployment;
let approvalId: string;
let discountId: string;
let secondApprovalId: string;

function warden(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.WARDEN_STORE;
  return new Promise((done) => {
    execFile(process.execPath, [join(ROOT, "bin/warden.mjs"), ...args], { cwd, env }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const request = (action: string, parameters: Record<string, unknown>) => ({
  agent: { id: "support-bot-1", role: "support-agent" },
  initiator: { id: "customer-42", kind: "user" as const },
  action,
  parameters,
  context: { attributes: { identity_verified: true }, input: "I was charged twice, please refund" },
});

beforeAll(async () => {
  const { bytes } = await buildBundleBytes({ paths: [join(ROOT, "policy")] });
  const revision = openStore(join(cwd, "bundles")).put(bytes).entry.revision;
  deployment = {
    store: join(cwd, ".warden", "warden.db"),
    bundles: join(cwd, "bundles"),
    revision,
    state: join(cwd, ".warden", "state"),
    mode: "enforce",
    allow_unsigned: true,
  };
  writeDeployment(deployment, join(cwd, ".warden", "deployment.json"));
  const seeding = await AuditLog.open(deployment.store);
  await seedDirectory(seeding);
  await seeding.close();
  const gov = await openGovernor(deployment, { warn: () => {} });
  const state = new FileStateStore(deployment.state);
  await state.put("orders/A-1", { total: 120, discounts: [] });
  const applyDiscount: Handler = async ({ parameters, state }) => {
    const order = (await state.get("orders/A-1")) as { total: number; discounts: number[] };
    await state.put("orders/A-1", { ...order, discounts: [...order.discounts, parameters.amount as number] });
  };
  const paused = (await gov.execute(request("refund.issue", { order: "A-2", amount: 750 }), async () => ({}))) as Extract<Outcome, { status: "paused" }>;
  approvalId = paused.approval.approval_id;
  const second = (await gov.execute(request("refund.issue", { order: "A-3", amount: 900 }), async () => ({}))) as Extract<Outcome, { status: "paused" }>;
  secondApprovalId = second.approval.approval_id;
  discountId = (await gov.execute(request("discount.apply", { order: "A-1", amount: 20 }), applyDiscount, { resource: "orders/A-1" })).action_id;
  await gov.dispose();
});

describe("warden governance commands", { timeout: 180_000 }, () => {
  it("approvals: list and show give the context; the wrong role is refused with its reason; the routed role approves", async () => {
    const [list, show, usage] = await Promise.all([warden("approvals", "list"), warden("approvals", "show", approvalId.slice(0, 8)), warden("approvals", "approve", approvalId)]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${approvalId}  pending +refund\\.issue 750 +support-lead \\(level 0\\) +due in \\d+m`, "m"));
    expect(show.code).toBe(0);
    for (const text of ["PENDING", '"amount":750', '"order":"A-2"', "customer-42 (user)", "I was charged twice", "amount 750 exceeds the approval threshold 500", "[support-lead] -> support-manager -> head-of-support -> expire", deployment.revision]) {
      expect(show.stdout).toContain(text);
    }
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--by ID is required");

    const claim = await warden("approvals", "approve", approvalId, "--by", "sam", "--role", "support-lead");
    expect(claim.code).toBe(2);
    expect(claim.stderr).toMatch(/unknown option '?--role/i);
    const wrong = await warden("approvals", "approve", approvalId, "--by", "sam");
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("refused: wrong_role: sam does not hold the role support-lead");
    const stranger = await warden("approvals", "approve", approvalId, "--by", "mallory");
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toContain("refused: unknown_principal: mallory is not in the directory");
    const right = await warden("approvals", "approve", approvalId, "--by", "lena", "--comment", "duplicate charge confirmed");
    expect(right.stderr).toContain("WARNING: allow_unsigned");
    expect(right.code).toBe(0);
    expect(right.stdout).toContain("approved by lena (support-lead, warden:reviewer)");

    const audit = await AuditLog.open(deployment.store);
    const approval = await (await GovernanceState.open(audit)).getApproval(approvalId);
    expect(approval).toMatchObject({ status: "approved", history: [{ event: "approve", by: { id: "lena" }, comment: "duplicate charge confirmed" }] });
    await audit.close();
  });

  it("kill-switch on, status, off: audited, and the store holds the state", async () => {
    const on = await warden("kill-switch", "on", "--by", "ops", "--reason", "incident 7");
    expect(on.code).toBe(0);
    expect(on.stdout).toMatch(/kill switch: ON \(by ops at .*\): incident 7/);
    const status = await warden("kill-switch", "status");
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/kill switch: ON \(by ops at .*\): incident 7/);
    const off = await warden("kill-switch", "off", "--by", "ops");
    expect(off.code).toBe(0);
    expect(off.stdout).toContain("kill switch: off (by ops");

    const audit = await AuditLog.open(deployment.store);
    expect(await (await GovernanceState.open(audit)).killSwitch()).toMatchObject({ on: false, by: "ops" });
    const records = [];
    for await (const r of audit.list({ type: "kill_switch" })) records.push(r.details);
    expect(records).toMatchObject([{ on: true, reason: "incident 7" }, { on: false }]);
    await audit.close();
  });

  it("rollback refuses a changed state, showing the difference; restores it once; a second rollback is refused", async () => {
    const documents = new FileStateStore(deployment.state);
    const left = await documents.get("orders/A-1");
    await documents.put("orders/A-1", { total: 120, discounts: [] });
    const conflicted = await warden("rollback", discountId, "--by", "ops");
    expect(conflicted.code).toBe(1);
    expect(conflicted.stderr).toContain("conflict: cannot roll back action");
    expect(conflicted.stderr).toMatch(/\/discounts\/0: 20 \(recorded\) -> absent \(now\)/);
    await documents.put("orders/A-1", left);
    const first = await warden("rollback", discountId, "--by", "ops");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`rolled back action ${discountId}`);
    expect(await documents.get("orders/A-1")).toEqual({ total: 120, discounts: [] });
    const again = await warden("rollback", discountId, "--by", "ops");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`refused: already_rolled_back: action ${discountId} was rolled back by rollback`);
  });

  it("replay: zero differences exit 0; a tampered decision exits 1 and is shown", async () => {
    const ok = await warden("replay");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("replayed 3 decisions: 3 same, 0 different");
    expect(ok.stderr).toContain("replaying: 3 decision(s)");

    const audit = await AuditLog.open(deployment.store);
    let forged;
    for await (const r of audit.list({ type: "decision", limit: 1 })) {
      const { seq: _s, id: _i, time: _t, prev_hash: _p, hash: _h, ...entry } = r;
      forged = { ...entry, action_id: "forged", decision: { ...entry.decision!, result: { ...(entry.decision!.result as object), category: "auto", allow: true } } };
    }
    const appended = await audit.append(forged!);
    await audit.close();
    const bad = await warden("replay", "--json");
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout);
    expect(report).toMatchObject({ checked: 4, same: 3, missing_revisions: [] });
    expect(report.differences).toEqual([expect.objectContaining({ seq: appended.seq, action_id: "forged", diff: expect.arrayContaining([{ path: "/category", recorded: "auto", replayed: "approve" }]) })]);
  });
});

/** A command run in this process (no spawn), with the deployment given as flags; stdout and stderr captured. */
async function inProcess(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
  const error = vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
  // The commands read .warden/deployment.json from the working directory: this test's, not the repository's.
  const home = process.cwd();
  process.chdir(cwd);
  try {
    const flags = ["--store", deployment.store, "--bundles", deployment.bundles, "--revision", deployment.revision, "--state", deployment.state, "--allow-unsigned"];
    const code = await main([...argv, ...flags]);
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  } finally {
    process.chdir(home);
    log.mockRestore();
    error.mockRestore();
  }
}

describe("governance commands in process", () => {
  it("approvals modify sets parameters (JSON where it parses); a second decision is refused as not_pending", async () => {
    expect(approvals.summary).toBeTruthy();
    const bad = await inProcess(["approvals", "modify", secondApprovalId, "--by", "lena", "--set", "amount"]);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining("--set: expected KEY=VALUE") });
    const mod = await inProcess(["approvals", "modify", secondApprovalId, "--by", "lena", "--set", "amount=400", "--set", "note=partial"]);
    expect(mod).toMatchObject({ code: 0, stdout: expect.stringContaining('modified by lena (support-lead, warden:reviewer): parameters {"amount":400,"note":"partial"}; the policy decides it notify') });
    const again = await inProcess(["approvals", "reject", secondApprovalId, "--by", "lena"]);
    expect(again).toMatchObject({ code: 1, stderr: expect.stringContaining("refused: not_pending: it is already modified") });
    const json = await inProcess(["approvals", "list", "--status", "modified", "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ approval_id: secondApprovalId, status: "modified" });
  });

  it("notify list shows the discount due within 24 hours; review marks it (audited) once", async () => {
    expect(notify.summary).toBeTruthy();
    const list = await inProcess(["notify", "list"]);
    expect(list.stdout).toMatch(new RegExp(`^${discountId}  discount\\.apply .* due in 23h \\d+m`, "m"));
    expect(await inProcess(["notify", "review", discountId])).toMatchObject({ code: 2, stderr: expect.stringContaining("--by ID is required") });
    expect(await inProcess(["notify", "review", discountId, "--by", "lena"])).toMatchObject({ code: 0, stdout: expect.stringContaining(`reviewed action ${discountId}`) });
    expect(await inProcess(["notify", "review", discountId, "--by", "lena"])).toMatchObject({ code: 1, stderr: expect.stringContaining("already reviewed") });
    expect((await inProcess(["notify", "list"])).stdout).toBe("nothing waits for review");
    const audit = await AuditLog.open(deployment.store);
    const reviews = [];
    for await (const r of audit.list({ action_id: discountId, type: "notify" })) reviews.push(r);
    expect(reviews).toMatchObject([{ actor: { id: "lena" }, details: { event: "reviewed", action: "discount.apply" } }]);
    await audit.close();
  });

  it("kill-switch works with the store alone (the bundle store gone); refuses a principal without the role", async () => {
    const noBundles = ["--bundles", join(cwd, "no-such-bundles")];
    expect(await inProcess(["kill-switch", "on", "--by", "sam", ...noBundles])).toMatchObject({ code: 1, stderr: expect.stringContaining("refused: not_permitted") });
    expect(await inProcess(["kill-switch", "on", "--by", "ops", "--reason", "no bundle", ...noBundles])).toMatchObject({ code: 0, stdout: expect.stringContaining("kill switch: ON (by ops") });
    expect(await inProcess(["kill-switch", "status", "--json", ...noBundles])).toMatchObject({ code: 0, stdout: expect.stringContaining('"on":true') });
    expect(await inProcess(["kill-switch", "off", "--by", "ops", ...noBundles])).toMatchObject({ code: 0 });
  });

  it("principals: list, add by an admin only, show, remove; recover list", async () => {
    expect((await inProcess(["principals", "list"])).stdout).toMatch(/^lena +user +support-lead, warden:reviewer/m);
    expect(await inProcess(["principals", "add", "nina", "--kind", "user", "--role", "support-lead", "--by", "lena"])).toMatchObject({ code: 1, stderr: expect.stringContaining("refused: not_permitted") });
    expect(await inProcess(["principals", "add", "nina", "--kind", "robot", "--by", "admin"])).toMatchObject({ code: 2 });
    expect(await inProcess(["principals", "add", "nina", "--kind", "user", "--role", "support-lead", "--by", "admin"])).toMatchObject({ code: 0, stdout: expect.stringContaining("nina: user, roles support-lead (by admin)") });
    expect(JSON.parse((await inProcess(["principals", "show", "nina", "--json"])).stdout)).toEqual({ id: "nina", kind: "user", roles: ["support-lead"] });
    expect(await inProcess(["principals", "remove", "nina", "--by", "admin"])).toMatchObject({ code: 0 });
    expect(await inProcess(["principals", "show", "nina"])).toMatchObject({ code: 1 });
    expect(await inProcess(["principals", "remove", "admin", "--by", "admin"])).toMatchObject({ code: 1, stderr: expect.stringContaining("last warden:admin") });
    expect(await inProcess(["recover", "list"])).toMatchObject({ code: 0, stdout: "no incomplete actions" });
    expect(await inProcess(["recover", "resolve", "nothing", "--as", "maybe", "--by", "ops"])).toMatchObject({ code: 2 });
    const verify = await warden("audit", "verify", "--json");
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, governance_state: { ok: true, mismatches: [] } });
  });
});
