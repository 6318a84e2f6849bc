// Large policies (issue 12): the bench's generated 10,000-line policy to a signed bundle, phase by
// phase (plan IR, unoptimised WebAssembly, the optimiser as the build runs it by default), and what
// each optimiser mode costs in compile time and gives in module speed on the governance decision
// (interleaved rounds through the driver, evaluations per CPU-second).
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPaths } from "../../src/load.ts";
import { planSources } from "../../src/pipeline.ts";
import { compileWasm } from "../../src/wasm/compile.ts";
import { statementCount, type GenerateOptions } from "../../src/wasm/codegen.ts";
import { instantiateModule } from "../../src/wasm/sdk.ts";
import { BUILTINS } from "../../src/builtins/registry.ts";
import { buildBundleBytes, signBundle } from "../../src/bundle/index.ts";
import { generatePolicy } from "./generate.ts";
import { interleaved, type RoundedMeasurement } from "./governance-decision.ts";

export interface CompileBench {
  lines: number;
  statements: number;
  plan_ms: number;
  wasm_unoptimised_ms: number;
  wasm_default_ms: number;
  wasm_module_pass_ms?: number;
  signed_bundle_ms: number;
  governance: { statements: number; module_ms: number; functions_ms: number; speed: RoundedMeasurement[] };
}

const time = async <T>(f: () => Promise<T> | T): Promise<[T, number]> => {
  const t = performance.now();
  const out = await f();
  return [out, performance.now() - t];
};

export async function benchCompile(opts: { lines?: number; rounds?: number; wholeModule?: boolean } = {}): Promise<CompileBench> {
  const lines = opts.lines ?? 10_000;
  const text = generatePolicy(lines);
  await compileWasm(planSources([{ file: "g.rego", text: generatePolicy(300) }], ["generated"])); // warm up
  const [plan, plan_ms] = await time(() => planSources([{ file: "g.rego", text }], ["generated"]));
  const wasm = (o: GenerateOptions) => time(() => compileWasm(plan, o));
  const [, wasm_unoptimised_ms] = await wasm({ optimize: false });
  const [, wasm_default_ms] = await wasm({});
  const wasm_module_pass_ms = opts.wholeModule ? (await wasm({ optimize: "module" }))[1] : undefined;

  const dir = mkdtempSync(join(tmpdir(), "warden-bench-compile-"));
  let signed_bundle_ms: number;
  try {
    writeFileSync(join(dir, "generated.rego"), text);
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const key = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    [, signed_bundle_ms] = await time(async () => signBundle((await buildBundleBytes({ paths: [dir], entrypoints: ["generated"] })).bytes, { key, algorithm: "ES256" }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const { sources, data } = loadPaths(["policy"]);
  const gov = planSources(sources, ["governance/decision"]);
  const [full, module_ms] = await wasm0(gov, "module");
  const [perFunction, functions_ms] = await wasm0(gov, "functions");
  const load = async (bytes: Uint8Array) => {
    const i = await instantiateModule(bytes, { builtins: [...BUILTINS.keys()] });
    i.policy.setData(data as object);
    return i;
  };
  const a = await load(full.wasm);
  const b = await load(perFunction.wasm);
  const input = JSON.stringify({
    agent: { id: "support-bot-1", role: "support-agent" },
    initiator: { id: "customer-c77", kind: "user" },
    action: "refund.issue",
    parameters: { order: "A-1002", amount: 220 },
    context: { channel: "chat", attributes: { identity_verified: true } },
  });
  const id = (i: typeof a) => (i.policy as unknown as { entrypoints: Record<string, number> }).entrypoints["governance/decision"]!;
  if (JSON.stringify(a.evaluateJSON!(id(a), input)) !== JSON.stringify(b.evaluateJSON!(id(b), input))) throw new Error("the optimiser modes disagree");
  const speed = interleaved(
    [
      { name: `whole module (${(full.wasm.length / 1024).toFixed(0)} KB)`, op: () => a.evaluateJSON!(id(a), input) },
      { name: `per function (${(perFunction.wasm.length / 1024).toFixed(0)} KB)`, op: () => b.evaluateJSON!(id(b), input) },
    ],
    opts.rounds ?? 7,
  );
  return {
    lines: text.split("\n").length,
    statements: statementCount(plan),
    plan_ms,
    wasm_unoptimised_ms,
    wasm_default_ms,
    wasm_module_pass_ms,
    signed_bundle_ms,
    governance: { statements: statementCount(gov), module_ms, functions_ms, speed },
  };

  function wasm0(p: typeof gov, optimize: "module" | "functions") {
    return time(() => compileWasm(p, { optimize }));
  }
}

// Run alone: node --import ./src/wasm/load-binaryen-natively.mjs --import tsx scripts/bench/compile.ts [--whole-module]
if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchCompile({ lines: Number(process.env.LINES ?? 10_000), rounds: Number(process.env.ROUNDS ?? 7), wholeModule: process.argv.includes("--whole-module") });
  if (process.argv.includes("--json")) console.log(JSON.stringify(r));
  else {
    console.log(`${r.lines} generated lines, ${r.statements} IR statements:`);
    console.log(`  plan IR ${r.plan_ms.toFixed(0)} ms; WebAssembly unoptimised ${r.wasm_unoptimised_ms.toFixed(0)} ms, as built by default ${r.wasm_default_ms.toFixed(0)} ms`);
    if (r.wasm_module_pass_ms !== undefined) console.log(`  WebAssembly with the whole-module pipeline ${r.wasm_module_pass_ms.toFixed(0)} ms`);
    console.log(`  to a signed bundle ${r.signed_bundle_ms.toFixed(0)} ms`);
    console.log(`governance policy (${r.governance.statements} IR statements): whole module ${r.governance.module_ms.toFixed(0)} ms, per function ${r.governance.functions_ms.toFixed(0)} ms`);
    for (const s of r.governance.speed) console.log(`  ${s.name.padEnd(28)} ${s.per_cpu_sec.toFixed(0).padStart(9)}/CPU-s  p50 ${s.p50_us.toFixed(2)} µs  ${s.ratio.toFixed(2)}x`);
  }
}
