// Host built-ins through the stock SDK: arguments and results keep Rego's types (sets stay sets)
// through the module's call record, and strict errors are located at the call.
import { describe, expect, it } from "vitest";
import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { planSources } from "../../src/pipeline.ts";
import { compileWasm } from "../../src/wasm/compile.ts";
import { WardenHost, hostBuiltins } from "../../src/wasm/host.ts";
import { RegoError } from "../../src/errors.ts";

const policy = `package h

reach := graph.reachable({"a": {"b"}, "b": {"c"}, "c": set()}, {"a"})
has_c if reach["c"]
sub if object.subset({"a": {1, 2, 3}}, {"a": {1}})
paths := [p | walk({1, {2}}, [p, _])]
bad := strings.any_prefix_match(input.x, "a")
`;

async function load(entrypoints: string[], strict = false, attach = true) {
  const ir = planSources([{ file: "h.rego", text: policy }], entrypoints);
  const mod = await compileWasm(ir, { hostBuiltinsOnly: strict });
  const host = new WardenHost(Object.keys(mod.builtins), { strict, callSites: mod.callSites });
  const loaded = await loadPolicy(mod.wasm, undefined, attach ? host.builtins : hostBuiltins(Object.keys(mod.builtins)));
  if (attach) host.attach(loaded);
  return loaded;
}

describe("host built-ins through the call record", () => {
  it("passes sets to the host and takes sets back", async () => {
    const loaded = await load(["h/reach", "h/has_c", "h/sub", "h/paths"]);
    expect(loaded.evaluate({}, "h/reach")).toEqual([{ result: ["a", "b", "c"] }]);
    expect(loaded.evaluate({}, "h/has_c")).toEqual([{ result: true }]);
    expect(loaded.evaluate({}, "h/sub")).toEqual([{ result: true }]);
    // walk over a set: the path into a set holds the member itself, not a position
    expect(loaded.evaluate({}, "h/paths")).toEqual([{ result: [[], [1], [[2]], [[2], 2]] }]);
  }, 600_000);

  it("still works for a host that knows nothing of the record (plain JSON)", async () => {
    const loaded = await load(["h/reach", "h/has_c"], false, false);
    expect(loaded.evaluate({}, "h/reach")).toEqual([{ result: ["a", "b", "c"] }]);
    // sets arrive as arrays there: the membership test on the host's result then fails
    expect(loaded.evaluate({}, "h/has_c")).toEqual([]);
  }, 600_000);

  it("locates strict built-in errors at the call", async () => {
    const loaded = await load(["h/bad"], true);
    let error: unknown;
    try {
      loaded.evaluate({ x: 1 }, "h/bad");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RegoError);
    expect((error as RegoError).message).toMatch(/^h\.rego:7: eval_type_error: strings\.any_prefix_match: operand 1/);
  }, 600_000);

  it("keeps memory flat across evaluations that call the host", async () => {
    const loaded = await load(["h/reach"]);
    for (let i = 0; i < 1000; i++) loaded.evaluate({}, "h/reach");
    const bytes = loaded.mem.buffer.byteLength;
    for (let i = 0; i < 2000; i++) loaded.evaluate({}, "h/reach");
    expect(loaded.mem.buffer.byteLength).toBe(bytes);
  }, 600_000);
});
