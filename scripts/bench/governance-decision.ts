// The decision path of issue 12, side by side in one process: the governance decision (policy/)
// built with and without per-evaluation memoisation, each through the stock SDK's evaluate() and
// through Warden's thin driver (WardenInstance.evaluateJSON) on the same instance; then the
// Evaluator as a governed service calls it. Also a trivial rule and the bench's RBAC policy through
// the driver and the SDK on the same module. Variants run in interleaved rounds; rates are
// evaluations per CPU-second of the process, ratios are taken within each round and the median
// over the rounds is reported.
import { readFileSync } from "node:fs";
import { loadPaths } from "../../src/load.ts";
import { planSources } from "../../src/pipeline.ts";
import { compileWasm } from "../../src/wasm/compile.ts";
import { instantiateModule, type WardenInstance } from "../../src/wasm/sdk.ts";
import { BUILTINS } from "../../src/builtins/registry.ts";
import { buildBundleBytes } from "../../src/bundle/index.ts";
import { Evaluator } from "../../src/evaluator/evaluator.ts";
import type { Policy } from "../../src/ir/ir.ts";
import { canonicalJSON } from "../../src/canonical-json.ts";
import { authzData, authzRequests } from "./authz.ts";
import { decisionByHand, type DecisionInput, type GovernanceData } from "./decision-by-hand.ts";

export interface Variant {
  name: string;
  op: () => unknown;
}

