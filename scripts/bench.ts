// `npm run bench [-- --json]`: the project's benchmarks, peers side by side in one process.
//   compile   Rego to plan IR (a generated 10k-line policy), and authz.rego to a wasm module
//   authz     decisions per second on scripts/bench/authz.rego: the hand-written TypeScript
//             function, the IR interpreter, the module through the stock opa-wasm SDK, and
//             @cedar-policy/cedar-wasm on the same policy written in Cedar (authz.cedar)
//   memory    one million SDK evaluations in one loaded policy: the module's memory after the
//             first thousand and at the end
//   evaluator the governance policy through the stock SDK, then the evaluator (stamped, recorded),
//             then with schema validation of each request: what each layer costs
//   governed  actions end to end (decision + intent + outcome, durable audit appends), proposals
//   audit     durable appends per second and chain verification (records per second, and per
//             CPU-second against SHA-256 of the same bodies)
//   hostile   ReDoS patterns on a 10,000-character input through both engines (linear, RE2)
//   gateway   what warden mcp-gateway adds to an auto tools/call over stdio (durable store, and
//             on /dev/shm where there is one: the gateway's own cost without the disk's fsync)
//   budget    the step budget's cost (modules with and without its checks) and the input check's
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { loadPolicy } from "@open-policy-agent/opa-wasm";
import * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import { planSources } from "../src/pipeline.ts";
import { Interpreter } from "../src/interpreter/interpreter.ts";
import { compileWasm } from "../src/wasm/compile.ts";
import { fromJSON } from "../src/values/value.ts";
import { measure, timeOnce, type Measurement } from "./bench/measure.ts";
import { generatePolicy } from "./bench/generate.ts";
import { allowByHand, authzData, authzRequests } from "./bench/authz.ts";
import { cedarRequests } from "./bench/cedar.ts";
import { benchEvaluator } from "./bench/evaluator.ts";
import { benchDecision, formatHandWritten, formatRow, type RoundedMeasurement } from "./bench/governance-decision.ts";
import { benchReference } from "./bench/reference.ts";
import { benchCompile } from "./bench/compile.ts";
import { benchGovernance } from "./bench/governance.ts";
import { benchAudit } from "./bench/audit.ts";
import { benchBudgetOverhead, benchHostile, benchInputCheck } from "./bench/hostile.ts";
import { benchMcpGateway, type GatewayBench } from "./bench/mcp-gateway.ts";

const here = dirname(fileURLToPath(import.meta.url));
const json = process.argv.includes("--json");
const log = (s: string) => {
  if (!json) console.log(s);
};

// --- compile time -----------------------------------------------------------------------------
const big = generatePolicy(10_000);
const bigLines = big.split("\n").length;
planSources([{ file: "generated.rego", text: big }], ["generated"]); // warm up the JIT
const compileMs = Math.min(...[0, 1, 2].map(() => timeOnce(() => planSources([{ file: "generated.rego", text: big }], ["generated"]))));
log(`compile: ${bigLines} lines of Rego to plan IR in ${compileMs.toFixed(0)} ms (best of 3)`);

const authz = readFileSync(join(here, "bench/authz.rego"), "utf8");
const authzSources = [{ file: "authz.rego", text: authz }];
const toWasm = () => compileWasm(planSources(authzSources, ["authz/allow"]));
await toWasm(); // warm up (the runtime, binaryen's code)
const wasmTimes: number[] = [];
let module = await toWasm();
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  module = await toWasm();
  wasmTimes.push(performance.now() - t);
}
const wasmCompileMs = Math.min(...wasmTimes);
const moduleBytes = module.wasm.byteLength;
log(`compile: authz.rego to WebAssembly (parse, compile, plan, generate, optimise) in ${wasmCompileMs.toFixed(0)} ms (best of 3)`);
log(`module:  ${moduleBytes} bytes (runtime included); host built-ins: ${Object.keys(module.builtins).length}`);

// --- evaluation -------------------------------------------------------------------------------
const data = authzData();
const requests = authzRequests();
const plan = planSources(authzSources, ["authz/allow"]);
const interpreter = new Interpreter(plan);
const dataValue = fromJSON(data);
const inputs = requests.map(fromJSON);

