// `npm run bench [-- --json]`: the project's benchmarks, peers side by side in one process.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { planSources } from "../src/pipeline.ts";
import { Interpreter } from "../src/interpreter/interpreter.ts";
import { fromJSON } from "../src/values/value.ts";
import { measure, timeOnce, type Measurement } from "./bench/measure.ts";
import { generatePolicy } from "./bench/generate.ts";
import { allowByHand, authzData, authzRequests } from "./bench/authz.ts";

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

// --- evaluation -------------------------------------------------------------------------------
const authz = readFileSync(join(here, "bench/authz.rego"), "utf8");
const data = authzData();
const requests = authzRequests();
const plan = planSources([{ file: "authz.rego", text: authz }], ["authz/allow"]);
const interpreter = new Interpreter(plan);
const dataValue = fromJSON(data);
const inputs = requests.map(fromJSON);

// Both engines must decide the same before their speed means anything.
for (const [i, r] of requests.entries()) {
  const got = interpreter.eval("authz/allow", { input: inputs[i], data: dataValue });
  const want = allowByHand(data, r);
  const value = (got[0] as { get(k: string): unknown } | undefined)?.get("result");
  if (value !== want) throw new Error(`engines disagree on request ${i}: IR ${String(value)}, by hand ${want}`);
}

let n = 0;
const results: Measurement[] = [
  measure("hand-written TypeScript", () => allowByHand(data, requests[n++ % requests.length]!)),
  measure("IR interpreter", () => interpreter.eval("authz/allow", { input: inputs[n++ % inputs.length], data: dataValue })),
];
const base = results[0]!.opsPerSec;
log("\nauthz/allow decisions (200 users, 64 requests round-robin):");
log("engine                      decisions/s    p50 µs    p99 µs   vs hand-written");
for (const r of results) {
  log(
    `${r.name.padEnd(26)} ${r.opsPerSec.toFixed(0).padStart(12)} ${r.p50us.toFixed(2).padStart(9)} ${r.p99us.toFixed(2).padStart(9)}   ${(r.opsPerSec / base).toFixed(3)}x`,
  );
}

if (json) {
  console.log(
    JSON.stringify({
      compile: { lines: bigLines, ms: Math.round(compileMs) },
      authz: Object.fromEntries(results.map((r) => [r.name, { ops_per_sec: Math.round(r.opsPerSec), p50_us: r.p50us, p99_us: r.p99us, ratio: r.opsPerSec / base }])),
    }),
  );
}
