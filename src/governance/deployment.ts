// Where a governed service finds its pieces: the store (audit trail and governance state), the
// bundle store, the revision in force and the key that verifies it, and the state documents
// actions change. `warden demo` writes this to .warden/deployment.json; the other commands
// (approvals, kill-switch, rollback, replay) read it, and their flags override it.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
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
  /** Where state documents live (FileStateStore). */
  state: string;
  mode: Mode;
}

export const DEPLOYMENT_FILE = ".warden/deployment.json";

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

/** The deployment from the file, with overrides; throws naming what is missing. */
export function resolveDeployment(overrides: Partial<Deployment> = {}, file = DEPLOYMENT_FILE): Deployment {
  const base = readDeployment(file);
  const latest = () => {
    const dir = overrides.bundles ?? base?.bundles ?? "bundles";
    const list = openBundleStore(dir).list();
    return list.length ? list[list.length - 1]!.revision : undefined;
  };
  const revision = overrides.revision ?? base?.revision ?? latest();
  if (!revision) throw new Error(`no bundle revision: run \`warden demo\`, or publish a bundle and pass --revision (no ${file})`);
  return {
    store: overrides.store ?? base?.store ?? storeURL(),
    bundles: overrides.bundles ?? base?.bundles ?? "bundles",
    revision,
    verification_key: overrides.verification_key ?? base?.verification_key,
    algorithm: overrides.algorithm ?? base?.algorithm,
    allow_unsigned: overrides.allow_unsigned ?? base?.allow_unsigned,
    state: overrides.state ?? base?.state ?? join(".warden", "state"),
    mode: overrides.mode ?? base?.mode ?? "enforce",
  };
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

/** A governor over the deployment: its store, its bundle, its state. Dispose of it with `governor.dispose()`. */
export async function openGovernor(d: Deployment, options: { now?: () => Date; warn?: (line: string) => void } = {}): Promise<Governor> {
  const evaluator = await openEvaluator(d, d.revision, options.warn);
  const audit = await AuditLog.open(d.store, options.now ? { now: options.now } : {});
  try {
    return await Governor.open({ evaluator, audit, state: new FileStateStore(d.state), mode: d.mode, ...(options.now ? { now: options.now } : {}) });
  } catch (e) {
    await audit.close();
    throw e;
  }
}
