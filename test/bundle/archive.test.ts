// Packing is deterministic; unpacking refuses hostile archives, naming the member at fault.
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { packFiles, unpackFiles } from "../../src/bundle/archive.ts";
import { readBundle } from "../../src/bundle/bundle.ts";
import { writeTar } from "../../src/bundle/tar.ts";
import { handmadeFiles, rawTar } from "./helpers.ts";

const enc = new TextEncoder();
const gz = (b: Uint8Array) => new Uint8Array(gzipSync(b));

describe("packing", () => {
  it("gives the same bytes whatever the order the files were added in", () => {
    const files = handmadeFiles();
    const reversed = new Map([...files].reverse());
    expect(Buffer.from(packFiles(reversed)).equals(Buffer.from(packFiles(files)))).toBe(true);
  });

  it("writes a gzip header with mtime 0 and OS 'unknown', and tar entries with fixed metadata", () => {
    const bytes = packFiles(handmadeFiles());
    expect([...bytes.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff]);
    const names = [...unpackFiles(bytes).keys()];
    expect(names).toEqual([".manifest", "authz/policy.rego", "data.json", "policy.wasm"]);
  });

  it("round-trips long paths through the ustar prefix field", () => {
    const long = `${"d".repeat(120)}/${"f".repeat(90)}.rego`;
    const files = new Map([[long, enc.encode("package x\n")]]);
    expect([...unpackFiles(packFiles(files)).keys()]).toEqual([long]);
  });
});

describe("unpacking hostile archives", () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ["a parent directory reference", gz(rawTar([{ name: "../evil.rego", data: "x" }])), /"\.\.\/evil\.rego": unsafe path in bundle \(parent directory reference\)/],
    ["a nested parent reference", gz(rawTar([{ name: "a/../../evil", data: "x" }])), /parent directory reference/],
    ["an absolute path after OPA's one leading slash", gz(rawTar([{ name: "//etc/passwd", data: "x" }])), /absolute path/],
    ["a backslash", gz(rawTar([{ name: "a\\..\\b", data: "x" }])), /backslash/],
    ["a drive letter", gz(rawTar([{ name: "C:/x", data: "x" }])), /drive letter/],
    ["a symbolic link", gz(rawTar([{ name: "link", type: "2", linkname: "/etc/passwd" }])), /link: symbolic links are not allowed/],
    ["a hard link", gz(rawTar([{ name: "hard", type: "1", linkname: "data.json" }])), /hard: hard links are not allowed/],
    ["a device", gz(rawTar([{ name: "dev", type: "3" }])), /dev: only regular files/],
    ["duplicate entries", gz(rawTar([{ name: "/data.json", data: "{}" }, { name: "data.json", data: "{}" }])), /data\.json: duplicate entry/],
    ["a file larger than the archive", gz(rawTar([{ name: "x", data: "abc", size: 4096 }]).subarray(0, 1024)), /truncated tar archive/],
    ["not gzip", enc.encode("just text"), /not a gzip file/],
    ["corrupt gzip", new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]), /malformed gzip data/],
  ];
  for (const [what, bytes, message] of cases) {
    it(`refuses ${what}`, () => {
      expect(() => unpackFiles(bytes)).toThrow(message);
    });
  }

  it("refuses a bad header checksum", () => {
    const tar = rawTar([{ name: "a.rego", data: "package a" }]);
    tar[0] = "b".charCodeAt(0); // the name changes, the checksum does not
    expect(() => unpackFiles(gz(tar))).toThrow(/bad tar header checksum at offset 0/);
  });

  it("caps decompressed bytes: a gzip bomb fails before it is inflated", () => {
    const bomb = gz(writeTar([{ name: "data.json", data: new Uint8Array(8 * 1024 * 1024) }]));
    expect(bomb.length).toBeLessThan(64 * 1024);
    expect(() => unpackFiles(bomb, { maxBytes: 1024 * 1024 })).toThrow(/decompressed bundle exceeds the limit of 1048576 bytes/);
  });

  it("caps one member's size", () => {
    const bytes = gz(writeTar([{ name: "policy.wasm", data: new Uint8Array(5000) }]));
    expect(() => unpackFiles(bytes, { maxFileBytes: 4096 })).toThrow(/policy\.wasm: entry declares 5000 bytes, over the limit of 4096/);
  });

  it("caps the number of entries", () => {
    const bytes = gz(writeTar(Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, data: new Uint8Array(0) }))));
    expect(() => unpackFiles(bytes, { maxEntries: 10 })).toThrow(/more than 10 tar entries/);
  });

  it("skips directory entries and accepts OPA's leading slashes and PAX headers", () => {
    const record = " path=authz/from-pax.rego\n";
    const pax = `${record.length + 2}${record}`; // the length counts its own two digits
    const tar = rawTar([
      { name: "authz/", type: "5" },
      { name: "PaxHeader", type: "x", data: pax },
      { name: "short-name", data: "package authz\n" },
      { name: "/data.json", data: "{}" },
    ]);
    expect([...unpackFiles(gz(tar)).keys()]).toEqual(["authz/from-pax.rego", "data.json"]);
  });

  it("reports malformed JSON and manifests naming the file", () => {
    const withBadData = new Map(handmadeFiles());
    withBadData.set("authz/data.json", enc.encode("{not json"));
    expect(() => readBundle(packFiles(withBadData))).toThrow(/^authz\/data\.json: invalid JSON/);
    const withBadManifest = new Map(handmadeFiles());
    withBadManifest.set(".manifest", enc.encode('{"roots": "authz"}'));
    expect(() => readBundle(packFiles(withBadManifest))).toThrow(/^\.manifest: roots must be a list of strings/);
  });

  it("keeps a hostile __proto__ key as plain data", () => {
    const files = new Map(handmadeFiles());
    files.set("authz/x/data.json", enc.encode('{"__proto__": {"polluted": true}}'));
    const b = readBundle(packFiles(files));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn((b.data.authz as Record<string, Record<string, unknown>>).x!, "__proto__")).toBe(true);
  });
});

