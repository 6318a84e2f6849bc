// OPA-built modules beside Warden's build of the same Rego, when they are on this machine. They
// come from two public repositories at fixed commits and are never committed: put each one's
// policy.wasm and its .rego in scripts/bench/reference/<folder> (git-ignored), as named below.
// Each module runs through the stock SDK and, where its ABI allows, through Warden's driver;
// Warden's build of the .rego does the same; all four in interleaved rounds, against the OPA
// module through the stock SDK.
import { existsSync, readFileSync } from "node:fs";
import { BUILTINS } from "../../src/builtins/registry.ts";
import { planSources } from "../../src/pipeline.ts";
import { compileWasm } from "../../src/wasm/compile.ts";
import { instantiateModule, type WardenInstance } from "../../src/wasm/sdk.ts";
import { interleaved, sdkAndDriver, type RoundedMeasurement, type Variant } from "./governance-decision.ts";

interface Reference {
  folder: string;
  source: string;
  rego: string;
  entrypoint: string;
  data: object;
  inputs: unknown[];
}

const REFERENCES: Reference[] = [
  {
    folder: "weihanchen-opa-webassembly-ts",
    source: "github.com/weihanchen/opa-webassembly-ts at cfdcebfde1353c0d6f958bd09cb213d4397a4265",
    rego: "example.rego",
    entrypoint: "example/allow",
    // The data and inputs of the repository's app.ts.
    data: {
      user_roles: { userA: ["editor"] },
      role_permissions: { editor: [{ action: "edit", object: "article" }, { action: "create", object: "article" }] },
    },
    inputs: [
      { user: "userA", action: "edit", object: "article" },
      { user: "userA", action: "delete", object: "article" },
      { user: "userB", action: "edit", object: "article" },
    ],
  },
  {
    folder: "srenatus-opa-wasm-browser",
    source: "github.com/srenatus/opa-wasm-browser at 80e7567f6b7c8487541709fd0e08c942efb7fe21",
    rego: "test.rego",
    entrypoint: "test/p",
    data: {},
    inputs: [{ fragment: "moo" }, { fragment: "baa" }],
  },
];

const DIR = new URL("./reference/", import.meta.url);

export interface ReferenceResult {
  name: string;
  source: string;
  /** The OPA module's ABI minor version: below 2, it has no opa_eval and Warden's driver does not apply. */
  abi_minor: number;
  rows: RoundedMeasurement[];
}

async function instance(wasm: Uint8Array, data: object): Promise<WardenInstance> {
  const i = await instantiateModule(wasm, { builtins: [...BUILTINS.keys()] });
  i.policy.setData(data);
  return i;
}

/** Only the stock SDK's variant, for a module the driver cannot run. */
function sdkOnly(label: string, i: WardenInstance, entrypoint: string, inputs: unknown[]): Variant[] {
  let n = 0;
  return [{ name: `${label}, stock SDK`, op: () => i.policy.evaluate(inputs[n++ % inputs.length], entrypoint) }];
}

/** The references present, each measured; `missing` names the absent ones. */
export async function benchReference(rounds = 7): Promise<{ results: ReferenceResult[]; missing: string[] }> {
  const results: ReferenceResult[] = [];
  const missing: string[] = [];
  for (const r of REFERENCES) {
    const wasmFile = new URL(`${r.folder}/policy.wasm`, DIR);
    const regoFile = new URL(`${r.folder}/${r.rego}`, DIR);
    if (!existsSync(wasmFile) || !existsSync(regoFile)) {
      missing.push(`${r.folder} (${r.source}: policy.wasm and ${r.rego})`);
      continue;
    }
    const opa = await instance(readFileSync(wasmFile), r.data);
    const plan = planSources([{ file: r.rego, text: readFileSync(regoFile, "utf8") }], [r.entrypoint], { regoVersion: 0 });
    const warden = await instance((await compileWasm(plan, {})).wasm, r.data);
    // Both modules must give the same answers before they are timed.
    for (const [k, input] of r.inputs.entries()) {
      const a = JSON.stringify(opa.policy.evaluate(input, r.entrypoint));
      const b = JSON.stringify(warden.policy.evaluate(input, r.entrypoint));
      if (a !== b) throw new Error(`${r.folder}: Warden's build and OPA's disagree on input ${k}: ${b} vs ${a}`);
    }
    const abi = (opa.policy as unknown as { minorVersion: number }).minorVersion;
    const opaVariants = opa.evaluateJSON ? sdkAndDriver("OPA's module", opa, r.entrypoint, r.inputs) : sdkOnly("OPA's module", opa, r.entrypoint, r.inputs);
    const rows = interleaved([...opaVariants, ...sdkAndDriver("Warden's build", warden, r.entrypoint, r.inputs)], rounds);
    results.push({ name: `${r.folder} (${r.entrypoint})`, source: r.source, abi_minor: abi, rows });
  }
  return { results, missing };
}
