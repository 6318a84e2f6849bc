// Facts from OPA's own Go tests (open-policy-agent/opa, v1/bundle/*_test.go): the digests OPA
// computes for bundle files, and tokens OPA's tooling signed. Warden must agree with each.
import { describe, expect, it } from "vitest";
import { canonicalText } from "../../src/bundle/canonical.ts";
import { hashFile } from "../../src/bundle/hash.ts";
import { VerificationError, verifyFiles } from "../../src/bundle/verify.ts";
import { unpackFiles, packFiles } from "../../src/bundle/archive.ts";

const enc = new TextEncoder();
const files = (entries: [string, string][]) => new Map(entries.map(([k, v]) => [k, enc.encode(v)]));

describe("file digests (OPA's TestVerifyBundleFileHash and TestReadWithSignatures)", () => {
  // [path, content, algorithm, digest OPA expects]
  const vectors: [string, string, string, string][] = [
    [".manifest", `{"revision": "quickbrownfaux"}`, "MD5", "a005c38a509dc2d5a7407b9494efb2ad"],
    ["a/b/c/data.json", "[1,2,3]", "SHA-512", "60f7b5dc86ded48785436192a08dbfd04894d7f1b417c4f8d3714679a7f78cb3c833f16a8559a1cf1f32968747dc1d95ef34826263dacf125ded8f5c374be4c0"],
    ["a/b/d/data.json", "true", "MD5", "b326b5062b2f0e69046810717534cb09"],
    ["a/b/y/data.yaml", "foo: 1", "SHA-512", "20f27a640a233e6524fe7d138898583cd43475724806feb26be7f214e1d10b29edf6a0d3cb08f82107a45686b61b8fdabab6406cf4e70efe134f42238dbd70ab"],
    ["example/example.rego", "package example", "MD5", "ceecc199d432a4eeae305914ea4816cb"],
    ["policy.wasm", "modules-compiled-as-wasm-binary", "SHA-512", "4f73765168fd8b5c294b739436da312cc5e979faf09f67bf576d36ea79a4f79c70cbb3c33d06ff65f531a9f42abd0a8f4daacc554cb521837e876dc28f56ce89"],
    ["data.json", `{"x": {"y": true}, "a": {"b": {"z": true}}}`, "MD5", "36669864a622563256817033b1fc53db"],
    [".manifest", `{"revision": "quickbrownfaux"}`, "SHA-256", "507a2c38a1441db58d2cb87982c42aa91a4342ef422a6b542eddebeef6f0412f"],
    ["a/b/c/data.json", "[1,2,3]", "SHA-256", "a615eeaee21de5179de080de8c3052c8da901138406ba71c38c032845f7d54f4"],
    ["http/policy/policy.rego", "package example", "SHA-256", "f664461e303b37c20c5e0be2900881678cdf8e860aa433a5a14d494ba3c66649"],
  ];
  for (const [path, content, alg, digest] of vectors) {
    it(`${path} (${alg})`, () => expect(hashFile(path, enc.encode(content), alg)).toBe(digest));
  }
});

describe("canonical form of structured files (bundle/hash.go)", () => {
  const canon = (s: string) => canonicalText(enc.encode(s), "data.json");
  it("sorts keys at every level and drops whitespace", () => {
    expect(canon(`{"x": {"y": true}, "a": {"b": {"z": true}}}`)).toBe(`{"a":{"b":{"z":true}},"x":{"y":true}}`);
  });
  it("keeps number literals as written (json.Number)", () => {
    expect(canon(`{"c": 123.45678911111111111111111111111111111111111111111111111, "d": 1.0, "e": 1E+2}`)).toBe(
      `{"c":123.45678911111111111111111111111111111111111111111111111,"d":1.0,"e":1E+2}`,
    );
  });
  it("writes strings as Go does without HTML escaping", () => {
    expect(canon(`["<foo></foo>&", "\\u00e9\\/", "a\\u2028b", "\\u0001\\b\\f\\n\\t", "\\ud800"]`)).toBe(`["<foo></foo>&","é/","a\\u2028b","\\u0001\\b\\f\\n\\t","\uFFFD"]`);
  });
  it("sorts keys by UTF-8 bytes, keeps the last of repeated keys", () => {
    expect(canon(`{"\uFF01": 1, "\u{1F600}": 2, "b": 1, "b": 2}`)).toBe(`{"b":2,"\uFF01":1,"\u{1F600}":2}`);
  });
  it("reads YAML when the text is not JSON", () => {
    expect(canonicalText(enc.encode("b: [1, 2.5]\na: text\n"), "data.yaml")).toBe(`{"a":"text","b":[1,2.5]}`);
  });
});

