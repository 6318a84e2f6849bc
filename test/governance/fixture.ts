// A governed deployment for tests: the repository's policy built once per process, a store (a
// fresh SQLite file unless a URL is given), a seeded directory, a movable clock.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBundleBytes } from "../../src/bundle/index.ts";
import { Evaluator } from "../../src/evaluator/evaluator.ts";
import { AuditLog } from "../../src/audit/index.ts";
import { MemoryStateStore, type StateStore } from "../../src/rollback/index.ts";
import { Governor, type Mode } from "../../src/governance/governor.ts";
import { putPrincipal } from "../../src/governance/directory.ts";
import { GovernanceState } from "../../src/governance/state.ts";
import type { ActionRequest, DirectoryEntry } from "../../src/schemas/types.ts";

let bundle: Promise<Uint8Array> | undefined;
/** The repository's policy/, built once per test process (unsigned). */
export function policyBundle(): Promise<Uint8Array> {
  bundle ??= buildBundleBytes({ paths: ["policy"] }).then((b) => b.bytes);
  return bundle;
}

export const AGENT = { id: "support-bot-1", role: "support-agent" };
export const lead = { id: "lena", kind: "user" as const };

/** The directory every governed test starts with. */
export const DIRECTORY: DirectoryEntry[] = [
  { id: "admin", kind: "operator", roles: ["warden:admin"] },
  { id: "ops", kind: "operator", roles: ["warden:operator"] },
  { id: AGENT.id, kind: "agent", roles: [AGENT.role] },
  { id: "triage-bot", kind: "agent", roles: ["triage-agent"] },
  { id: "lena", kind: "user", roles: ["support-lead", "warden:reviewer"] },
  { id: "lars", kind: "user", roles: ["support-lead"] },
  { id: "sam", kind: "user", roles: ["support-agent"] },
  { id: "mia", kind: "user", roles: ["support-manager"] },
  { id: "carla", kind: "user", roles: ["cfo"] },
];

export function request(action: string, parameters: Record<string, unknown>, agent: { id: string; role: string } = AGENT): ActionRequest {
  return { agent, initiator: { id: "customer-42", kind: "user" }, action, parameters, context: { attributes: { identity_verified: true } } };
}

export interface Governed {
  gov: Governor;
  audit: AuditLog;
  state: StateStore;
  store: string;
  clock: { t: number };
}

/** Seeds the directory of a store once (idempotent for the same entries). */
export async function seedDirectory(audit: AuditLog, entries: DirectoryEntry[] = DIRECTORY): Promise<void> {
  const state = await GovernanceState.open(audit);
  if ((await state.principals()).length) return;
  for (const e of entries) await putPrincipal(state, e, "admin");
}

export async function governed(opts: { store?: string; mode?: Mode; state?: StateStore; clock?: { t: number }; bytes?: Uint8Array; seed?: boolean } = {}): Promise<Governed> {
  const store = opts.store ?? join(mkdtempSync(join(tmpdir(), "warden-gov-")), "warden.db");
  const clock = opts.clock ?? { t: Date.parse("2026-11-24T09:00:00Z") };
  const now = () => new Date(clock.t);
  const audit = await AuditLog.open(store, { now });
  if (opts.seed !== false) await seedDirectory(audit);
  const state = opts.state ?? new MemoryStateStore();
  const evaluator = await Evaluator.load({ bytes: opts.bytes ?? (await policyBundle()) }, { allowUnsigned: true });
  const gov = await Governor.open({ evaluator, audit, state, now, ...(opts.mode ? { mode: opts.mode } : {}), killSwitchPollMs: 10 });
  return { gov, audit, state, store, clock };
}
