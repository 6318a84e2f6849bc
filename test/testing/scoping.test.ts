// `warden test` (the WebAssembly engine) on scoping OPA's compiler settles before safety: an
// imported root's alias, a closure before a `:=` of the same name, a comprehension head whose ref
// binds its body's vars. The reference interpreter's side is in test/compiler/compile.test.ts.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli as cli } from "../cli-run.ts";

const dir = mkdtempSync(join(tmpdir(), "warden-scoping-"));
writeFileSync(
  join(dir, "scoping_test.rego"),
  `package scoping

import input as req

o := {"ab": 1, "b": 2, "ac": 3}

ok_names contains n if {
	items := [item | item = req.items[_]; item.ok]
	item := items[_]
	n := item.name
}

test_closure_before_assign if {
	ok_names == {"a"} with input as {"items": [{"ok": true, "name": "a"}, {"ok": false, "name": "b"}]}
}

test_head_ref_binds_body if {
	[o[k] | a = k; startswith(a, "a")] == [1, 3]
	{k: o[k] | startswith(k, "a")} == {"ab": 1, "ac": 3}
}
`,
);

describe("scoping as OPA's compiler rewrites it", () => {
  it("passes on the WebAssembly engine", async () => {
    const r = await cli(["test", dir]);
    expect(r.err).toBe("");
    expect(r.out).toContain("PASS: 2/2");
    expect(r.code).toBe(0);
  });
});
