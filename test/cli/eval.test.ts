// `warden eval -d` as `opa eval -d`: OPA's output formats, data files of any name, --v0-compatible.
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli as cli } from "../cli-run.ts";

afterEach(() => vi.restoreAllMocks());

const dir = mkdtempSync(join(tmpdir(), "warden-eval-"));
mkdirSync(join(dir, "a"));
writeFileSync(join(dir, "a", "users.yaml"), "users: [alice, bob]\nlimit: 10\n");
writeFileSync(join(dir, "p.rego"), "package p\n\nallow { data.a.limit > 5 }\n");

describe("warden eval -d", () => {
  it("prints OPA's json document: expression values, text, location, bindings", async () => {
    const r = await cli(["eval", "--v0-compatible", "-d", dir, "data.a.users"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ result: [{ expressions: [{ value: ["alice", "bob"], text: "data.a.users", location: { row: 1, col: 1 } }] }] });
    const b = JSON.parse((await cli(["eval", "--v0-compatible", "-d", dir, 'data.a.users[i] == "bob"'])).out);
    expect(b.result[0]).toEqual({ expressions: [{ value: true, text: 'data.a.users[i] == "bob"', location: { row: 1, col: 1 } }], bindings: { i: 1 } });
    expect(JSON.parse((await cli(["eval", "--v0-compatible", "-d", dir, "data.nope"])).out)).toEqual({});
  });

  it("has -f values, bindings, raw and pretty", async () => {
    expect(JSON.parse((await cli(["eval", "--v0-compatible", "-d", dir, "-f", "values", "data.p.allow"])).out)).toEqual([[true]]);
    expect(JSON.parse((await cli(["eval", "--v0-compatible", "-d", dir, "-f", "bindings", "x := data.a.limit"])).out)).toEqual([{ x: 10 }]);
    expect((await cli(["eval", "--v0-compatible", "-d", dir, "-f", "raw", "data.a.users[0]"])).out).toBe("alice\n");
    expect(JSON.parse((await cli(["eval", "--v0-compatible", "-d", dir, "-f", "pretty", "data.a"])).out)).toEqual({ users: ["alice", "bob"], limit: 10 });
  });

  it("loads _test.rego files too, as opa eval -d does", async () => {
    const tests = mkdtempSync(join(tmpdir(), "warden-eval-tests-"));
    writeFileSync(join(tests, "p.rego"), "package p\n\nallow if input.ok\n");
    writeFileSync(join(tests, "p_test.rego"), "package p\n\ntest_allow if allow with input as {\"ok\": true}\n");
    expect(JSON.parse((await cli(["eval", "-d", tests, "-f", "values", "data.p.test_allow"])).out)).toEqual([[true]]);
    expect(JSON.parse((await cli(["eval", "-d", join(tests, "p_test.rego"), "-d", join(tests, "p.rego"), "-f", "values", "data.p.test_allow"])).out)).toEqual([[true]]);
  });

  it("reads the policy as v1 without --v0-compatible", async () => {
    const r = await cli(["eval", "-d", dir, "data.p.allow"]);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain("`if` keyword is required");
  });
});
