// The store keeps every revision it is given, by content, and never replaces one.
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packFiles } from "../../src/bundle/archive.ts";
import { readBundle } from "../../src/bundle/bundle.ts";
import { signBundle } from "../../src/bundle/sign.ts";
import { openStore } from "../../src/bundle/store.ts";
import { handmadeBundle, handmadeFiles, tempDir } from "./helpers.ts";

const enc = new TextEncoder();

describe("bundle store", () => {
  it("stores by revision, lists, and gives the bytes back", () => {
    const dir = join(tempDir(), "bundles");
    const store = openStore(dir);
    expect(store.list()).toEqual([]);
    const bytes = handmadeBundle();
    const rev = readBundle(bytes).revision;
    const { entry, added } = store.put(bytes, new Date("2025-01-02T03:04:05Z"));
    expect(added).toBe(true);
    expect(entry).toEqual({ revision: rev, entrypoints: ["authz/allow"], signer: null, signed: false, size: bytes.length, published_at: "2025-01-02T03:04:05.000Z" });
    expect(existsSync(join(dir, `${rev}.tar.gz`))).toBe(true);
    expect(Buffer.from(store.get(rev)).equals(Buffer.from(bytes))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, "index.json"), "utf8")).bundles).toEqual([entry]);
    expect(readdirSync(dir).sort()).toEqual([`${rev}.tar.gz`, "index.json"]); // no temporary files left
  });

  it("publishing the same bytes again changes nothing", () => {
    const store = openStore(tempDir());
    const bytes = handmadeBundle();
    const first = store.put(bytes, new Date("2025-01-01T00:00:00Z"));
    const again = store.put(bytes, new Date("2026-01-01T00:00:00Z"));
    expect(again.added).toBe(false);
    expect(again.entry).toEqual(first.entry);
    expect(store.list()).toHaveLength(1);
  });

  it("never overwrites a revision with other bytes", async () => {
    const store = openStore(tempDir());
    const unsigned = handmadeBundle();
    store.put(unsigned);
    const signed = await signBundle(unsigned, { key: "secret-for-tests", algorithm: "HS256", keyId: "ci" });
    expect(readBundle(signed).revision).toBe(readBundle(unsigned).revision);
    expect(() => store.put(signed)).toThrow(/already stored with different bytes/);
    expect(Buffer.from(store.get(readBundle(unsigned).revision)).equals(Buffer.from(unsigned))).toBe(true);
  });

  it("records the signer of a signed bundle and keeps revisions in publish order", async () => {
    const store = openStore(tempDir());
    const a = await signBundle(handmadeBundle("package authz\n\nallow := true\n"), { key: "k", algorithm: "HS256", keyId: "release-key" });
    const b = handmadeBundle("package authz\n\nallow := false\n");
    store.put(a);
    store.put(b);
    expect(store.list().map((e) => [e.signer, e.signed])).toEqual([["release-key", true], [null, false]]);
  });

  it("refuses a bundle whose manifest revision is not its content hash", () => {
    const files = new Map(handmadeFiles());
    files.set("authz/policy.rego", enc.encode("package authz\n\nallow := 1\n")); // changed after the build
    expect(() => openStore(tempDir()).put(packFiles(files))).toThrow(/is not the bundle's content hash/);
    files.set(".manifest", enc.encode('{"revision": "../../etc/passwd"}'));
    expect(() => openStore(tempDir()).put(packFiles(files))).toThrow(/is not the bundle's content hash/);
  });

  it("refuses to serve a stored bundle altered on disk, and bad revision names", () => {
    const dir = tempDir();
    const store = openStore(dir);
    const bytes = handmadeBundle();
    const rev = readBundle(bytes).revision;
    store.put(bytes);
    const files = new Map(handmadeFiles());
    files.set("data.json", enc.encode('{"authz":{}}'));
    writeFileSync(join(dir, `${rev}.tar.gz`), packFiles(files));
    expect(() => store.get(rev)).toThrow(/does not hash to its revision/);
    expect(() => store.get("../secret")).toThrow(/not a revision/);
    expect(() => store.get("0".repeat(64))).toThrow(/no bundle with revision/);
  });
});
