// The data loader of `warden test` and `warden eval -d`, as `opa test` / `opa eval -d` load data:
// every .json/.yaml at its directory's path, any JSON value below the root, YAML integers as
// numbers (exact beyond a double), malformed files located, conflicts reported.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LoadError, loadPaths } from "../src/load.ts";

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "warden-data-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof LoadError) return e.message;
    throw e;
  }
  throw new Error("expected a LoadError");
};

describe("data files (allData, as opa test)", () => {
  it("loads every .json and .yaml at its directory's path, whatever its name", () => {
    const root = tree({
      "a/b/config.yaml": "limits:\n  max: 10\n  big: 123456789012345678901234567890\n",
      "a/users.json": '{"users": ["alice"]}',
      "a/c/list.json": '["x", "y"]',
      "root.json": '{"top": true}',
      "p.rego": "package p",
    });
    const { data, sources } = loadPaths([root], { allData: true });
    expect(sources).toHaveLength(1);
    expect(data).toEqual({
      a: { b: { limits: { max: 10, big: 123456789012345678901234567890n } }, users: ["alice"], c: ["x", "y"] },
      top: true,
    });
    expect(typeof (data.a as { b: { limits: { max: unknown } } }).b.limits.max).toBe("number");
  });

  it("reads YAML as OPA's loader does: the first document of a stream, YAML 1.1 booleans", () => {
    const root = tree({ "k8s/deploy.yaml": "kind: Service\nexposed: yes\n---\nkind: Deployment\n" });
    expect(loadPaths([root], { allData: true }).data).toEqual({ k8s: { kind: "Service", exposed: true } });
  });

  it("keeps reading only data.json and data.yaml without allData (bundle layout)", () => {
    const root = tree({ "a/data.json": '{"x": 1}', "a/other.json": '{"y": 2}' });
    expect(loadPaths([root]).data).toEqual({ a: { x: 1 } });
  });

  it("locates a malformed JSON or YAML file", () => {
    expect(refusal(() => loadPaths([tree({ "data.json": '{\n  "a": 1,\n}\n' })], { allData: true }))).toMatch(/data\.json:3:1: invalid JSON: /);
    expect(refusal(() => loadPaths([tree({ "d.yaml": "a: [1,\nb: 2\n" })], { allData: true }))).toMatch(/d\.yaml:2:1: invalid YAML: /);
  });

  it("reports two files setting the same path, naming both", () => {
    const message = refusal(() => loadPaths([tree({ "one.json": '{"x": {"k": 1}}', "x/two.json": '{"k": 2}' })], { allData: true }));
    expect(message).toMatch(/data conflict: .*two\.json and .*one\.json both set data\.x\.k/);
  });

  it("merges disjoint documents and refuses a non-object at the root", () => {
    const root = tree({ "one.json": '{"x": {"a": 1}}', "x/two.json": '{"b": 2}' });
    expect(loadPaths([root], { allData: true }).data).toEqual({ x: { a: 1, b: 2 } });
    expect(refusal(() => loadPaths([tree({ "list.json": "[1]" })], { allData: true }))).toContain("must hold an object");
  });
});

describe("ignored names (opa test --ignore)", () => {
  const root = tree({
    "a/x.yaml": "v: 1",
    "a/y.yaml": "v: 2",
    "a/p.rego": "package a",
    "vendor/v.rego": "package v",
    "b/data.json": '{"w": 3}',
  });

  it("leaves out files and directories whose own name matches a shell pattern", () => {
    const loaded = loadPaths([root], { tests: true, allData: true, ignore: ["*.yaml", "vend?r"] });
    expect(loaded.sources.map((s) => s.file.slice(root.length))).toEqual(["/a/p.rego"]);
    expect(loaded.data).toEqual({ b: { w: 3 } });
  });

  it("reads [classes] and escapes as Go's filepath.Match, and a malformed pattern matches nothing", () => {
    expect(loadPaths([root], { allData: true, ignore: ["[xy].yaml"] }).data).toEqual({ b: { w: 3 } });
    expect(loadPaths([root], { allData: true, ignore: ["[^x].yaml"] }).data).toEqual({ a: { v: 1 }, b: { w: 3 } });
    expect(loadPaths([root], { allData: true, ignore: ["x\\.yaml", "[x"] }).data).toEqual({ a: { v: 2 }, b: { w: 3 } });
  });
});
