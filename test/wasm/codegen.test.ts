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
});
