// The bundle manifest (`/.manifest`) as OPA defines it, and OPA's rules for it: roots that do
// not overlap, policies and data inside the roots, wasm modules that exist, one module per
// entrypoint. See OPA's bundle docs ("Bundle File Format") and bundle/bundle.go.
import { BundleError } from "./errors.ts";
import { MANIFEST } from "./hash.ts";

export interface WasmResolver {
  /** `authz/allow`: the document the module evaluates. */
  entrypoint: string;
  /** `/policy.wasm`: the module's path in the bundle, with OPA's leading slash. */
  module: string;
}

export interface Manifest {
  revision: string;
  /** Paths under `data` the bundle owns; `[""]` (all of data) when the manifest gives none. */
  roots: string[];
  wasm: WasmResolver[];
  rego_version?: number;
  metadata?: Record<string, unknown>;
  /** Members OPA knows and Warden keeps but does not interpret (file_rego_versions, ...). */
  [other: string]: unknown;
}

/** Parses `.manifest` text, filling OPA's defaults; malformed fields are refused. */
export function parseManifest(bytes: Uint8Array | undefined): Manifest {
  if (bytes === undefined) return { revision: "", roots: [""], wasm: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new BundleError(`invalid JSON: ${(e as Error).message}`, MANIFEST);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new BundleError("must hold a JSON object", MANIFEST);
  const m = raw as Record<string, unknown>;
  const revision = m.revision ?? "";
  if (typeof revision !== "string") throw new BundleError("revision must be a string", MANIFEST);
  const roots = m.roots ?? [""];
  if (!Array.isArray(roots) || !roots.every((r) => typeof r === "string")) throw new BundleError("roots must be a list of strings", MANIFEST);
  const wasm = m.wasm ?? [];
  if (!Array.isArray(wasm)) throw new BundleError("wasm must be a list", MANIFEST);
  for (const w of wasm) {
    if (typeof w !== "object" || w === null || typeof w.entrypoint !== "string" || typeof w.module !== "string") {
      throw new BundleError('each wasm entry needs string "entrypoint" and "module"', MANIFEST);
    }
  }
  if (m.metadata !== undefined && (typeof m.metadata !== "object" || m.metadata === null || Array.isArray(m.metadata))) {
    throw new BundleError("metadata must be an object", MANIFEST);
  }
  return { ...m, revision, roots: roots.map((r: string) => r.replace(/^\/+|\/+$/g, "")), wasm: wasm as WasmResolver[] };
}

/** The manifest's bytes as Warden writes them: fixed key order, two-space indent, final newline. */
export function serializeManifest(m: Manifest): Uint8Array {
  const { revision, roots, wasm, rego_version, metadata, ...rest } = m;
  const ordered = { revision, roots, wasm: wasm.map((w) => ({ entrypoint: w.entrypoint, module: w.module })), rego_version, metadata, ...rest };
  return new TextEncoder().encode(JSON.stringify(ordered, null, 2) + "\n");
}

/** OPA's RootPathsContain: `path` is a root or lies below one (`""` contains everything). */
export function rootsContain(roots: string[], path: string): boolean {
  const p = path.split("/").filter((s) => s !== "");
  return roots.some((r) => {
    const rs = r.split("/").filter((s) => s !== "");
    return rs.length <= p.length && rs.every((s, i) => s === p[i]);
  });
}

/** Checks OPA's manifest rules against the bundle's contents; throws the first violation. */
export function validateManifest(
  m: Manifest,
  contents: { packages: { file: string; path: string[] }[]; data: Record<string, unknown>; wasmFiles: string[] },
): void {
  for (let i = 0; i < m.roots.length; i++) {
    for (let j = i + 1; j < m.roots.length; j++) {
      if (rootsContain([m.roots[i]!], m.roots[j]!) || rootsContain([m.roots[j]!], m.roots[i]!)) {
        throw new BundleError(`manifest has overlapped roots: '${m.roots[i]}' and '${m.roots[j]}'`, MANIFEST);
      }
    }
  }
  for (const p of contents.packages) {
    if (!rootsContain(m.roots, p.path.join("/"))) {
      throw new BundleError(`manifest roots ${JSON.stringify(m.roots)} do not permit 'package ${p.path.join(".")}'`, p.file);
    }
  }
  const seen = new Set<string>();
  for (const w of m.wasm) {
    if (!contents.wasmFiles.includes(w.module.replace(/^\//, ""))) {
      throw new BundleError(`manifest references wasm module '${w.module}' but the module file does not exist`, MANIFEST);
    }
    if (!rootsContain(m.roots, w.entrypoint)) {
      throw new BundleError(`manifest roots ${JSON.stringify(m.roots)} do not permit '${w.entrypoint}' entrypoint for wasm module '${w.module}'`, MANIFEST);
    }
    if (seen.has(w.entrypoint)) throw new BundleError(`entrypoint '${w.entrypoint}' cannot be used by more than one wasm module`, MANIFEST);
    seen.add(w.entrypoint);
  }
  checkDataRoots(m.roots, contents.data, []);
}

/** Every leaf of data lies under a root, or on the way to one (as OPA's dfs over the data). */
function checkDataRoots(roots: string[], node: unknown, path: string[]): void {
  if (path.length > 0 && rootsContain(roots, path.join("/"))) return;
  if (typeof node === "object" && node !== null && !Array.isArray(node)) {
    const onTheWay = path.length === 0 || roots.some((r) => rootsContain([path.join("/")], r));
    if (onTheWay) {
      for (const [k, v] of Object.entries(node)) checkDataRoots(roots, v, [...path, k]);
      return;
    }
  }
  throw new BundleError(`manifest roots ${JSON.stringify(roots)} do not permit data at path '/${path.join("/")}'`, "data");
}