describe("OPA's manifest rules", () => {
  const withManifest = (m: object, extra: [string, string][] = []) => {
    const files = new Map(handmadeFiles());
    files.set(".manifest", enc.encode(JSON.stringify(m)));
    for (const [k, v] of extra) files.set(k, enc.encode(v));
    return packFiles(files);
  };
  it("defaults roots to everything and reads OPA's wasm list", () => {
    const b = readBundle(withManifest({ revision: "quickbrownfaux", wasm: [{ entrypoint: "authz/allow", module: "/policy.wasm" }] }));
    expect(b.manifest.roots).toEqual([""]);
    expect(b.entrypoints).toEqual(["authz/allow"]);
    expect(b.wasm[0]!.entrypoints).toEqual(["authz/allow"]);
  });
  it("refuses overlapping roots", () => {
    expect(() => readBundle(withManifest({ roots: ["authz", "authz/x"] }))).toThrow(/overlapped roots: 'authz' and 'authz\/x'/);
  });
  it("refuses a package outside the roots", () => {
    expect(() => readBundle(withManifest({ roots: ["authz"] }, [["other/p.rego", "package other.p\n"]]))).toThrow(/other\/p\.rego: manifest roots \["authz"\] do not permit 'package other\.p'/);
  });
  it("refuses data outside the roots", () => {
    expect(() => readBundle(withManifest({ roots: ["authz"] }, [["users/data.json", "{}"]]))).toThrow(/do not permit data at path '\/users'/);
  });
  it("refuses a wasm entry whose module is missing, or an entrypoint given twice", () => {
    expect(() => readBundle(withManifest({ wasm: [{ entrypoint: "authz/allow", module: "/other.wasm" }] }))).toThrow(/module file does not exist/);
    const twice = [{ entrypoint: "authz/allow", module: "/policy.wasm" }, { entrypoint: "authz/allow", module: "/policy.wasm" }];
    expect(() => readBundle(withManifest({ wasm: twice }))).toThrow(/cannot be used by more than one wasm module/);
  });
});