const policy = await loadPolicy(module.wasm); // no custom built-ins: authz.rego's are all native
policy.setData(data);

const cedarPolicies = readFileSync(join(here, "bench/authz.cedar"), "utf8");
const parsed = cedar.preparsePolicySet("authz", { staticPolicies: cedarPolicies });
if (parsed.type !== "success") throw new Error(`authz.cedar: ${JSON.stringify(parsed.errors)}`);
const cedarCalls = cedarRequests(data, requests).map((r) => ({ ...r, preparsedPolicySetId: "authz" }));
const cedarAllow = (i: number): boolean => {
  const answer = cedar.statefulIsAuthorized(cedarCalls[i]!);
  if (answer.type !== "success") throw new Error(`cedar: ${JSON.stringify(answer.errors)}`);
  return answer.response.decision === "allow";
};

// Every engine must decide the same before their speed means anything.
for (const [i, r] of requests.entries()) {
  const want = allowByHand(data, r);
  const ir = (interpreter.eval("authz/allow", { input: inputs[i], data: dataValue })[0] as { get(k: string): unknown } | undefined)?.get("result");
  const wasm = (policy.evaluate(r, "authz/allow") as { result: unknown }[])[0]?.result;
  const ced = cedarAllow(i);
  if (ir !== want || wasm !== want || ced !== want) {
    throw new Error(`engines disagree on request ${i}: by hand ${want}, IR ${String(ir)}, wasm ${String(wasm)}, Cedar ${ced}`);
  }
}
const allowed = requests.filter((r) => allowByHand(data, r)).length;

let n = 0;
const results: Measurement[] = [
  measure("hand-written TypeScript", () => allowByHand(data, requests[n++ % requests.length]!)),
  measure("IR interpreter", () => interpreter.eval("authz/allow", { input: inputs[n++ % inputs.length], data: dataValue })),
  measure("wasm (stock opa-wasm SDK)", () => policy.evaluate(requests[n++ % requests.length], "authz/allow")),
  measure("cedar-wasm", () => cedarAllow(n++ % cedarCalls.length)),
];
const base = results[0]!.opsPerSec;
const wasmRate = results[2]!.opsPerSec;
log(`\nauthz/allow decisions (200 users, ${requests.length} requests round-robin, ${allowed} allowed):`);
log("engine                      decisions/s    p50 µs    p99 µs   vs hand-written   vs wasm");
for (const r of results) {
  log(
    `${r.name.padEnd(26)} ${r.opsPerSec.toFixed(0).padStart(12)} ${r.p50us.toFixed(2).padStart(9)} ${r.p99us.toFixed(2).padStart(9)}   ${(r.opsPerSec / base).toFixed(3).padStart(14)}x ${(r.opsPerSec / wasmRate).toFixed(2).padStart(8)}x`,
  );
}

// --- memory -----------------------------------------------------------------------------------
// The SDK resets the heap pointer before each evaluation, so after warming up the module's
// memory must not grow, however many evaluations follow.
const EVALUATIONS = 1_000_000;
const WARM = 1_000;
const mem = await loadPolicy(module.wasm);
mem.setData(data);
const initialBytes = mem.mem.buffer.byteLength;
for (let i = 0; i < WARM; i++) mem.evaluate(requests[i % requests.length], "authz/allow");
const afterWarmBytes = mem.mem.buffer.byteLength;
const memStart = performance.now();
for (let i = WARM; i < EVALUATIONS; i++) mem.evaluate(requests[i % requests.length], "authz/allow");
const memSeconds = (performance.now() - memStart) / 1000;
const finalBytes = mem.mem.buffer.byteLength;
log(
  `\nmemory: ${EVALUATIONS.toLocaleString("en")} evaluations in one loaded policy: ${initialBytes} bytes at load, ` +
    `${afterWarmBytes} after the first ${WARM.toLocaleString("en")}, ${finalBytes} at the end ` +
    `(growth after warm-up: ${finalBytes - afterWarmBytes} bytes; ${memSeconds.toFixed(1)} s)`,
);
if (finalBytes !== afterWarmBytes) process.exitCode = 1;

