// Interop with the AI SDK's own `@ai-sdk/policy-opa`: the policy.wasm of a bundle Warden built
// (no OPA, no Go) loads in its wasmPolicyClient and drives its opaPolicy tool approvals, with the
// same answers as Warden's evaluator. The package declares a peer `ai` 7.0.112 and Node >= 22;
// package.json overrides that peer with our `ai` 6 because the package's code never loads `ai`
// (a type-only import; its dist imports only the OPA SDKs, lazily), and it runs on Node 20 here.
// opaPolicy returns the function ai 7 calls as `toolApproval`; it is called here as ai 7's
// generateText would call it, since ai 7 itself needs Node 22.
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { opaPolicy, wasmPolicyClient } from "@ai-sdk/policy-opa";
import { beforeAll, describe, expect, it } from "vitest";
import { buildBundleBytes, readBundle } from "../../src/bundle/index.ts";
import { Evaluator } from "../../src/evaluator/evaluator.ts";
import { AGENT, CONTEXT, CUSTOMER, MAPPING } from "./support.ts";

// The AI SDK convention ({decision: allow | deny | requires-approval, reason}) over Warden's own
// governance decision: the repository's policy unchanged, one small package beside it.
const ADAPTER = `package aisdk

import data.governance

verdict := {"auto": "allow", "notify": "allow", "approve": "requires-approval", "block": "deny"}

decision := {"decision": verdict[governance.decision.category], "reason": concat("; ", governance.decision.reasons)}
`;

let bytes: Uint8Array;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-opa-"));
  mkdirSync(join(dir, "aisdk"));
  writeFileSync(join(dir, "aisdk", "tools.rego"), ADAPTER);
  // The first entrypoint is the module's default one, which wasmPolicyClient evaluates (it ignores its path argument).
  bytes = (await buildBundleBytes({ paths: ["policy", dir], entrypoints: ["aisdk/decision"] })).bytes;
}, 120_000);

/** What ai 7 passes to a toolApproval function, for one tool call. */
function approvalArgs(toolName: string, input: unknown) {
  return { toolCall: { toolName, toolCallId: `call-${toolName}`, input }, tools: undefined, toolsContext: {}, runtimeContext: {}, messages: [] } as never;
}

/** The action request of a tool call, as Warden's adapters map it (identity from the service, not the model). */
function toInput({ toolCall }: { toolCall: { toolName: string; input: unknown } }) {
  const action = (MAPPING as Record<string, { action: string }>)[toolCall.toolName]?.action ?? toolCall.toolName;
  return { agent: AGENT, initiator: CUSTOMER, action, parameters: toolCall.input, context: CONTEXT };
}

describe("@ai-sdk/policy-opa with a bundle Warden built", () => {
  it("wasmPolicyClient loads the bundle's policy.wasm and answers as Warden's evaluator does", async () => {
    const bundle = readBundle(bytes);
    expect(bundle.entrypoints[0]).toBe("aisdk/decision");
    const client = await wasmPolicyClient({ wasm: bundle.wasm[0]!.bytes, data: bundle.data });
    const evaluator = await Evaluator.load({ bytes }, { allowUnsigned: true });
    for (const [tool, input] of [
      ["lookup_order", { order: "A-1001" }],
      ["issue_refund", { order: "A-1002", amount: 750 }],
      ["delete_account", { customer: "customer-c77" }],
    ] as const) {
      const request = toInput({ toolCall: { toolName: tool, input } });
      const theirs = await client.evaluate("aisdk/decision", request);
      const ours = evaluator.evaluate("aisdk/decision", request).result;
      expect(ours).toMatchObject({ decision: expect.any(String) });
      expect(theirs).toEqual(ours);
    }
  });

  it("opaPolicy over that client: auto and notify approved, approve needs the user, block denied with the policy's reasons", async () => {
    const bundle = readBundle(bytes);
    const client = await wasmPolicyClient({ wasm: bundle.wasm[0]!.bytes, data: bundle.data });
    const toolApproval = opaPolicy({ client, path: "aisdk/decision", toInput });
    expect(await toolApproval(approvalArgs("lookup_order", { order: "A-1001" }))).toEqual({ type: "approved" });
    expect(await toolApproval(approvalArgs("apply_discount", { order: "A-1001", amount: 20 }))).toEqual({ type: "approved" });
    expect(await toolApproval(approvalArgs("issue_refund", { order: "A-1002", amount: 750 }))).toEqual({
      type: "user-approval",
      reason: expect.stringMatching(/amount 750 exceeds the approval threshold/),
    });
    expect(await toolApproval(approvalArgs("delete_account", { customer: "customer-c77" }))).toEqual({
      type: "denied",
      reason: expect.stringMatching(/account\.delete is on the hard block list/),
    });
  });

  it("fails closed: an action outside the inventory is denied, a module that is not one is refused", async () => {
    const bundle = readBundle(bytes);
    const client = await wasmPolicyClient({ wasm: bundle.wasm[0]!.bytes, data: bundle.data });
    const toolApproval = opaPolicy({ client, path: "aisdk/decision", toInput });
    expect(await toolApproval(approvalArgs("wire_money", { to: "x" }))).toEqual({ type: "denied", reason: expect.stringMatching(/unknown action wire_money/) });
    await expect(wasmPolicyClient({ wasm: new Uint8Array([0, 97, 115, 109, 9, 9]) })).rejects.toThrow();
  });
});
