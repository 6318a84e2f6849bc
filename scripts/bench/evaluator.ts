// Evaluator figures (issue 4): decisions per second and p50/p99 latency on the governance policy,
// layer by layer, in one run: the raw stock SDK call; the evaluator without input validation
// (stamping, revision, clock and seed recording); and the evaluator with JSON Schema validation of
// each request (what a governed service runs). The signature is verified once, at load.
import { generateKeyPairSync } from "node:crypto";
import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { buildBundleBytes, readBundle, signBundle } from "../../src/bundle/index.ts";
import { Evaluator } from "../../src/evaluator/evaluator.ts";
import { WardenHost } from "../../src/wasm/host.ts";
import { BUILTINS } from "../../src/builtins/registry.ts";
import { measure, type Measurement } from "./measure.ts";

export interface EvaluatorBench {
  verify_ms: number;
  raw_sdk: Measurement;
  evaluator: Measurement;
  evaluator_validated: Measurement;
}

const requests = ["order.lookup", "discount.apply", "refund.issue", "account.delete", "permissions.change"].map((action, i) => ({
  agent: { id: "support-bot-1", role: "support-agent" },
  initiator: { id: "customer-c77", kind: "user" },
  action,
  parameters: { order: `A-${1000 + i}`, amount: 100 * i + 20 },
  context: { channel: "chat", attributes: { identity_verified: true, customer_tier: i % 2 ? "vip" : "standard" } },
}));

export async function benchEvaluator(seconds = 1): Promise<EvaluatorBench> {
  const built = await buildBundleBytes({ paths: ["policy"] });
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const signed = await signBundle(built.bytes, { key: privateKey.export({ type: "pkcs8", format: "pem" }) as string, algorithm: "RS256" });
  const verification = { key: publicKey.export({ type: "spki", format: "pem" }) as string, algorithm: "RS256" };

  const t = performance.now();
  const validated = await Evaluator.load({ bytes: signed }, { verification, inputSchema: "action-request" });
  const verify_ms = performance.now() - t;
  const plain = await Evaluator.load({ bytes: signed }, { verification });

  const bundle = readBundle(signed);
  const host = new WardenHost([...BUILTINS.keys()]);
  const raw = await loadPolicy(bundle.wasm[0]!.bytes, undefined, host.builtins);
  host.attach(raw);
  raw.setData(bundle.data);

  let i = 0;
  const next = () => requests[i++ % requests.length]!;
  return {
    verify_ms,
    raw_sdk: measure("stock SDK evaluate()", () => raw.evaluate(next(), "governance/decision"), seconds),
    evaluator: measure("evaluator (stamped, recorded)", () => plain.evaluate("governance/decision", next()), seconds),
    evaluator_validated: measure("evaluator + schema validation", () => validated.evaluate("governance/decision", next()), seconds),
  };
}