// --- evaluator layers, governed actions, audit trail ---------------------------------------------
const ev = await benchEvaluator();
log(`\ngovernance/decision through the evaluator (signature verified once at load: ${ev.verify_ms.toFixed(1)} ms):`);
log("layer                           decisions/s    p50 µs    p99 µs   vs raw SDK");
for (const r of [ev.raw_sdk, ev.evaluator, ev.evaluator_validated]) {
  log(`${r.name.padEnd(30)} ${r.opsPerSec.toFixed(0).padStart(12)} ${r.p50us.toFixed(2).padStart(9)} ${r.p99us.toFixed(2).padStart(9)}   ${(r.opsPerSec / ev.raw_sdk.opsPerSec).toFixed(2).padStart(9)}x`);
}
// Issue 12: memoised modules and the thin driver (interleaved rounds, per CPU-second), and the
// 10,000-line policy to a signed bundle with the optimiser bounded.
const decision = await benchDecision(Number(process.env.ROUNDS ?? 7));
log("\ngovernance/decision, interleaved rounds (ratio against today's module through the stock SDK):");
const decisionRow = (r: RoundedMeasurement) => log(formatRow(r));
decision.governance.forEach(decisionRow);
log(formatHandWritten(decision.evaluator_vs_hand_written));
log("small policies (each driver line against the stock SDK line above it, same module):");
decision.small.forEach(decisionRow);
const reference = await benchReference(Number(process.env.ROUNDS ?? 7));
for (const r of reference.results) {
  log(`OPA-built module ${r.name}, from ${r.source} (ABI 1.${r.abi_minor}${r.abi_minor < 2 ? ": no opa_eval, so Warden runs it through the SDK's path" : ""}), against it through the stock SDK:`);
  r.rows.forEach(decisionRow);
}
if (reference.missing.length) log(`OPA-built reference modules not measured (absent from scripts/bench/reference/): ${reference.missing.join("; ")}`);
const bigBuild = await benchCompile({ rounds: Number(process.env.ROUNDS ?? 7) });
log(
  `${bigBuild.lines} generated lines (${bigBuild.statements} IR statements) to a signed bundle in ${bigBuild.signed_bundle_ms.toFixed(0)} ms ` +
    `(plan IR ${bigBuild.plan_ms.toFixed(0)} ms, WebAssembly ${bigBuild.wasm_default_ms.toFixed(0)} ms, unoptimised ${bigBuild.wasm_unoptimised_ms.toFixed(0)} ms); ` +
    `governance decision optimised per function ${bigBuild.governance.speed[1]!.ratio.toFixed(2)}x the whole-module build's speed`,
);

const gov = await benchGovernance();
log(
  `\ngoverned actions end to end (SQLite, every audit append durable): ${gov.actions_per_sec.toFixed(0)} actions/s ` +
    `(p50 ${gov.action_p50_ms.toFixed(2)} ms, p99 ${gov.action_p99_ms.toFixed(2)} ms, ${gov.cpu_us_per_action.toFixed(0)} µs CPU; 2 commits each: decision with intent and started mark, outcome); ` +
    `${gov.concurrent_actions_per_sec.toFixed(0)} actions/s with 32 in flight (group commit, ${gov.concurrent_cpu_us_per_action.toFixed(0)} µs CPU each); decisions alone ${gov.proposals_per_sec.toFixed(0)}/s`,
);
// The same on PostgreSQL, on a throwaway server (test/pg.ts) where the binaries are installed.
const { postgresUnavailable, startTestPostgres } = await import("../test/pg.ts");
const pgMissing = postgresUnavailable();
let govPostgres: Awaited<ReturnType<typeof benchGovernance>> | undefined;
if (pgMissing) log(`governed actions on PostgreSQL: not measured (${pgMissing})`);
else {
  const server = await startTestPostgres();
  try {
    govPostgres = await benchGovernance(2, await server.createDatabase());
  } finally {
    await server.stop();
  }
  log(
    `governed actions on PostgreSQL (throwaway local server, fsync off: round trips, not the disk): ${govPostgres.actions_per_sec.toFixed(0)} actions/s ` +
      `(p50 ${govPostgres.action_p50_ms.toFixed(2)} ms, p99 ${govPostgres.action_p99_ms.toFixed(2)} ms); ` +
      `${govPostgres.concurrent_actions_per_sec.toFixed(0)} actions/s with 32 in flight; decisions alone ${govPostgres.proposals_per_sec.toFixed(0)}/s`,
  );
}
const audit = await benchAudit();
log(
  `audit trail: ${audit.append_per_sec.toFixed(0)} durable appends/s (${audit.append_batched_per_sec.toFixed(0)}/s batched), ` +
    `verify ${audit.verify_per_sec.toFixed(0)} records/s over ${audit.verify_records} records`,
);
log(
  `audit verify per CPU-second: ${audit.verify_per_cpu_sec.toFixed(0)} records/s against SHA-256 of the same bodies ` +
    `${audit.sha256_per_cpu_sec.toFixed(0)}/s one-shot (${audit.sha256_stream_per_cpu_sec.toFixed(0)}/s through a Hash object): ` +
    `${audit.verify_vs_sha256.toFixed(2)}x (${audit.verify_vs_sha256_stream.toFixed(2)}x)`,
);

