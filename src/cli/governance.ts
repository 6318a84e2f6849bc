// What the governance commands (approvals, kill-switch, rollback, replay, notify, principals,
// recover) share: the flags that override the deployment's config file (warden.yaml or
// .warden/deployment.json, see governance/deployment.ts), opening a governor (or just
// the governance store) over the deployment, and the principal named by --by, whose roles come
// from the directory.
import { existsSync, readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { storeURL } from "../audit/db.ts";
import { AuditLog } from "../audit/log.ts";
import { findConfig, openGovernor, readConfig, resolveDeployment, type Deployment } from "../governance/deployment.ts";
import type { Governor } from "../governance/governor.ts";
import { GovernanceState } from "../governance/state.ts";
import { ApprovalError } from "../governance/approvals.ts";
import { GovernanceError, GovernanceRefusal } from "../governance/errors.ts";
import { UsageError, type Command } from "./command.ts";

export const DEPLOYMENT_OPTIONS: Command["options"] = {
  config: { type: "string" },
  store: { type: "string" },
  bundles: { type: "string" },
  revision: { type: "string" },
  "verification-key": { type: "string" },
  "signing-alg": { type: "string" },
  state: { type: "string" },
  "allow-unsigned": { type: "boolean" },
};

export const DEPLOYMENT_HELP = `deployment (defaults from the nearest warden.yaml, written by \`warden init\`, or
.warden/deployment.json, written by \`warden demo\`, from the working directory upward):
  --config FILE             the config file to read instead (also $WARDEN_CONFIG)
  --store URL               the audit and governance store: a SQLite path, sqlite:PATH or
                            postgres://... (else $WARDEN_STORE, else .warden/warden.db)
  --bundles DIR             the bundle store (default bundles)
  --revision R              the bundle revision in force (default: the latest published)
  --verification-key FILE   PEM key that verifies the bundle's signature (none: unsigned)
  --signing-alg ALG         the algorithm the bundle must be signed with (default RS256)
  --state DIR               where the state documents actions change live (default .warden/state)
  --allow-unsigned          load bundles without a verification key (development only)`;

/** The deployment with the command line's overrides; `needsRevision: false` tolerates a store without bundles. */
export function deploymentFrom(v: Record<string, unknown>, opts: { needsRevision?: boolean } = {}): Deployment {
  const overrides: Partial<Deployment> = {};
  if (v.store !== undefined) overrides.store = v.store as string;
  if (v.bundles !== undefined) overrides.bundles = v.bundles as string;
  if (v.revision !== undefined) overrides.revision = v.revision as string;
  if (v["verification-key"] !== undefined) {
    const key = v["verification-key"] as string;
    if (!existsSync(key)) throw new UsageError(`--verification-key: no such file: ${key}`);
    overrides.verification_key = key;
  }
  if (v["signing-alg"] !== undefined) overrides.algorithm = v["signing-alg"] as string;
  if (v.state !== undefined) overrides.state = v.state as string;
  if (v["allow-unsigned"] === true) overrides.allow_unsigned = true;
  try {
    const file = findConfig(v.config as string | undefined);
    if (opts.needsRevision === false && overrides.revision === undefined && !(file && readConfig(file)?.revision)) overrides.revision = "(none)";
    return resolveDeployment(overrides, file);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Refuses a SQLite store that does not exist yet (a typo would otherwise create an empty one). */
export function checkStoreExists(store: string): void {
  const url = storeURL(store);
  if (/^postgres(ql)?:\/\//.test(url)) return;
  const path = url.startsWith("sqlite:") ? url.slice("sqlite:".length) : url;
  if (path !== ":memory:" && !existsSync(path)) throw new UsageError(`no store at ${path}: run \`warden demo\`, or pass --store (or set WARDEN_STORE)`);
}

export interface Governed {
  deployment: Deployment;
  governor: Governor;
  audit: AuditLog;
  close(): Promise<void>;
}

/** A governor over the deployment (as openGovernor), keeping the audit log at hand for the commands. */
export async function openGoverned(v: Record<string, unknown>): Promise<Governed> {
  const deployment = deploymentFrom(v);
  checkStoreExists(deployment.store);
  const governor = await openGovernor(deployment);
  return { deployment, governor, audit: governor.auditLog, close: () => governor.dispose() };
}

export interface GovernanceStore {
  deployment: Deployment;
  audit: AuditLog;
  state: GovernanceState;
  close(): Promise<void>;
}

/** The governance store alone (no bundle, no evaluator): enough for the kill switch, the directory, notify and recover. */
export async function openGovernanceStore(v: Record<string, unknown>): Promise<GovernanceStore> {
  const deployment = deploymentFrom(v, { needsRevision: false });
  checkStoreExists(deployment.store);
  const audit = await AuditLog.open(deployment.store);
  try {
    return { deployment, audit, state: await GovernanceState.open(audit), close: () => audit.close() };
  } catch (e) {
    await audit.close();
    throw e;
  }
}

/**
 * The principal running the command, by id: --by, else the login name. Its roles are the
 * directory's; the command is refused if the directory does not give it the roles it needs.
 */
export function principalId(v: Record<string, unknown>): string {
  const id = (v.by as string | undefined) ?? safeLogin();
  checkId(id, "--by");
  return id;
}

export function checkId(id: string, flag: string): void {
  if (!/^[A-Za-z0-9._:@-]{1,128}$/.test(id)) throw new UsageError(`${flag}: ${JSON.stringify(id)} is not an id (letters, digits and . _ : @ -)`);
}

function safeLogin(): string {
  let name = "operator";
  try {
    name = userInfo().username || name;
  } catch {
    // no passwd entry: keep the default
  }
  const clean = name.replace(/[^A-Za-z0-9._:@-]/g, "_").slice(0, 128);
  return clean || "operator";
}

/** Checks the subcommand and that every flag given applies to it. */
export function subcommand(name: string, v: Record<string, unknown>, sub: string | undefined, allowed: Record<string, string[]>): string {
  const subs = Object.keys(allowed);
  if (sub === undefined) throw new UsageError(`${name}: give a subcommand: ${subs.join(", ")} (see warden ${name} --help)`);
  const ok = allowed[sub];
  if (!ok) throw new UsageError(`${name}: unknown subcommand ${JSON.stringify(sub)}: ${subs.join(", ")}`);
  const common = Object.keys(DEPLOYMENT_OPTIONS);
  for (const k of Object.keys(v)) if (!ok.includes(k) && !common.includes(k)) throw new UsageError(`${name} ${sub}: --${k} does not apply`);
  return sub;
}

/** A JSON document given on the command line (or @FILE). */
export function jsonArg(text: string, flag: string): unknown {
  const src = text.startsWith("@") ? readFileSync(text.slice(1), "utf8") : text;
  try {
    return JSON.parse(src);
  } catch (e) {
    throw new UsageError(`${flag}: invalid JSON: ${(e as Error).message}`);
  }
}

/** `3h 20m`, `45m`, `2d 4h` for a span in milliseconds. */
export function span(ms: number): string {
  const m = Math.floor(Math.abs(ms) / 60_000);
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  const parts = [d ? `${d}d` : "", h ? `${h}h` : "", `${m % 60}m`].filter(Boolean);
  return parts.slice(0, 2).join(" ");
}

/**
 * Prints a refusal (the governor's, an approval's, a notify review's) as `refused: CODE: why`
 * and returns exit code 1; any other error is rethrown.
 */
export function refused(e: unknown): number {
  if (e instanceof GovernanceRefusal) {
    console.error(`refused: ${e.code}: ${e.message}`);
    return 1;
  }
  if (e instanceof ApprovalError) {
    console.error(`refused: ${e.reason}: ${e.message.replace(/^approval \S+: \S+: /, "")}`);
    return 1;
  }
  if (e instanceof GovernanceError) {
    console.error(`refused: ${e.message}`);
    return 1;
  }
  throw e;
}
