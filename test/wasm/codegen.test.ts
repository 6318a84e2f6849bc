// The code generator end to end: Rego to a module that the stock SDK loads and evaluates.
import { describe, expect, it } from "vitest";
import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { planSources } from "../../src/pipeline.ts";
import { compileWasm } from "../../src/wasm/compile.ts";

const policy = `package authz

import rego.v1

default allow := false

allow if {
	some role in data.users[input.user].roles
	role in {"admin", "editor"}
	input.action in {"read", "write"}
}

reasons contains msg if {
	not allow
	msg := sprintf("%s may not %s", [input.user, input.action])
}

roles := {u: count(r.roles) | some u, r in data.users}
`;

describe("generated modules run in the stock @open-policy-agent/opa-wasm SDK", () => {
  it("evaluates several entrypoints with no custom built-ins", async () => {
    const ir = planSources([{ file: "authz.rego", text: policy }], ["authz/allow", "authz/reasons", "authz/roles"]);
    const mod = await compileWasm(ir);
    expect(mod.builtins).toEqual({}); // everything this policy calls is native
    const loaded = await loadPolicy(mod.wasm);
    loaded.setData({ users: { alice: { roles: ["admin"] }, bob: { roles: ["viewer", "auditor"] } } });
    expect(loaded.evaluate({ user: "alice", action: "write" }, "authz/allow")).toEqual([{ result: true }]);
    expect(loaded.evaluate({ user: "bob", action: "write" }, "authz/allow")).toEqual([{ result: false }]);
    expect(loaded.evaluate({ user: "bob", action: "write" }, "authz/reasons")).toEqual([{ result: ["bob may not write"] }]);
    expect(loaded.evaluate({}, "authz/roles")).toEqual([{ result: { alice: 1, bob: 2 } }]);
  }, 600_000);

  it("gives the same answers whichever way the optimiser runs (whole module, per function, none)", async () => {
    const ir = planSources([{ file: "authz.rego", text: policy }], ["authz/allow", "authz/reasons", "authz/roles"]);
    const data = { users: { alice: { roles: ["admin"] }, bob: { roles: ["viewer", "auditor"] } } };
    const answers = [];
    for (const optimize of ["module", "functions", false] as const) {
      const loaded = await loadPolicy((await compileWasm(ir, { optimize })).wasm);
      loaded.setData(data);
      answers.push(["alice", "bob"].flatMap((user) => ["authz/allow", "authz/reasons", "authz/roles"].map((e) => loaded.evaluate({ user, action: "write" }, e))));
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  }, 600_000);
});