const gateway: GatewayBench[] = [];
for (const dir of [undefined, ...(existsSync("/dev/shm") ? ["/dev/shm"] : [])]) gateway.push(await benchMcpGateway({ calls: 400, warmup: 50, ...(dir ? { dir } : {}) }));
log("\nwarden mcp-gateway, auto tools/call over stdio (interleaved with direct calls to the same upstream):");
for (const g of gateway) {
  log(`store in ${g.dir.padEnd(22)} direct p50 ${g.direct_ms.p50.toFixed(2)} ms, through the gateway ${g.gateway_ms.p50.toFixed(2)} ms: +${g.added_ms.p50.toFixed(2)} ms at p50 (paired ${g.added_ms.paired_p50.toFixed(2)} ms; target <= ${g.target_p50_ms} ms)`);
}

const hostile = await benchHostile();
log("\nhostile input (slowest of 3 runs):");
for (const h of hostile) {
  log(`${h.name.padEnd(8)} ${h.input_chars} chars: ir ${h.ir_ms.toFixed(1)} ms, wasm evaluator ${h.wasm_ms.toFixed(1)} ms`);
}

const budget = await benchBudgetOverhead({ text: authz, data, requests });
log("\nevaluation budget overhead (stock SDK, same module with and without step checks, best of 3 rounds):");
for (const b of budget) {
  log(`${b.name.padEnd(32)} ${b.with_budget_per_sec.toFixed(0).padStart(9)}/s with, ${b.without_budget_per_sec.toFixed(0).padStart(9)}/s without: ${b.overhead_pct.toFixed(1)} %`);
}
const inputCheck = benchInputCheck(requests[0]!);
log(
  `input boundary check (limits, finite numbers) and encoding: ${inputCheck.check_us.toFixed(2)} µs per request, ` +
    `against ${inputCheck.stringify_us.toFixed(2)} µs for the JSON encoding alone (the SDK's own)`,
);

if (json) {
  console.log(
    JSON.stringify({
      hostile,
      budget,
      input_check: inputCheck,
      evaluator: { verify_ms: ev.verify_ms, raw_sdk: ev.raw_sdk, evaluator: ev.evaluator, evaluator_validated: ev.evaluator_validated },
      decision,
      reference,
      big_build: bigBuild,
      governed: gov,
      ...(govPostgres ? { governed_postgres: govPostgres } : {}),
      gateway,
      audit,
      compile: { lines: bigLines, ms: Math.round(compileMs), wasm_ms: Math.round(wasmCompileMs) },
      module: { bytes: moduleBytes, host_builtins: Object.keys(module.builtins).length },
      authz: Object.fromEntries(
        results.map((r) => [
          r.name,
          { ops_per_sec: Math.round(r.opsPerSec), p50_us: r.p50us, p99_us: r.p99us, ratio: r.opsPerSec / base, vs_wasm: r.opsPerSec / wasmRate },
        ]),
      ),
      memory: { evaluations: EVALUATIONS, initial_bytes: initialBytes, after_first_1000_bytes: afterWarmBytes, final_bytes: finalBytes, growth_bytes: finalBytes - afterWarmBytes },
    }),
  );
}
