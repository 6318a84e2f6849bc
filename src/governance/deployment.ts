// Where a governed service finds its pieces: the store (audit trail and governance state), the
// bundle store, the revision in force and the key that verifies it, the entrypoint it asks, and
// the state documents actions change. A deployment comes from a config file: `warden.yaml`
// (written by `warden init`, documented there), found from the working directory upward, or
// named by --config / $WARDEN_CONFIG; or `.warden/deployment.json` (written by `warden demo`).
// Relative paths in either are relative to the directory the file configures (warden.yaml's own
// directory; the directory holding .warden/). Every command reads it; flags override it.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { loadSigner, type Signer } from "../audit/checkpoint.ts";
import { Checkpointer } from "../audit/checkpointer.ts";
import { AuditLog } from "../audit/log.ts";
import { storeURL } from "../audit/db.ts";
import { openStore as openBundleStore } from "../bundle/store.ts";
import { Evaluator } from "../evaluator/evaluator.ts";
import { FileStateStore } from "../rollback/store.ts";
import { Governor, type Mode } from "./governor.ts";

export interface Deployment {
  /** The audit and governance store (see audit/db.ts openStore). */
  store: string;
  /** The bundle store directory. */
  bundles: string;
  /** The revision in force. */
  revision: string;
  /** Verification key file (PEM) and algorithm that every bundle must be signed for. */
  verification_key?: string;
  algorithm?: string;
  /** Load unsigned bundles when no key is configured: for development only (refused otherwise). */
  allow_unsigned?: boolean;
  /** The decision entrypoint the governor asks (default governance/decision). */
  entrypoint?: string;
  /** Where state documents live (FileStateStore). */
  state: string;
  mode: Mode;
  /**
   * Signed checkpoints of the audit tree, written while the governor runs: the log's signer key
   * file (warden audit keygen), its origin when the key is PEM, where to keep them (a directory
   * outside the store and/or a URL they are POSTed to), and how often (default every 1000
   * records or 60 seconds).
   */
  checkpoint_key?: string;
  checkpoint_origin?: string;
  checkpoint_dir?: string;
  checkpoint_url?: string;
  checkpoint_every_records?: number;
  checkpoint_every_seconds?: number;
  /** Settings of `warden serve` (a mapping; src/serve/config.ts checks it); config_dir is added: the directory its paths are relative to. */
  serve?: Record<string, unknown>;
  /** Settings of `warden mcp-gateway` (a mapping; src/cli/commands/mcp-gateway.ts checks it); config_dir is added as for serve. */
  mcp_gateway?: Record<string, unknown>;
}

/** What `warden demo` writes, relative to the directory it configures. */
export const DEPLOYMENT_FILE = ".warden/deployment.json";
/** What `warden init` writes. */
export const CONFIG_FILE = "warden.yaml";

const CHECKPOINT_KEYS = ["checkpoint_key", "checkpoint_origin", "checkpoint_dir", "checkpoint_url", "checkpoint_every_records", "checkpoint_every_seconds"] as const;
const KEYS = ["store", "bundles", "revision", "verification_key", "algorithm", "allow_unsigned", "entrypoint", "state", "mode", "serve", "mcp_gateway", ...CHECKPOINT_KEYS] as const;
const PATH_KEYS = ["bundles", "verification_key", "state", "checkpoint_key", "checkpoint_dir"] as const;
const COUNT_KEYS: readonly string[] = ["checkpoint_every_records", "checkpoint_every_seconds"];

/** Whether a setting's value has the right type, else what it must be. */
function settingError(k: string, v: unknown): string | undefined {
  if (k === "allow_unsigned") return typeof v === "boolean" ? undefined : "true or false";
  if (k === "mode") return v === "enforce" || v === "shadow" ? undefined : "enforce or shadow";
  if (k === "serve" || k === "mcp_gateway") return typeof v === "object" && !Array.isArray(v) ? undefined : "a mapping of settings";
  if (COUNT_KEYS.includes(k)) return Number.isSafeInteger(v) && (v as number) > 0 ? undefined : "a whole number above 0";
  return typeof v === "string" ? undefined : "a string";
}

/**
 * The config file in force: `explicit` (--config), else $WARDEN_CONFIG, else the nearest
 * warden.yaml or .warden/deployment.json from `from` upward (warden.yaml first in a directory).
 */