// A bundle signed by OPA (TestReadWithSignaturesWithBaseDir): HS256 with the secret "secret",
// scope "write", file names under the base directory foo/bar.
const OPA_SIGNED =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImZvbyJ9.eyJmaWxlcyI6W3sibmFtZSI6ImZvby9iYXIvLm1hbmlmZXN0IiwiaGFzaCI6IjUwN2EyYzM4YTE0NDFkYjU4ZDJjYjg3OTgyYzQyYWE5MWE0MzQyZWY0MjJhNmI1NDJlZGRlYmVlZjZmMDQxMmYiLCJhbGdvcml0aG0iOiJTSEEtMjU2In0seyJuYW1lIjoiZm9vL2Jhci9hL2IvYy9kYXRhLmpzb24iLCJoYXNoIjoiYTYxNWVlYWVlMjFkZTUxNzlkZTA4MGRlOGMzMDUyYzhkYTkwMTEzODQwNmJhNzFjMzhjMDMyODQ1ZjdkNTRmNCIsImFsZ29yaXRobSI6IlNIQS0yNTYifSx7Im5hbWUiOiJmb28vYmFyL2h0dHAvcG9saWN5L3BvbGljeS5yZWdvIiwiaGFzaCI6ImY2NjQ0NjFlMzAzYjM3YzIwYzVlMGJlMjkwMDg4MTY3OGNkZjhlODYwYWE0MzNhNWExNGQ0OTRiYTNjNjY2NDkiLCJhbGdvcml0aG0iOiJTSEEtMjU2In1dLCJpYXQiOjE1OTIyNDgwMjcsImlzcyI6IkpXVFNlcnZpY2UiLCJzY29wZSI6IndyaXRlIn0.qTHkuBDVuT-Zl5pbJdZ6LoJ9eooFOhhpRdCheauDrlA";

