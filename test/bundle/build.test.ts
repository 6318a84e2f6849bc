// Building from policy directories: deterministic bytes, a revision that follows the content,
// entrypoints from annotations, and bundles the stock OPA SDK evaluates. Ends with the CLI's
// exit codes for build, sign, verify, publish and inspect.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { packFiles } from "../../src/bundle/archive.ts";
import { readBundle } from "../../src/bundle/bundle.ts";
import { buildBundleBytes } from "../../src/bundle/build.ts";
import { main } from "../../src/cli/main.ts";
import { tempDir } from "./helpers.ts";

const POLICY = `package authz

import rego.v1

default allow := false

# METADATA
# entrypoint: true
allow if {
	some role in data.authz.users[input.user].roles
	role == "admin"
}

reasons contains "not an admin" if not allow
`;

function writePolicy(dir: string, policy = POLICY): string {
  mkdirSync(join(dir, "authz"), { recursive: true });
  writeFileSync(join(dir, "authz", "authz.rego"), policy);
  writeFileSync(join(dir, "authz", "authz_test.rego"), "package authz\n\ntest_x if true\n");
  writeFileSync(join(dir, "authz", "data.json"), '{"users": {"alice": {"roles": ["admin"]}, "bob": {"roles": []}}}');
  mkdirSync(join(dir, "limits"), { recursive: true });
  writeFileSync(join(dir, "limits", "data.yaml"), "max_amount: 1000\n");
  return dir;
}

let first: Awaited<ReturnType<typeof buildBundleBytes>>;
let policyDir: string;

beforeAll(async () => {
  policyDir = writePolicy(join(tempDir(), "policy"));
  first = await buildBundleBytes({ paths: [policyDir], entrypoints: ["data.authz.reasons"] });
}, 600_000);

describe("warden build", () => {
  it("lays out an OPA bundle: manifest, merged data, module, sources without tests", () => {
    expect([...first.files.keys()]).toEqual([".manifest", "authz/authz.rego", "data.json", "policy.wasm"]);
    const b = readBundle(first.bytes);
    expect(b.entrypoints).toEqual(["authz/reasons", "authz/allow"]);
    expect(b.manifest).toMatchObject({
      revision: first.revision,
      roots: ["authz", "limits"],
      wasm: [
        { entrypoint: "authz/reasons", module: "/policy.wasm" },
        { entrypoint: "authz/allow", module: "/policy.wasm" },
      ],
      rego_version: 1,
    });
    expect(b.data).toEqual({ authz: { users: { alice: { roles: ["admin"] }, bob: { roles: [] } } }, limits: { max_amount: 1000 } });
    expect(b.revision).toBe(b.contentRevision);
  });

  it("gives byte-identical output when built again", async () => {
    const again = await buildBundleBytes({ paths: [writePolicy(join(tempDir(), "elsewhere"))], entrypoints: ["authz/reasons"] });
    expect(again.revision).toBe(first.revision);
    expect(Buffer.from(again.bytes).equals(Buffer.from(first.bytes))).toBe(true);
  }, 600_000);

  it("gives another revision when one character of a policy changes", async () => {
    const changed = await buildBundleBytes({ paths: [writePolicy(join(tempDir(), "changed"), POLICY.replace('"admin"', '"Admin"'))], entrypoints: ["authz/reasons"] });
    expect(changed.revision).not.toBe(first.revision);
    expect(changed.revision).toMatch(/^[0-9a-f]{64}$/);
  }, 600_000);

  it("builds a module the stock OPA SDK evaluates with the bundle's data", async () => {
    const b = readBundle(first.bytes);
    const policy = await loadPolicy(b.wasm[0]!.bytes);
    policy.setData(b.data);
    expect(policy.evaluate({ user: "alice" }, "authz/allow")).toEqual([{ result: true }]);
    expect(policy.evaluate({ user: "bob" }, "authz/allow")).toEqual([{ result: false }]);
    expect(policy.evaluate({ user: "bob" }, "authz/reasons")).toEqual([{ result: ["not an admin"] }]);
  });

  it("refuses a build with no entrypoint", async () => {
    const dir = join(tempDir(), "p");
    mkdirSync(dir);
    writeFileSync(join(dir, "x.rego"), "package x\n\ny := 1\n");
    await expect(buildBundleBytes({ paths: [dir] })).rejects.toThrow(/no entrypoints/);
  });
});