export interface RoundedMeasurement {
  name: string;
  /** Median over the rounds of evaluations per CPU-second. */
  per_cpu_sec: number;
  /** Median latency of one evaluation over all rounds, µs (wall clock). */
  p50_us: number;
  /** Median over the rounds of this variant's rate / the first variant's. */
  ratio: number;
  /** The lowest and highest of those per-round ratios (how much a shared machine moved them). */
  ratio_low: number;
  ratio_high: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Runs each variant for `ms` in turn, `rounds` times (first round discarded as warm-up). */
export function interleaved(variants: Variant[], rounds = 7, ms = 250): RoundedMeasurement[] {
  const rates: number[][] = variants.map(() => []);
  const lat: number[][] = variants.map(() => []);
  for (let r = 0; r <= rounds; r++) {
    variants.forEach((v, i) => {
      let n = 0;
      const samples: number[] = [];
      const cpu0 = process.cpuUsage();
      const end = performance.now() + ms;
      let t = performance.now();
      while (t < end) {
        v.op();
        const now = performance.now();
        samples.push(now - t);
        t = now;
        n++;
      }
      const cpu = process.cpuUsage(cpu0);
      if (r === 0) return;
      rates[i]!.push(n / ((cpu.user + cpu.system) / 1e6));
      for (const s of samples) lat[i]!.push(s);
    });
  }
  return variants.map((v, i) => {
    const ratios = rates[i]!.map((x, r) => x / rates[0]![r]!);
    return {
      name: v.name,
      per_cpu_sec: median(rates[i]!),
      p50_us: median(lat[i]!) * 1000,
      ratio: median(ratios),
      ratio_low: Math.min(...ratios),
      ratio_high: Math.max(...ratios),
    };
  });
}

const requests = ["order.lookup", "discount.apply", "refund.issue", "account.delete", "permissions.change"].map((action, i) => ({
  agent: { id: "support-bot-1", role: "support-agent" },
  initiator: { id: "customer-c77", kind: "user" },
  action,
  parameters: { order: `A-${1000 + i}`, amount: 100 * i + 20 },
  context: { channel: "chat", attributes: { identity_verified: true, customer_tier: i % 2 ? "vip" : "standard" } },
}));

async function load(policy: Policy, data: unknown, memoize: boolean): Promise<WardenInstance> {
  const mod = await compileWasm(policy, { memoize });
  const instance = await instantiateModule(mod.wasm, { builtins: [...BUILTINS.keys()] });
  instance.policy.setData(data as object);
  return instance;
}

function entrypointId(instance: WardenInstance, name: string): number {
  return (instance.policy as unknown as { entrypoints: Record<string, number> }).entrypoints[name]!;
}

/** SDK and driver variants of one instance; checks they agree on every input first. */
export function sdkAndDriver(label: string, instance: WardenInstance, entrypoint: string, inputs: unknown[]): Variant[] {
  const id = entrypointId(instance, entrypoint);
  const texts = inputs.map((x) => JSON.stringify(x));
  for (const [i, x] of inputs.entries()) {
    const a = JSON.stringify(instance.policy.evaluate(x, entrypoint));
    const b = JSON.stringify(instance.evaluateJSON!(id, texts[i]));
    if (a !== b) throw new Error(`${label}: the driver and the SDK disagree on input ${i}: ${b} vs ${a}`);
  }
  let n = 0;
  let k = 0;
  return [
    { name: `${label}, stock SDK`, op: () => instance.policy.evaluate(inputs[n++ % inputs.length], entrypoint) },
    { name: `${label}, driver`, op: () => instance.evaluateJSON!(id, texts[k++ % texts.length]) },
  ];
}

export async function benchDecision(rounds = 7) {
  const { sources, data } = loadPaths(["policy"]);
  const plan = planSources(sources, ["governance/decision"]);
  const plain = await load(plan, data, false);
  const memo = await load(plan, data, true);
  const [plainSdk, plainDriver] = sdkAndDriver("not memoised", plain, "governance/decision", requests);
  const [memoSdk, memoDriver] = sdkAndDriver("memoised", memo, "governance/decision", requests);
  for (const r of requests) {
    const a = JSON.stringify(plain.policy.evaluate(r, "governance/decision"));
    const b = JSON.stringify(memo.policy.evaluate(r, "governance/decision"));
    if (a !== b) throw new Error(`memoised and plain modules disagree: ${b} vs ${a}`);
  }
  const evaluator = await Evaluator.load({ bytes: (await buildBundleBytes({ paths: ["policy"] })).bytes }, { allowUnsigned: true });
  const governanceData = (data as { governance: GovernanceData }).governance;
  for (const [i, r] of requests.entries()) {
    const want = canonicalJSON((memo.policy.evaluate(r, "governance/decision") as Array<{ result: unknown }>)[0]?.result);
    const got = canonicalJSON(decisionByHand(governanceData, r as DecisionInput));
    if (got !== want) throw new Error(`the hand-written decision disagrees with the policy on request ${i}: ${got} vs ${want}`);
  }
  let e = 0;
  let h = 0;
  const governance = interleaved(
    [
      plainSdk!,
      memoSdk!,
      plainDriver!,
      memoDriver!,
      { name: "Evaluator.evaluate (memoised, driver)", op: () => evaluator.evaluate("governance/decision", requests[e++ % requests.length]) },
      { name: "hand-written TypeScript", op: () => decisionByHand(governanceData, requests[h++ % requests.length] as DecisionInput) },
    ],
    rounds,
  );
  // The bound: the governed decision at most 15x slower than the same matrix by hand.
  const byName = (n: string) => governance.find((r) => r.name === n)!;
  const evaluator_vs_hand_written = byName("hand-written TypeScript").per_cpu_sec / byName("Evaluator.evaluate (memoised, driver)").per_cpu_sec;

  const trivial = await load(planSources([{ file: "t.rego", text: "package t\n\nallow if input.x == 1\n" }], ["t/allow"]), {}, true);
  const authzText = readFileSync(new URL("./authz.rego", import.meta.url), "utf8");
  const rbac = await load(planSources([{ file: "authz.rego", text: authzText }], ["authz/allow"]), authzData(), true);
  // Each small policy on its own: the driver against the SDK on the same module.
  const small = [
    ...interleaved(sdkAndDriver("trivial", trivial, "t/allow", [{ x: 1 }, { x: 2 }]), rounds),
    ...interleaved(sdkAndDriver("RBAC (200 users)", rbac, "authz/allow", authzRequests()), rounds),
  ];
  return { governance, evaluator_vs_hand_written, small };
}

/** The summary line under the governance rows. */
export function formatHandWritten(slower: number): string {
  return `Evaluator.evaluate against the hand-written decision: ${slower.toFixed(1)}x slower (target: at most 15x)`;
}

/** One line of the table: rate, p50, and the median ratio with its range over the rounds. */
export function formatRow(r: RoundedMeasurement): string {
  const range = `${r.ratio_low.toFixed(2)}-${r.ratio_high.toFixed(2)}`;
  return `${r.name.padEnd(40)} ${r.per_cpu_sec.toFixed(0).padStart(9)}/CPU-s  p50 ${r.p50_us.toFixed(2).padStart(7)} µs  ${r.ratio.toFixed(2).padStart(6)}x (rounds ${range})`;
}

function print(rows: RoundedMeasurement[]): void {
  for (const r of rows) console.log(formatRow(r));
}

// Run alone: node --import ./src/wasm/load-binaryen-natively.mjs --import tsx scripts/bench/governance-decision.ts
if (import.meta.url === `file://${process.argv[1]}`) {
  const out = await benchDecision(Number(process.env.ROUNDS ?? 7));
  if (process.argv.includes("--json")) console.log(JSON.stringify(out));
  else {
    console.log("governance/decision (ratios against the first line, today's module through the stock SDK):");
    print(out.governance);
    console.log(formatHandWritten(out.evaluator_vs_hand_written));
    console.log("\nsmall policies (each driver line against the stock SDK line above it):");
    print(out.small);
  }
}
