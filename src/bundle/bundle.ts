// Reading a bundle: bytes to files to a checked, typed view (manifest, data, modules, wasm).
// Reading does not verify signatures (see verify.ts and loadBundle in index.ts).
import { parse as parseYaml } from "yaml";
import { unpackFiles, type BundleFiles, type ReadLimits } from "./archive.ts";
import { BundleError } from "./errors.ts";
import { MANIFEST, SIGNATURES, contentRevision } from "./hash.ts";
import { parseManifest, validateManifest, type Manifest } from "./manifest.ts";

export interface Bundle {
  manifest: Manifest;
  /** The manifest's revision: for Warden bundles, the content hash (see hash.ts). */
  revision: string;
  /** The content hash computed from the files; equals `revision` unless built by another tool or altered. */
  contentRevision: string;
  /** Every member, by path without leading slash, sorted. */
  files: BundleFiles;
  /** Every data.json / data.yaml merged at its directory's path. */
  data: Record<string, unknown>;
  /** Rego sources, by bundle path. */
  modules: { path: string; text: string }[];
  /** WebAssembly modules with the entrypoints the manifest maps to them. */
  wasm: { path: string; bytes: Uint8Array; entrypoints: string[] }[];
  /** All entrypoints (`authz/allow`), in manifest order. */
  entrypoints: string[];
  /** True when `.signatures.json` is present (not whether it verifies). */
  signed: boolean;
}

/** Unpacks and checks a bundle (.tar.gz bytes). Throws BundleError naming the file at fault. */
export function readBundle(bytes: Uint8Array, limits: ReadLimits = {}): Bundle {
  return bundleFromFiles(unpackFiles(bytes, limits));
}

/** The checked view of already unpacked files (an unpacked bundle directory, for instance). */
export function bundleFromFiles(files: BundleFiles): Bundle {
  const manifest = parseManifest(files.get(MANIFEST));
  const data: Record<string, unknown> = {};
  const modules: Bundle["modules"] = [];
  const packages: { file: string; path: string[] }[] = [];
  const wasmFiles: string[] = [];
  const text = new TextDecoder();
  for (const [path, bytes] of files) {
    const base = path.slice(path.lastIndexOf("/") + 1);
    const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")).split("/") : [];
    if (path.endsWith(".rego")) {
      const src = text.decode(bytes);
      modules.push({ path, text: src });
      const pkg = packageOf(src);
      if (!pkg) throw new BundleError("no package declaration found", path);
      packages.push({ file: path, path: pkg });
    } else if (base === "policy.wasm") {
      wasmFiles.push(path);
    } else if (base === "data.json") {
      insertData(data, dir, parseJSON(bytes, path), path);
    } else if (base === "data.yaml" || base === "data.yml") {
      insertData(data, dir, parseYAML(bytes, path), path);
    }
  }
  validateManifest(manifest, { packages, data, wasmFiles });
  const wasm = wasmFiles.map((p) => ({
    path: p,
    bytes: files.get(p)!,
    entrypoints: manifest.wasm.filter((w) => w.module.replace(/^\//, "") === p).map((w) => w.entrypoint),
  }));
  return {
    manifest,
    revision: manifest.revision,
    contentRevision: contentRevision(files),
    files,
    data,
    modules,
    wasm,
    entrypoints: manifest.wasm.map((w) => w.entrypoint),
    signed: files.has(SIGNATURES),
  };
}

/** The package path of a Rego source (`package a.b` is ["a", "b"]), read from its first declaration. */
function packageOf(src: string): string[] | undefined {
  for (const line of src.split("\n")) {
    const t = line.trim();
    if (t === "" || t.startsWith("#")) continue;
    const m = /^package\s+([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*|\["[^"\\]*"\])*)/.exec(t);
    if (!m) return undefined;
    return m[1]!.match(/[A-Za-z_][A-Za-z0-9_]*|"[^"]*"/g)!.map((s) => s.replace(/^"|"$/g, ""));
  }
  return undefined;
}

function parseJSON(bytes: Uint8Array, path: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new BundleError(`invalid JSON: ${(e as Error).message}`, path);
  }
}

function parseYAML(bytes: Uint8Array, path: string): unknown {
  try {
    return parseYaml(new TextDecoder().decode(bytes), { maxAliasCount: 1000 });
  } catch (e) {
    throw new BundleError(`invalid YAML: ${(e as Error).message.split("\n")[0]}`, path);
  }
}

/** Places a data document at `dir` (`a/b/data.json` is data.a.b), merging objects, refusing conflicts. */
function insertData(root: Record<string, unknown>, dir: string[], value: unknown, file: string): void {
  if (dir.length === 0) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new BundleError("data at the bundle root must be an object", file);
    merge(root, value as Record<string, unknown>, file, []);
    return;
  }
  let node = root;
  for (const seg of dir.slice(0, -1)) {
    const next = own(node, seg);
    if (next === undefined) setOwn(node, seg, {});
    else if (typeof next !== "object" || next === null || Array.isArray(next)) throw new BundleError(`data conflicts with a value at ${seg}`, file);
    node = own(node, seg) as Record<string, unknown>;
  }
  const last = dir[dir.length - 1]!;
  const existing = own(node, last);
  if (existing === undefined) setOwn(node, last, value);
  else if (isObject(existing) && isObject(value)) merge(existing, value, file, dir);
  else throw new BundleError(`data conflicts with other data at /${dir.join("/")}`, file);
}

// Own properties only, defined rather than assigned: a hostile "__proto__" key stays a plain key.
const own = (o: Record<string, unknown>, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);
const setOwn = (o: Record<string, unknown>, k: string, v: unknown): void => {
  Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function merge(into: Record<string, unknown>, from: Record<string, unknown>, file: string, at: string[]): void {
  for (const [k, v] of Object.entries(from)) {
    const cur = own(into, k);
    if (cur === undefined) setOwn(into, k, v);
    else if (isObject(cur) && isObject(v)) merge(cur, v, file, [...at, k]);
    else throw new BundleError(`data conflicts with other data at /${[...at, k].join("/")}`, file);
  }
}