export function findConfig(explicit?: string, from = process.cwd()): string | undefined {
  const named = explicit ?? (process.env.WARDEN_CONFIG || undefined);
  if (named !== undefined) {
    if (!existsSync(named)) throw new DeploymentError(`no config file ${named}`);
    return resolve(named);
  }
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    for (const name of [CONFIG_FILE, DEPLOYMENT_FILE]) if (existsSync(join(dir, name))) return join(dir, name);
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Reads a config file (YAML or JSON) and checks its keys; relative paths are resolved against
 * the directory it configures. A missing file is undefined.
 */
export function readConfig(file: string): Partial<Deployment> | undefined {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8");
  let raw: unknown;
  try {
    raw = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new DeploymentError(`${file}: ${(e as Error).message.split("\n")[0]}`);
  }
  raw ??= {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw new DeploymentError(`${file}: not a mapping of settings`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (!(KEYS as readonly string[]).includes(k)) throw new DeploymentError(`${file}: unknown setting ${JSON.stringify(k)} (settings: ${KEYS.join(", ")})`);
    if (v === null || v === undefined || v === "") continue;
    const wrong = settingError(k, v);
    if (wrong) throw new DeploymentError(`${file}: ${k}: ${wrong}, not ${JSON.stringify(v)}`);
    out[k] = v;
  }
  // .warden/deployment.json configures the directory holding .warden/; warden.yaml its own.
  const base = basename(dirname(file)) === ".warden" && basename(file) === basename(DEPLOYMENT_FILE) ? dirname(dirname(file)) : dirname(file);
  const here = resolve(process.cwd());
  const rebase = (p: string) => (isAbsolute(p) || base === here ? p : join(base, p));
  for (const k of PATH_KEYS) if (typeof out[k] === "string") out[k] = rebase(out[k] as string);
  const serve = out.serve as Record<string, unknown> | undefined;
  if (serve) out.serve = { ...serve, config_dir: base };
  const gateway = out.mcp_gateway as Record<string, unknown> | undefined;
  if (gateway) out.mcp_gateway = { ...gateway, config_dir: base };
  if (typeof out.store === "string" && !/^(postgres(ql)?:\/\/|:memory:$)/.test(out.store)) {
    const s = out.store as string;
    out.store = s.startsWith("sqlite:") ? `sqlite:${rebase(s.slice("sqlite:".length))}` : rebase(s);
  }
  return out as Partial<Deployment>;
}

/** The deployment written by `warden demo` (or any config file), as it is written. */
export function readDeployment(file = DEPLOYMENT_FILE): Deployment | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as Deployment;
}

export function writeDeployment(d: Deployment, file = DEPLOYMENT_FILE): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(d, null, 2)}\n`);
  renameSync(tmp, file);
}

/**
 * The deployment from its config file, with overrides; throws naming what is missing. `file`
 * is the config file (default: findConfig(), from the working directory upward).
 */
export function resolveDeployment(overrides: Partial<Deployment> = {}, file: string | undefined = findConfig()): Deployment {
  const base = file === undefined ? undefined : readConfig(file);
  const latest = () => {
    const dir = overrides.bundles ?? base?.bundles ?? "bundles";
    const list = openBundleStore(dir).list();
    return list.length ? list[list.length - 1]!.revision : undefined;
  };
  const revision = overrides.revision ?? base?.revision ?? latest();
  if (!revision) throw new Error(`no bundle revision: run \`warden demo\`, or publish a bundle and pass --revision (${file ? `none in ${file}` : `no ${CONFIG_FILE} or ${DEPLOYMENT_FILE}`})`);
  const d: Deployment = {
    store: overrides.store ?? base?.store ?? storeURL(),
    bundles: overrides.bundles ?? base?.bundles ?? "bundles",
    revision,
    verification_key: overrides.verification_key ?? base?.verification_key,
    algorithm: overrides.algorithm ?? base?.algorithm,
    allow_unsigned: overrides.allow_unsigned ?? base?.allow_unsigned,
    state: overrides.state ?? base?.state ?? join(".warden", "state"),
    mode: overrides.mode ?? base?.mode ?? "enforce",
  };
  const serve = overrides.serve ?? base?.serve;
  if (serve !== undefined) d.serve = serve;
  const gateway = overrides.mcp_gateway ?? base?.mcp_gateway;
  if (gateway !== undefined) d.mcp_gateway = gateway;
  for (const k of ["entrypoint", ...CHECKPOINT_KEYS] as const) {
    const v = overrides[k] ?? base?.[k];
    if (v !== undefined) (d as unknown as Record<string, unknown>)[k] = v;
  }
  return d;
}

