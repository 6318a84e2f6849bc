// Building a bundle from policy directories: sources and data in, deterministic files out.
// The same sources give the same files, the same revision and (with the same zlib) the same
// .tar.gz bytes on any machine: nothing depends on time, order of the file system, or user.
import { readFileSync, statSync } from "node:fs";
import { basename, relative, sep } from "node:path";
import { loadPaths } from "../load.ts";
import { compileModules } from "../compiler/compile.ts";
import type { SourceFile } from "../engine.ts";
import { RegoError, RegoErrors } from "../errors.ts";
import { parseAll } from "../pipeline.ts";
import { planEntrypoints } from "../planner/planner.ts";
import { compileWasm } from "../wasm/compile.ts";
import { runtimeIsBuilt } from "../wasm/runtime-build.ts";
import { comparePaths, packFiles, sortedFiles, type BundleFiles } from "./archive.ts";
import { annotatedEntrypoints, normalizeEntrypoint } from "./entrypoints.ts";
import { BundleError } from "./errors.ts";
import { MANIFEST, contentRevision } from "./hash.ts";
import { serializeManifest, type Manifest } from "./manifest.ts";

export interface BuildOptions {
  /** Policy directories or files (default `policy`). */
  paths: string[];
  /** Entrypoints (`authz/allow` or `data.authz.allow`), added to those annotated `entrypoint: true`. */
  entrypoints?: string[];
  /** Progress messages for long steps (the CLI prints them to stderr). */
  progress?: (message: string) => void;
  /** The sources' dialect (default 1); written to the manifest's `rego_version`. */
  regoVersion?: 0 | 1;
}

export interface BuildResult {
  files: BundleFiles;
  manifest: Manifest;
  revision: string;
  entrypoints: string[];
}

const WASM_MODULE = "policy.wasm";

/** Compiles the policies and lays out the bundle's files (see packFiles for the .tar.gz). */
export async function buildBundle(opts: BuildOptions): Promise<BuildResult> {
  const progress = opts.progress ?? (() => {});
  const paths = opts.paths.length > 0 ? opts.paths : ["policy"];
  const files: BundleFiles = new Map();
  const origin = new Map<string, string>();
  const sources: SourceFile[] = [];
  for (const root of paths) {
    const isDir = statSync(root, { throwIfNoEntry: false })?.isDirectory() ?? false;
    for (const src of loadPaths([root]).sources) {
      const path = isDir ? relative(root, src.file).split(sep).join("/") : basename(src.file);
      const before = origin.get(path);
      if (before !== undefined) throw new BundleError(`two sources have this bundle path: ${before} and ${src.file}`, path);
      origin.set(path, src.file);
      files.set(path, readFileSync(src.file));
      // Compiled under its bundle path: locations end up in the module, and must not depend on where DIR is.
      sources.push({ file: path, text: src.text, regoVersion: opts.regoVersion ?? 1 });
    }
  }
  const onDisk = (e: RegoError) => (e.loc ? new RegoError(e.code, e.detail, { ...e.loc, file: origin.get(e.loc.file) ?? e.loc.file }) : e);
  const located = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof RegoErrors) throw new RegoErrors(e.errors.map(onDisk));
      if (e instanceof RegoError) throw onDisk(e);
      throw e;
    }
  };
  const modules = located(() => parseAll(sources));
  const entrypoints = [...new Set([...(opts.entrypoints ?? []).map(normalizeEntrypoint), ...annotatedEntrypoints(modules)])];
  if (entrypoints.length === 0) throw new BundleError("no entrypoints: give -e ENTRYPOINT or annotate rules with `entrypoint: true`");
  const policy = located(() => planEntrypoints(compileModules(modules), entrypoints));
  progress(`compiling ${entrypoints.length} entrypoint(s) to WebAssembly${runtimeIsBuilt() ? "" : " (building the WebAssembly runtime first: once, cached in build/)"}`);
  const mod = await compileWasm(policy);
  const data = loadPaths(paths).data;
  files.set("data.json", new TextEncoder().encode(stableJSON(data) + "\n"));
  files.set(WASM_MODULE, mod.wasm);
  const revision = contentRevision(files);
  const manifest: Manifest = {
    revision,
    roots: rootsOf(modules.map((m) => m.package.path), data),
    wasm: entrypoints.map((entrypoint) => ({ entrypoint, module: `/${WASM_MODULE}` })),
    rego_version: opts.regoVersion ?? 1,
    metadata: { warden: { version: wardenVersion() } },
  };
  files.set(MANIFEST, serializeManifest(manifest));
  return { files: sortedFiles(files), manifest, revision, entrypoints };
}

/** Builds and packs: the .tar.gz bytes. */
export async function buildBundleBytes(opts: BuildOptions): Promise<{ bytes: Uint8Array } & BuildResult> {
  const r = await buildBundle(opts);
  return { ...r, bytes: packFiles(r.files) };
}

/**
 * The roots a bundle claims: the first segment of every package and of every top-level data
 * key, sorted. They never overlap, and they leave the rest of `data` to other bundles.
 */
function rootsOf(packages: string[][], data: Record<string, unknown>): string[] {
  const roots = new Set<string>();
  for (const p of packages) if (p[0] !== undefined) roots.add(p[0]);
  for (const k of Object.keys(data)) roots.add(k);
  return roots.size === 0 ? [""] : [...roots].sort(comparePaths);
}

/** JSON with object keys in byte order at every level (BigInts from YAML written as integers). */
export function stableJSON(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "bigint") return v.toString();
  if (typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableJSON).join(",")}]`;
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  const keys = Object.keys(v).sort(comparePaths);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJSON((v as Record<string, unknown>)[k])}`).join(",")}}`;
}

let version: string | undefined;
function wardenVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  return version;
}
