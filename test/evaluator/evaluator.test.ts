import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildBundleBytes, signBundle } from "../../src/bundle/index.ts";
import { Evaluator, EvaluationError, loadBundle } from "../../src/evaluator/evaluator.ts";
import { irEngine } from "../../src/engines/ir.ts";
import { loadPaths } from "../../src/load.ts";
import { toJSON } from "../../src/values/value.ts";

const SECRET = "evaluator-test-secret-of-sufficient-length";
const verification = { key: SECRET, algorithm: "HS256" };

const request = (action: string, parameters: Record<string, unknown>) => ({
  agent: { id: "support-bot-1", role: "support-agent" },
  initiator: { id: "customer-42" },
  action,
  parameters,
  context: { attributes: { identity_verified: true } },
});

let signed: Uint8Array;
let unsigned: Uint8Array;
let revision: string;

beforeAll(async () => {
  const built = await buildBundleBytes({ paths: ["policy"] });
  unsigned = built.bytes;
  revision = built.revision;
  signed = await signBundle(unsigned, { key: SECRET, algorithm: "HS256" });
});

describe("evaluator", () => {
  it("stamps each decision with the bundle revision and agrees with the reference interpreter", async () => {
    const ev = await Evaluator.load({ bytes: signed }, { verification, inputSchema: "action-request" });
    expect(ev.revision).toBe(revision);
    const { sources, data } = loadPaths(["policy"]);
    for (const [action, params] of [
      ["order.lookup", {}],
      ["discount.apply", { amount: 20 }],
      ["refund.issue", { amount: 750 }],
      ["account.delete", {}],
      ["permissions.change", { user: "u" }],
    ] as const) {
      const input = request(action, params);
      const d = ev.evaluate("governance/decision", input);
      expect(d.revision).toBe(revision);
      expect(d.entrypoint).toBe("governance/decision");
      expect(d.decision_id).toMatch(/^[0-9a-f-]{36}$/);
      const [want] = await irEngine.run({ modules: sources, data, input, query: "x = data.governance.decision" });
      expect(d.result).toEqual(toJSON(want!.get("x")!));
    }
  });

  it("refuses unsigned bundles unless allowed, and signed ones with the wrong key", async () => {
    await expect(loadBundle({ bytes: unsigned })).rejects.toThrow(/without verifying its signature/);
    await expect(loadBundle({ bytes: unsigned }, { verification })).rejects.toThrow(/signature/);
    await expect(loadBundle({ bytes: signed }, { verification: { key: "another-secret-of-sufficient-length", algorithm: "HS256" } })).rejects.toThrow(
      /signature/,
    );
    const ok = await loadBundle({ bytes: unsigned }, { allowUnsigned: true });
    expect(ok.revision).toBe(revision);
  });

  it("rejects input that fails the schema before evaluating, naming the field", async () => {
    const ev = await Evaluator.load({ bytes: signed }, { verification, inputSchema: "action-request" });
    const bad = { ...request("refund.issue", { amount: 1 }), agent: { id: "x" } };
    let err: unknown;
    try {
      ev.evaluate("governance/decision", bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EvaluationError);
    expect((err as EvaluationError).code).toBe("input_invalid");
    expect((err as Error).message).toContain("/agent/role: is required");
  });

  it("names the entrypoints when asked for an unknown one", async () => {
    const ev = await Evaluator.load({ bytes: signed }, { verification });
    expect(() => ev.evaluate("governance/nope", {})).toThrow(/unknown entrypoint governance\/nope: the bundle has governance\/decision/);
  });

  it("applies a data overlay (the kill switch) and swaps revisions without disturbing the old one", async () => {
    const ev = await Evaluator.load({ bytes: signed }, { verification });
    const before = ev.bundle;
    await ev.setOverlay({ governance: { kill_switch: true } });
    expect((ev.evaluate("governance/decision", request("order.lookup", {})).result as { reasons: string[] }).reasons).toEqual(["kill switch is on"]);
    // The instance that was active keeps answering as it did.
    expect((before.evaluate("governance/decision", request("order.lookup", {})).result as { category: string }).category).toBe("auto");
  });

  it("records the clock and seed, and replays them exactly", async () => {
    const dir = mkdtempSync(join(tmpdir(), "warden-eval-"));
    writeFileSync(join(dir, "p.rego"), "package t\n\n# METADATA\n# entrypoint: true\nr := [time.now_ns(), uuid.rfc4122(\"a\"), rand.intn(\"k\", 1000)]\n");
    const b = await buildBundleBytes({ paths: [dir] });
    const ev = await Evaluator.load({ bytes: b.bytes }, { allowUnsigned: true });
    const first = ev.evaluate("t/r", {});
    await new Promise((r) => setTimeout(r, 5));
    const again = ev.evaluate("t/r", {}, { recorded: first.recorded });
    expect(again.result).toEqual(first.result);
    expect((first.result as unknown[])[0]).toBe(Number(BigInt(first.recorded.now_ns)));
    const fresh = ev.evaluate("t/r", {});
    expect(fresh.recorded.now_ns).not.toBe(first.recorded.now_ns);
  });
});
