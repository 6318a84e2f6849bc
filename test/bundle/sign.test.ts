// Signing and verification round trips for every algorithm, and each way a signed bundle is refused.
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { packFiles, unpackFiles } from "../../src/bundle/archive.ts";
import { readBundle } from "../../src/bundle/bundle.ts";
import { loadBundle } from "../../src/bundle/index.ts";
import { signBundle, signBundleFiles } from "../../src/bundle/sign.ts";
import { VerificationError, verifyFiles } from "../../src/bundle/verify.ts";
import { handmadeBundle, handmadeFiles } from "./helpers.ts";

const pem = (kind: "rsa" | "ec", opts: { modulusLength?: number; namedCurve?: string }) => {
  const { privateKey, publicKey } = kind === "rsa" ? generateKeyPairSync("rsa", { modulusLength: opts.modulusLength! }) : generateKeyPairSync("ec", { namedCurve: opts.namedCurve! });
  return { priv: privateKey.export({ type: "pkcs8", format: "pem" }) as string, pub: publicKey.export({ type: "spki", format: "pem" }) as string };
};
const rsa = pem("rsa", { modulusLength: 2048 });
const rsa2 = pem("rsa", { modulusLength: 2048 });
const p256 = pem("ec", { namedCurve: "P-256" });
const p384 = pem("ec", { namedCurve: "P-384" });
const p521 = pem("ec", { namedCurve: "P-521" });
const hmac = { priv: "correct horse battery staple", pub: "correct horse battery staple" };

const keys: [string, { priv: string; pub: string }][] = [
  ["RS256", rsa], ["RS384", rsa], ["RS512", rsa],
  ["PS256", rsa], ["PS384", rsa], ["PS512", rsa],
  ["ES256", p256], ["ES384", p384], ["ES512", p521],
  ["HS256", hmac], ["HS384", hmac], ["HS512", hmac],
];

const problemsOf = async (p: Promise<unknown>): Promise<string[]> => {
  const e = await p.then(() => undefined, (x: unknown) => x);
  if (!(e instanceof VerificationError)) throw new Error(`expected a VerificationError, got ${String(e)}`);
  return e.problems;
};

describe("every algorithm signs and verifies", () => {
  for (const [alg, k] of keys) {
    it(alg, async () => {
      const signed = readBundle(await signBundle(handmadeBundle(), { key: k.priv, algorithm: alg, keyId: "ci" }));
      const v = await verifyFiles(signed.files, { key: k.pub, algorithm: alg });
      expect(v.keyId).toBe("ci");
      expect(v.files.map((f) => f.name)).toEqual([".manifest", "authz/policy.rego", "data.json", "policy.wasm"]);
    });
  }
});

describe("the token, as OPA writes it", () => {
  it("lists every file but .signatures.json, without leading slash, with SHA-256; kid header and keyid claim", async () => {
    const files = await signBundleFiles(handmadeFiles(), { key: hmac.priv, algorithm: "HS256", keyId: "ci" });
    const doc = JSON.parse(new TextDecoder().decode(files.get(".signatures.json")!));
    expect(doc.signatures).toHaveLength(1);
    const [h, p] = (doc.signatures[0] as string).split(".").slice(0, 2).map((s) => JSON.parse(Buffer.from(s, "base64url").toString()));
    expect(h).toEqual({ alg: "HS256", kid: "ci" });
    expect(p.keyid).toBe("ci");
    expect(p.files.map((f: { name: string }) => f.name)).toEqual([".manifest", "authz/policy.rego", "data.json", "policy.wasm"]);
    expect(p.files.every((f: { algorithm: string; hash: string }) => f.algorithm === "SHA-256" && /^[0-9a-f]{64}$/.test(f.hash))).toBe(true);
  });

  it("takes claims (then no keyid claim, as OPA) and a scope", async () => {
    const files = await signBundleFiles(handmadeFiles(), { key: hmac.priv, algorithm: "HS256", keyId: "ci", claims: { iss: "ci-pipeline", iat: 1700000000 }, scope: "prod" });
    const token = JSON.parse(new TextDecoder().decode(files.get(".signatures.json")!)).signatures[0] as string;
    const p = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());
    expect(p).toMatchObject({ iss: "ci-pipeline", iat: 1700000000, scope: "prod" });
    expect(p.keyid).toBeUndefined();
    await expect(verifyFiles(files, { key: hmac.pub, algorithm: "HS256", scope: "prod" })).resolves.toMatchObject({ scope: "prod", keyId: "ci" });
  });

  it("refuses claims that would replace the file list", async () => {
    await expect(signBundleFiles(handmadeFiles(), { key: hmac.priv, algorithm: "HS256", claims: { files: [] } })).rejects.toThrow(/may not contain "files"/);
  });

  it("signs deterministically with RS256, and signing keeps the revision", async () => {
    const a = await signBundle(handmadeBundle(), { key: rsa.priv });
    const b = await signBundle(handmadeBundle(), { key: rsa.priv });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(readBundle(a).revision).toBe(readBundle(handmadeBundle()).revision);
    expect(readBundle(a).contentRevision).toBe(readBundle(a).revision);
  });
});

