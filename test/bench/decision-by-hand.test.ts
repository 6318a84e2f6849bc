// The bench's hand-written governance decision (scripts/bench/decision-by-hand.ts) is the policy's
// decision: checked against policy/governance through Warden's WebAssembly module on requests
// drawn from every action, role, tier and amount type the request schema admits. If the policy
// changes and the hand-written copy does not, this fails (and so would the bench).
import fc from "fast-check";
import { beforeAll, expect, it } from "vitest";
import { canonicalJSON } from "../../src/canonical-json.ts";
import { loadPaths } from "../../src/load.ts";
import { planSources } from "../../src/pipeline.ts";
import { compileWasm } from "../../src/wasm/compile.ts";
import { instantiateModule, type WardenInstance } from "../../src/wasm/sdk.ts";
import { BUILTINS } from "../../src/builtins/registry.ts";
import { decisionByHand, type DecisionInput, type GovernanceData } from "../../scripts/bench/decision-by-hand.ts";

let instance: WardenInstance;
let data: { governance: GovernanceData };

beforeAll(async () => {
  const loaded = loadPaths(["policy"]);
  data = loaded.data as typeof data;
  const mod = await compileWasm(planSources(loaded.sources, ["governance/decision"]), { memoize: true });
  instance = await instantiateModule(mod.wasm, { builtins: [...BUILTINS.keys()] });
});

const policyDecision = (input: unknown, governance: GovernanceData) => {
  instance.policy.setData({ governance } as object);
  return (instance.policy.evaluate(input, "governance/decision") as Array<{ result: unknown }>)[0]?.result;
};

const request = fc.record(
  {
    action: fc.constantFrom("order.lookup", "order.update_address", "discount.apply", "refund.issue", "email.send", "account.delete", "permissions.change", "unknown.thing"),
    agent: fc.record({ id: fc.constant("bot"), role: fc.option(fc.constantFrom("support-agent", "triage-agent", "nobody"), { nil: undefined }) }, { requiredKeys: ["id"] }),
    parameters: fc.record({ amount: fc.oneof(fc.integer({ min: -10, max: 2000 }), fc.constantFrom(99.5, 500, 1000, "a lot", null, true)) }, { requiredKeys: [] }),
    context: fc.record({ attributes: fc.record({ identity_verified: fc.oneof(fc.boolean(), fc.constant("yes")), customer_tier: fc.constantFrom("standard", "vip", "gold") }, { requiredKeys: [] }) }, { requiredKeys: [] }),
  },
  { requiredKeys: ["action", "agent"] },
);

it("agrees with the policy on generated requests, with the kill switch off and on", () => {
  fc.assert(
    fc.property(request, fc.boolean(), (input, killSwitch) => {
      const governance = { ...data.governance, kill_switch: killSwitch };
      const hand = decisionByHand(governance, input as DecisionInput);
      expect(canonicalJSON(hand ?? null)).toBe(canonicalJSON(policyDecision(input, governance) ?? null));
    }),
    { numRuns: 1500 },
  );
});

// Approve needs a known agent role with the access, a verified identity, a known tier and an
// amount over the threshold: rare among the requests above, so drawn on purpose here.
const nearThreshold = fc.record({
  action: fc.constantFrom("discount.apply", "refund.issue", "order.update_address"),
  agent: fc.constant({ id: "bot", role: "support-agent" }),
  parameters: fc.record({ amount: fc.integer({ min: 0, max: 1200 }) }),
  context: fc.record({ attributes: fc.record({ identity_verified: fc.constant(true), customer_tier: fc.constantFrom("standard", "vip") }) }),
});

it("agrees with the policy around the approval thresholds", () => {
  fc.assert(
    fc.property(nearThreshold, (input) => {
      const hand = decisionByHand(data.governance, input as DecisionInput);
      expect(canonicalJSON(hand ?? null)).toBe(canonicalJSON(policyDecision(input, data.governance) ?? null));
    }),
    { numRuns: 500 },
  );
});

it("covers every category, each as the policy decides it", () => {
  const verified = { attributes: { identity_verified: true } };
  const examples = {
    auto: { action: "order.lookup", agent: { id: "bot", role: "support-agent" }, context: verified },
    notify: { action: "email.send", agent: { id: "bot", role: "support-agent" }, context: verified },
    approve: { action: "refund.issue", agent: { id: "bot", role: "support-agent" }, parameters: { amount: 900 }, context: verified },
    block: { action: "account.delete", agent: { id: "bot", role: "support-agent" }, context: verified },
  };
  for (const [category, input] of Object.entries(examples)) {
    const hand = decisionByHand(data.governance, input as DecisionInput);
    expect(hand?.category).toBe(category);
    expect(canonicalJSON(hand)).toBe(canonicalJSON(policyDecision(input, data.governance)));
  }
});