describe("the bundle commands", () => {
  const out: string[] = [];
  const err: string[] = [];
  const run = async (...argv: string[]) => {
    out.length = 0;
    err.length = 0;
    vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
    vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
    try {
      return await main(argv);
    } finally {
      vi.restoreAllMocks();
    }
  };
  afterEach(() => vi.restoreAllMocks());

  it("sign, verify (and its refusals), publish, list, inspect", async () => {
    const dir = tempDir();
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    writeFileSync(join(dir, "key.pem"), privateKey.export({ type: "pkcs8", format: "pem" }));
    writeFileSync(join(dir, "pub.pem"), publicKey.export({ type: "spki", format: "pem" }));
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey;
    writeFileSync(join(dir, "other.pem"), other.export({ type: "spki", format: "pem" }));
    const bundle = join(dir, "bundle.tar.gz");
    writeFileSync(bundle, first.bytes);

    expect(await run("sign", bundle, "--signing-key", join(dir, "key.pem"), "--signing-alg", "ES256", "--key-id", "ci")).toBe(0);
    const verifyArgs = ["--verification-key", join(dir, "pub.pem"), "--signing-alg", "ES256"];
    expect(await run("verify", bundle, ...verifyArgs)).toBe(0);
    expect(out.join("\n")).toMatch(new RegExp(`signature verified \\(ES256, key id ci\\), 4 files, revision ${first.revision}`));

    expect(await run("verify", bundle, "--verification-key", join(dir, "other.pem"), "--signing-alg", "ES256")).toBe(1);
    expect(err.join("\n")).toMatch(/does not verify with the given key/);
    expect(await run("verify", bundle, ...verifyArgs.slice(0, 2))).toBe(1);
    expect(err.join("\n")).toMatch(/signed with ES256, expected RS256/);

    const tampered = join(dir, "tampered.tar.gz");
    const files = readBundle(new Uint8Array(readFileSync(bundle))).files;
    const wasm = new Uint8Array(files.get("policy.wasm")!);
    wasm[100]! ^= 0xff;
    files.set("policy.wasm", wasm);
    writeFileSync(tampered, packFiles(files));
    expect(await run("verify", tampered, ...verifyArgs)).toBe(1);
    expect(err.join("\n")).toMatch(/policy\.wasm: digest mismatch/);

    files.delete(".signatures.json");
    writeFileSync(tampered, packFiles(files));
    expect(await run("verify", tampered, ...verifyArgs)).toBe(1);
    expect(err.join("\n")).toMatch(/not signed \(\.signatures\.json is missing\)/);

    expect(await run("verify", bundle)).toBe(2);
    expect(await run("verify", join(dir, "absent.tar.gz"), ...verifyArgs)).toBe(2);
    expect(await run("sign", bundle, "--signing-key", join(dir, "key.pem"), "--signing-alg", "XS256")).toBe(2);

    const store = join(dir, "store");
    expect(await run("publish", bundle, "--store", store, ...verifyArgs)).toBe(0);
    expect(out.join("\n")).toMatch(/^published: .*\.tar\.gz \(.*signed by ci\)/);
    expect(await run("publish", bundle, "--store", store)).toBe(0);
    expect(out.join("\n")).toMatch(/^already published/);
    expect(await run("bundles", "list", "--store", store, "--json")).toBe(0);
    expect(JSON.parse(out.join("\n"))).toMatchObject([{ revision: first.revision, signer: "ci", entrypoints: ["authz/reasons", "authz/allow"] }]);

    expect(await run("inspect", first.revision, "--store", store, "--json", ...verifyArgs)).toBe(0);
    const report = JSON.parse(out.join("\n"));
    expect(report).toMatchObject({ revision: first.revision, revision_matches_content: true, signature: { status: "verified", key_id: "ci" } });
    expect(report.files.map((f: { name: string }) => f.name)).toEqual([".manifest", ".signatures.json", "authz/authz.rego", "data.json", "policy.wasm"]);
    expect(await run("inspect", tampered)).toBe(0);
    expect(out.join("\n")).toMatch(/signature\s+unsigned/);
  });

  it("build writes a .tar.gz, or an unpacked directory with --bundle-dir", async () => {
    const dir = tempDir();
    cpSync(policyDir, join(dir, "policy"), { recursive: true });
    const target = join(dir, "out.tar.gz");
    expect(await run("build", join(dir, "policy"), "-e", "authz/reasons", "-o", target)).toBe(0);
    expect(Buffer.from(readFileSync(target)).equals(Buffer.from(first.bytes))).toBe(true);
    expect(await run("build", join(dir, "policy"), "-e", "authz/reasons", "-o", join(dir, "unpacked"), "--bundle-dir", "--signing-key", "s3cret", "--signing-alg", "HS256")).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "unpacked", ".manifest"), "utf8")).revision).toBe(first.revision);
    expect(JSON.parse(readFileSync(join(dir, "unpacked", ".signatures.json"), "utf8")).signatures).toHaveLength(1);
    expect(await run("build", join(dir, "policy"), "-o", target, "--key-id", "x")).toBe(2);
  }, 600_000);
});