describe("verification refuses", () => {
  const signedFiles = async () => readBundle(await signBundle(handmadeBundle(), { key: rsa.priv, keyId: "ci", scope: "prod" })).files;
  const ok = { key: rsa.pub, keyId: "ci", scope: "prod" };

  it("nothing when all holds", async () => {
    await expect(verifyFiles(await signedFiles(), ok)).resolves.toMatchObject({ algorithm: "RS256" });
  });

  it("one byte changed in policy.wasm", async () => {
    const files = await signedFiles();
    const wasm = new Uint8Array(files.get("policy.wasm")!);
    wasm[wasm.length - 1]! ^= 1;
    files.set("policy.wasm", wasm);
    const problems = await problemsOf(verifyFiles(unpackFiles(packFiles(files)), ok));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^policy\.wasm: digest mismatch/);
  });

  it("a file added", async () => {
    const files = await signedFiles();
    files.set("authz/extra.rego", new TextEncoder().encode("package authz\n\ndeny := true\n"));
    expect(await problemsOf(verifyFiles(files, ok))).toEqual(["authz/extra.rego: not included in the bundle signature (file added after signing)"]);
  });

  it("a file removed", async () => {
    const files = await signedFiles();
    files.delete("data.json");
    expect(await problemsOf(verifyFiles(files, ok))).toEqual(["data.json: signed but missing from the bundle"]);
  });

  it("a data change that only moves whitespace is not a change (canonical hashing), a value change is", async () => {
    const files = await signedFiles();
    files.set("data.json", new TextEncoder().encode('{ "authz": { "users": { "alice": { "roles": [ "admin" ] } } } }'));
    await expect(verifyFiles(files, ok)).resolves.toBeDefined();
    files.set("data.json", new TextEncoder().encode('{"authz":{"users":{"alice":{"roles":["admin","root"]}}}}'));
    expect((await problemsOf(verifyFiles(files, ok)))[0]).toMatch(/^data\.json: digest mismatch/);
  });

  it(".signatures.json removed", async () => {
    const files = await signedFiles();
    files.delete(".signatures.json");
    expect(await problemsOf(verifyFiles(files, ok))).toEqual(["bundle is not signed (.signatures.json is missing)"]);
  });

  it("the wrong key", async () => {
    expect((await problemsOf(verifyFiles(await signedFiles(), { ...ok, key: rsa2.pub })))[0]).toMatch(/^the signature does not verify with the given key/);
  });

  it("the wrong algorithm", async () => {
    expect(await problemsOf(verifyFiles(await signedFiles(), { ...ok, algorithm: "PS256" }))).toEqual(["bundle is signed with RS256, expected PS256"]);
  });

  it("an HMAC verifier given a token signed with RSA (no algorithm confusion)", async () => {
    expect(await problemsOf(verifyFiles(await signedFiles(), { ...ok, key: rsa.pub, algorithm: "HS256" }))).toEqual(["bundle is signed with RS256, expected HS256"]);
  });

  it("the wrong scope, or none", async () => {
    expect(await problemsOf(verifyFiles(await signedFiles(), { ...ok, scope: "staging" }))).toEqual([
      'scope mismatch: the bundle is signed for scope "prod", expected "staging"',
    ]);
    expect((await problemsOf(verifyFiles(await signedFiles(), { key: rsa.pub })))[0]).toMatch(/scope mismatch/);
  });

  it("another key id", async () => {
    expect(await problemsOf(verifyFiles(await signedFiles(), { ...ok, keyId: "other" }))).toEqual(['bundle is signed with key id "ci", expected "other"']);
  });

  it("two tokens", async () => {
    const files = await signedFiles();
    const token = JSON.parse(new TextDecoder().decode(files.get(".signatures.json")!)).signatures[0];
    files.set(".signatures.json", new TextEncoder().encode(JSON.stringify({ signatures: [token, token] })));
    expect(await problemsOf(verifyFiles(files, ok))).toEqual([".signatures.json: multiple JWTs not supported (expected exactly one)"]);
  });
});

describe("loadBundle (the evaluator's entry)", () => {
  it("loads an unsigned bundle only when told it may", async () => {
    await expect(loadBundle(handmadeBundle(), { allowUnsigned: true })).resolves.toMatchObject({ entrypoints: ["authz/allow"] });
    await expect(loadBundle(handmadeBundle(), { verification: { key: rsa.pub } })).rejects.toThrow(/not signed/);
  });
  it("verifies a signed one, and will not skip its verification", async () => {
    const signed = await signBundle(handmadeBundle(), { key: p256.priv, algorithm: "ES256" });
    const b = await loadBundle(signed, { verification: { key: p256.pub, algorithm: "ES256" } });
    expect(b.signature?.algorithm).toBe("ES256");
    expect(b.revision).toBe(b.contentRevision);
    await expect(loadBundle(signed, { allowUnsigned: true })).rejects.toThrow(/signed but no verification key/);
  });
});