describe("a bundle signed by OPA's tooling", () => {
  const signed = () =>
    files([
      ["foo/bar/.manifest", `{"revision": "quickbrownfaux"}`],
      ["foo/bar/a/b/c/data.json", "[1,2,3]"],
      ["foo/bar/http/policy/policy.rego", "package example"],
      [".signatures.json", `{"signatures": ["${OPA_SIGNED}"]}`],
    ]);

  it("verifies, through a .tar.gz written as OPA writes them", async () => {
    const bundle = unpackFiles(packFiles(signed()));
    const v = await verifyFiles(bundle, { key: "secret", algorithm: "HS256", scope: "write" });
    expect(v.keyId).toBe("foo");
    expect(v.files.map((f) => f.name).sort()).toEqual(["foo/bar/.manifest", "foo/bar/a/b/c/data.json", "foo/bar/http/policy/policy.rego"]);
    expect(v.claims.iss).toBe("JWTService");
  });

  it("is refused with the wrong secret, the wrong algorithm or without its scope", async () => {
    await expect(verifyFiles(signed(), { key: "bad_secret", algorithm: "HS256", scope: "write" })).rejects.toThrow(/does not verify with the given key/);
    await expect(verifyFiles(signed(), { key: "secret", algorithm: "HS512", scope: "write" })).rejects.toThrow(/signed with HS256, expected HS512/);
    await expect(verifyFiles(signed(), { key: "secret", algorithm: "HS256" })).rejects.toThrow(/scope mismatch/);
  });

  it("is refused when a file differs (OPA's digest_mismatch case) or is missing", async () => {
    // TestReadWithSignatures: the token signs a/b/c/data.json with another digest.
    const token =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImZvbyJ9.eyJmaWxlcyI6W3sibmFtZSI6Ii5tYW5pZmVzdCIsImhhc2giOiI1MDdhMmMzOGExNDQxZGI1OGQyY2I4Nzk4MmM0MmFhOTFhNDM0MmVmNDIyYTZiNTQyZWRkZWJlZWY2ZjA0MTJmIiwiYWxnb3JpdGhtIjoiU0hBLTI1NiJ9LHsibmFtZSI6ImEvYi9jL2RhdGEuanNvbiIsImhhc2giOiI0MmNmZTY3NjhiNTdiYjVmNzUwM2MxNjVjMjhkZDA3YWM1YjgxMzU1NGViYzg1MGYyY2MzNTg0M2U3MTM3YjFkIiwiYWxnb3JpdGhtIjoiU0hBLTI1NiJ9LHsibmFtZSI6Imh0dHAvcG9saWN5L3BvbGljeS5yZWdvIiwiaGFzaCI6ImE2MTVlZWFlZTIxZGU1MTc5ZGUwODBkZThjMzA1MmM4ZGE5MDExMzg0MDZiYTcxYzM4YzAzMjg0NWY3ZDU0ZjQiLCJhbGdvcml0aG0iOiJTSEEtMjU2In1dLCJpYXQiOjE1OTIyNDgwMjcsImlzcyI6IkpXVFNlcnZpY2UiLCJrZXlpZCI6ImZvbyIsInNjb3BlIjoid3JpdGUifQ.grzWHYvyVS6LfWy0oiFTEJThKooOAwic8sexYaflzOM";
    const bundle = files([
      [".signatures.json", `{"signatures": ["${token}"]}`],
      ["a/b/c/data.json", "[1,2,3]"],
      [".manifest", `{"revision": "quickbrownfaux"}`],
    ]);
    const err = await verifyFiles(bundle, { key: "secret", algorithm: "HS256", scope: "write" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerificationError);
    expect((err as VerificationError).problems).toEqual([
      "a/b/c/data.json: digest mismatch (file changed since signing; signed 42cfe6768b57bb5f7503c165c28dd07ac5b813554ebc850f2cc35843e7137b1d, found a615eeaee21de5179de080de8c3052c8da901138406ba71c38c032845f7d54f4)",
      "http/policy/policy.rego: signed but missing from the bundle",
    ]);
  });
});

describe("an RS256 token OPA signed (TestVerifyJWTSignature)", () => {
  const token =
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImZvbyJ9.eyJmaWxlcyI6W3sibmFtZSI6ImRiL3VhbTIvZW50aXRsZW1lbnRzL2RhdGEuanNvbiIsImhhc2giOiJjMjEzMTU0NGM3MTZhMjVhNWUzMWY1MDQzMDBmNTI0MGU4MjM1Y2FkYjlhNTdmMGJkMWI2ZjRiZDc0YjI2NjEyIiwiYWxnb3JpdGhtIjoic2hhMjU2In0seyJuYW1lIjoiZGIvdWFtMi9wb2xpY3kvb3BhLXBvbGljeS5yZWdvIiwiaGFzaCI6IjQyY2ZlNjc2OGI1N2JiNWY3NTAzYzE2NWMyOGRkMDdhYzViODEzNTU0ZWJjODUwZjJjYzM1ODQzZTcxMzdiMWQifV0sImlhdCI6MTU5MjI1MTQwNiwiaXNzIjoiSldUU2VydmljZSIsInNjb3BlIjoid3JpdGUifQ.UZcX_Qj29o213nwZ5mysiyNcgAp1AOqCkDLkj1KGZ7Cw3l17TbkF8t3FJd654sf762NGcABA0WQ2zxq-labXl_d5TKQmq23lurO3qLHI1cKQPyoxPbddGo78sJpMwWsiMyEYcyyKC9FpNUpa8cT81GPo4q9Zui8TAD0wtHh2YxBL7E8QYLJxcLMJTJxVBgrQGLXFT7vYRc6hJz9Vu-i0SWuLBGxOCmYoHr4DWFfy0IhAbhiUFyLRpukfBPjCJNYY5LgaZdN6LaYivtIEUms5jUuXubBimLJm7KOT5-bgJMXTcUsbrbl2Ma7PwG5IOKjjgyEvH8KVfGFZSzNrpuxKmA";
  const publicKey = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA9KaakMv1XKKDaSch3PFR
3a27oaHp1GNTTNqvb1ZaHZXp+wuhYDwc/MTE67x9GCifvQBWzEGorgTq7aisiOyl
vKifwz6/wQ+62WHKG/sqKn2Xikp3P63aBIPlZcHbkyyRmL62yeyuzYoGvLEYel+m
z5SiKGBwviSY0Th2L4e5sGJuk2HOut6emxDi+E2Fuuj5zokFJvIT6Urlq8f3h6+l
GeR6HUOXqoYVf7ff126GP7dticTVBgibxkkuJFmpvQSW6xmxruT4k6iwjzbZHY7P
ypZ/TdlnuGC1cOpAVyU7k32IJ9CRbt3nwEf5U54LRXLLQjFixWZHwKdDiMTF4ws0
+wIDAQAB
-----END PUBLIC KEY-----`;
  const otherKey = `-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDMYfnvWtC8Id5bPKae5yXSxQTt
+Zpul6AnnZWfI2TtIarvjHBFUtXRo96y7hoL4VWOPKGCsRqMFDkrbeUjRrx8iL91
4/srnyf6sh9c8Zk04xEOpK1ypvBz+Ks4uZObtjnnitf0NBGdjMKxveTq+VE7BWUI
yQjtQ8mbDOsiLLvh7wIDAQAB
-----END PUBLIC KEY-----`;
  const bundle = files([[".signatures.json", `{"signatures": ["${token}"]}`]]);

  it("checks with OPA's public key: only the (absent) signed files are reported", async () => {
    const err = (await verifyFiles(bundle, { key: publicKey, algorithm: "RS256", scope: "write" }).catch((e: unknown) => e)) as VerificationError;
    expect(err.problems).toEqual(["db/uam2/entitlements/data.json: signed but missing from the bundle", "db/uam2/policy/opa-policy.rego: signed but missing from the bundle"]);
  });

  it("fails with another public key", async () => {
    await expect(verifyFiles(bundle, { key: otherKey, algorithm: "RS256", scope: "write" })).rejects.toThrow(/does not verify with the given key/);
  });
});
