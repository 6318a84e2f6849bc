#!/usr/bin/env node
// The MCP gateway end to end, as an operator runs it: `warden demo` makes a deployment (a signed
// bundle of Warden's demo policy, a store, the directory) in a scratch directory, warden.yaml adds
// an mcp_gateway: mapping, and an MCP client (the SDK's own) talks to `warden mcp-gateway`, which
// fronts shop-server.mjs. A lookup runs, a discount runs and is queued for review, a 750 refund
// waits for approval until lena approves it with `warden approvals approve`, then runs once
// (a 2025-era client, then one on the 2026-07-28 revision, which gets input_required);
// an account deletion is refused with the policy's reasons. Run: node examples/mcp-gateway/run.mjs
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const warden = join(repo, "bin", "warden.mjs");
const upstream = fileURLToPath(new URL("./shop-server.mjs", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "warden-mcp-example-"));
const cli = (...args) => execFileSync(process.execPath, [warden, ...args], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

try {
  // The demo policy and deployment; warden.yaml carries the same settings plus the gateway's.
  execFileSync(process.execPath, [warden, "demo", "--policy", join(repo, "policy")], { cwd: dir, stdio: "ignore" });
  const deployment = JSON.parse(readFileSync(join(dir, ".warden", "deployment.json"), "utf8"));
  const paid = "reverse the payment in the billing console";
  const config = {
    ...deployment,
    mcp_gateway: {
      agent: "support-bot-1",
      initiator: "customer-c77",
      upstream_command: [process.execPath, upstream],
      context: { channel: "chat", attributes: { identity_verified: true, customer_tier: "standard" } },
      tools: {
        lookup_order: "order.lookup",
        apply_discount: { action: "discount.apply", compensation: paid },
        issue_refund: { action: "refund.issue", compensation: paid },
        delete_account: "account.delete",
      },
    },
  };
  writeFileSync(join(dir, "warden.yaml"), JSON.stringify(config, null, 2)); // JSON is YAML

  const client = new Client({ name: "example-agent", version: "1.0.0" });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [warden, "mcp-gateway"], cwd: dir, stderr: "inherit" }));
  const say = (what, r) => console.log(`${what}: ${r.isError ? "refused: " : ""}${r.content.map((c) => c.text).join(" ")}`);

  console.log(`tools: ${(await client.listTools()).tools.map((t) => t.name).join(", ")}`);
  say("lookup_order A-1001", await client.callTool({ name: "lookup_order", arguments: { order: "A-1001" } }));
  say("apply_discount A-1001 20", await client.callTool({ name: "apply_discount", arguments: { order: "A-1001", amount: 20 } }));
  say("delete_account", await client.callTool({ name: "delete_account", arguments: { customer: "customer-c77" } }));

  const refund = { name: "issue_refund", arguments: { order: "A-1002", amount: 750 } };
  const held = await client.callTool(refund);
  say("issue_refund A-1002 750", held);
  const { approval_id } = held._meta["dev.warden/approval"];
  const state = held._meta["dev.warden/request-state"];
  say("retried before approval", await client.callTool({ ...refund, _meta: { "dev.warden/request-state": state } }));
  console.log(cli("approvals", "approve", approval_id, "--by", "lena").trim());
  say("retried after approval", await client.callTool({ ...refund, _meta: { "dev.warden/request-state": state } }));
  say("retried again", await client.callTool({ ...refund, _meta: { "dev.warden/request-state": state } }));
  await client.close();

  // A client on the 2026-07-28 revision gets the approval as input_required, and retries with its requestState.
  const modern = new Client({ name: "example-agent", version: "2.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } }, inputRequired: { autoFulfill: false } });
  await modern.connect(new StdioClientTransport({ command: process.execPath, args: [warden, "mcp-gateway"], cwd: dir, stderr: "ignore" }));
  const second = { name: "issue_refund", arguments: { order: "A-1001", amount: 600 } };
  const waiting = await modern.callTool(second, { allowInputRequired: true });
  const approval = waiting._meta["dev.warden/approval"];
  console.log(`2026-07-28 issue_refund A-1001 600: ${waiting.resultType} (approval ${approval.approval_id} by ${approval.approver_role})`);
  console.log(cli("approvals", "approve", approval.approval_id, "--by", "lena").trim().split("\n").pop());
  say("2026-07-28 retried with requestState", await modern.callTool({ ...second, requestState: waiting.requestState }));
  await modern.close();

  console.log(cli("notify", "list").trim());
  console.log(cli("audit", "verify").trim());
} finally {
  rmSync(dir, { recursive: true, force: true });
}
