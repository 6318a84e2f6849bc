// The flags of fmt, check and build that users of `opa` type: fmt -l/-d/-w with --fail,
// check -f json, build -t wasm.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli as cli } from "../cli-run.ts";

afterEach(() => vi.restoreAllMocks());

const dir = mkdtempSync(join(tmpdir(), "warden-flags-"));
writeFileSync(join(dir, "a.rego"), "package x\np if {   true }\n");
writeFileSync(join(dir, "b.rego"), "package x\n\nq := 1\n");

describe("opa's flags", () => {
  it("fmt -l lists the files that would change; --fail makes that exit 1; -d exits 0 without it", async () => {
    const l = await cli(["fmt", "-l", dir]);
    expect(l.out).toBe(`${join(dir, "a.rego")}\n`);
    expect(l.code).toBe(0);
    expect((await cli(["fmt", "-l", "--fail", dir])).code).toBe(1);
    const d = await cli(["fmt", "-d", dir]);
    expect(d.out).toContain("+++ ");
    expect(d.code).toBe(0);
    expect((await cli(["fmt", "-d", "--fail", dir])).code).toBe(1);
  });

  it("check -f json is --json", async () => {
    const r = await cli(["check", "-f", "json", dir]);
    expect(JSON.parse(r.out)).toEqual({ files: 2, errors: [] });
  });

  it("build -t wasm is accepted, other targets refused", async () => {
    const r = await cli(["build", "-t", "rego", dir]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unsupported target "rego"');
  });
});

describe("check with a file that does not parse", () => {
  it("reports its parse error, not the unsafe vars its absence causes in the same package", async () => {
    const d = mkdtempSync(join(tmpdir(), "warden-noise-"));
    writeFileSync(join(d, "p.rego"), "package p\n\nallow {\n\ttrue\n}\n");
    writeFileSync(join(d, "p_test.rego"), "package p\n\ntest_allow if allow\n\ntest_other if x > 1\n");
    const r = await cli(["check", "-f", "json", d]);
    const errors = (JSON.parse(r.out) as { errors: { code: string; message: string }[] }).errors;
    expect(errors.map((e) => [e.code, e.message])).toEqual([
      ["rego_parse_error", "`if` keyword is required before rule body"],
      ["rego_unsafe_var_error", "var x is unsafe"],
    ]);
  });
});