export class DeploymentError extends Error {
  override name = "DeploymentError";
}

/**
 * Loads the evaluator for a revision of the deployment's bundle store, its signature verified
 * with the deployment's key. Without a key it refuses, unless the deployment says
 * `allow_unsigned` (development only: `warn` is told, loudly). It does not validate inputs: the
 * governor validates each request at its boundary.
 */
export async function openEvaluator(d: Deployment, revision = d.revision, warn: (line: string) => void = (l) => console.error(l)): Promise<Evaluator> {
  if (d.verification_key) {
    let key: string;
    try {
      key = readFileSync(d.verification_key, "utf8");
    } catch (e) {
      throw new DeploymentError(`the verification key ${d.verification_key} cannot be read: ${(e as Error).message}`);
    }
    return Evaluator.load({ store: d.bundles, revision }, { verification: { key, ...(d.algorithm ? { algorithm: d.algorithm } : {}) } });
  }
  if (d.allow_unsigned !== true) {
    throw new DeploymentError("no verification key is configured, and unsigned bundles are refused: set verification_key (--verification-key), or allow_unsigned: true for development");
  }
  warn("WARNING: allow_unsigned is set: this deployment loads policy bundles without verifying their signature. Development only.");
  return Evaluator.load({ store: d.bundles, revision }, { allowUnsigned: true });
}

export interface OpenGovernorOptions {
  /** The decision entrypoint, over the deployment's (default governance/decision). */
  entrypoint?: string;
  now?: () => Date;
  /** Where the allow_unsigned warning goes (default stderr). */
  warn?: (line: string) => void;
  /** An evaluator already opened for the deployment (openEvaluator), to share with the caller (warden serve). */
  evaluator?: Evaluator;
}

/**
 * The deployment's periodic checkpointer over an audit store, or undefined when it configures
 * none. A key without a place to keep the checkpoints is refused (they would prove nothing).
 */
export function openCheckpointer(d: Deployment, audit: AuditLog, onError?: (e: unknown) => void): Checkpointer | undefined {
  const configured = CHECKPOINT_KEYS.filter((k) => d[k] !== undefined);
  if (d.checkpoint_key === undefined) {
    if (configured.length) throw new DeploymentError(`${configured.join(", ")} set without checkpoint_key: set checkpoint_key (warden audit keygen NAME makes one)`);
    return undefined;
  }
  if (d.checkpoint_dir === undefined && d.checkpoint_url === undefined) {
    throw new DeploymentError("checkpoint_key is set but checkpoints go nowhere: set checkpoint_dir (a directory outside the store) or checkpoint_url");
  }
  let signer: Signer;
  try {
    signer = loadSigner(readFileSync(d.checkpoint_key, "utf8"), d.checkpoint_origin);
  } catch (e) {
    throw new DeploymentError(`the checkpoint key ${d.checkpoint_key}: ${(e as Error).message}`);
  }
  return new Checkpointer({
    db: audit.db,
    signer,
    ...(d.checkpoint_origin !== undefined ? { origin: d.checkpoint_origin } : {}),
    ...(d.checkpoint_dir !== undefined ? { dir: d.checkpoint_dir } : {}),
    ...(d.checkpoint_url !== undefined ? { url: d.checkpoint_url } : {}),
    ...(d.checkpoint_every_records !== undefined ? { everyRecords: d.checkpoint_every_records } : {}),
    ...(d.checkpoint_every_seconds !== undefined ? { everySeconds: d.checkpoint_every_seconds } : {}),
    ...(onError ? { onError } : {}),
  });
}

/** A governor over the deployment: its store, its bundle, its state. Dispose of it with `governor.dispose()`. */
export async function openGovernor(d: Deployment, options: OpenGovernorOptions = {}): Promise<Governor> {
  const evaluator = options.evaluator ?? (await openEvaluator(d, d.revision, options.warn));
  const audit = await AuditLog.open(d.store, options.now ? { now: options.now } : {});
  try {
    const entrypoint = options.entrypoint ?? d.entrypoint;
    const checkpointer = openCheckpointer(d, audit, options.warn ? (e) => options.warn!(`checkpoint: ${(e as Error).message}`) : undefined);
    return await Governor.open({
      evaluator,
      audit,
      state: new FileStateStore(d.state),
      mode: d.mode,
      ...(entrypoint !== undefined ? { entrypoint } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(checkpointer ? { checkpointer } : {}),
    });
  } catch (e) {
    await audit.close();
    throw e;
  }
}
