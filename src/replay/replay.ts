// Replay for auditors: every audited decision evaluated again, against the bundle revision that
// made it (from the bundle store), with the same entrypoint, the recorded request as input, the
// recorded clock and seed, and the kill switch as it stood, then compared as canonical JSON with
// the recorded result. Any difference means the trail and the policy disagree: a record was
// altered, a bundle was, or the evaluator is not deterministic. With a candidate revision the
// same walk answers "what would this new policy decide differently" (impact analysis).
//
// One loaded bundle per revision, one instance per (revision, kill switch) pair; a revision the
// store does not hold (or that fails verification) is reported with the decisions it leaves
// unreplayed, never skipped silently.
import type { AuditLog } from "../audit/log.ts";
import { openStore, type VerifyOptions } from "../bundle/index.ts";
import { canonicalJSON } from "../canonical-json.ts";
import { instantiate, loadBundle, type LoadedBundle } from "../evaluator/evaluator.ts";
import type { Recorded } from "../evaluator/nondeterminism.ts";
import type { AuditRecord } from "../schemas/types.ts";

export interface ReplayOptions {
  /** The bundle store directory. */
  bundles: string;
  /** Replay decisions from this seq on (a number) or recorded at or after this time (a string). */
  since?: string | number;
  /** Evaluate every decision against this revision instead of the one that made it. */
  candidate?: string;
  /** How to check bundle signatures; without it, unsigned bundles load and signed ones are refused. */
  verification?: VerifyOptions;
  /** Called every `progressEvery` decisions and once at the end. */
  onProgress?: (p: { checked: number; seq: number }) => void;
  progressEvery?: number;
}

/** One path where the recorded and replayed results disagree (absent side: nothing there). */
export interface PathDifference {
  path: string;
  recorded?: unknown;
  replayed?: unknown;
}

export interface ReplayDifference {
  seq: number;
  action_id?: string;
  decision_id: string;
  /** The revision that made the decision. */
  revision: string;
  /** The revision it was evaluated against now (the same, or the candidate). */
  replayed_revision: string;
  /** What the request asked for, for a readable report. */
  action?: string;
  recorded: unknown;
  /** The replayed result; `{ error }` when the evaluation failed. */
  replayed: unknown;
  diff: PathDifference[];
}

export interface MissingRevision {
  revision: string;
  /** Why it could not be loaded (absent from the store, bad signature, ...). */
  reason: string;
  /** How many decisions it leaves unreplayed, and the first of their seqs. */
  decisions: number;
  seqs: number[];
}

export interface ReplayReport {
  /** Decisions evaluated again (those of missing revisions are not). */
  checked: number;
  same: number;
  differences: ReplayDifference[];
  missing_revisions: MissingRevision[];
  candidate?: string;
}

const UNDEFINED = "(undefined)";

export async function replay(audit: AuditLog, opts: ReplayOptions): Promise<ReplayReport> {
  const store = openStore(opts.bundles);
  const bundles = new Map<string, Promise<LoadedBundle>>();
  const instances = new Map<string, Promise<LoadedBundle>>();
  const missing = new Map<string, MissingRevision>();
  const every = opts.progressEvery ?? 500;

  /** The bundle of a revision with the kill switch laid over its data as the governor does. */
  const evaluatorFor = (revision: string, killSwitch: boolean | undefined): Promise<LoadedBundle> => {
    const key = `${revision}:${killSwitch ?? "-"}`;
    let inst = instances.get(key);
    if (!inst) {
      let base = bundles.get(revision);
      if (!base) {
        const overlay = killSwitch === undefined ? undefined : { governance: { kill_switch: killSwitch } };
        base = loadBundle({ bytes: store.get(revision) }, { ...trust(opts.verification), ...(overlay ? { dataOverlay: overlay } : {}) });
        bundles.set(revision, base);
        inst = base;
      } else {
        inst = base.then((b) =>
          instantiate(b.bundle, b.signature, killSwitch === undefined ? {} : { dataOverlay: { governance: { kill_switch: killSwitch } } }),
        );
      }
      instances.set(key, inst);
    }
    return inst;
  };

  const report: ReplayReport = { checked: 0, same: 0, differences: [], missing_revisions: [], ...(opts.candidate ? { candidate: opts.candidate } : {}) };
  let lastSeq = 0;
  for await (const rec of audit.list({ type: "decision", ...(opts.since !== undefined ? { since: opts.since } : {}) })) {
    lastSeq = rec.seq;
    const d = rec.decision;
    if (!d) {
      // A decision record without its decision: nothing to replay, and that is itself a finding.
      report.checked++;
      report.differences.push(difference(rec, "(none)", "(none)", undefined, { error: "the record holds no decision" }));
      continue;
    }
    const target = opts.candidate ?? d.revision;
    const recorded = d.recorded as (Partial<Recorded> & { kill_switch?: boolean }) | undefined;
    let loaded: LoadedBundle;
    try {
      loaded = await evaluatorFor(target, typeof recorded?.kill_switch === "boolean" ? recorded.kill_switch : undefined);
    } catch (e) {
      const m = missing.get(target) ?? { revision: target, reason: (e as Error).message, decisions: 0, seqs: [] };
      m.decisions++;
      if (m.seqs.length < 10) m.seqs.push(rec.seq);
      missing.set(target, m);
      continue;
    }
    report.checked++;
    let replayed: unknown;
    try {
      const clock = typeof recorded?.now_ns === "string" && typeof recorded.seed === "string" ? { now_ns: recorded.now_ns, seed: recorded.seed } : undefined;
      replayed = loaded.evaluate(d.entrypoint, rec.request, { decisionId: d.decision_id, ...(clock ? { recorded: clock } : {}) }).result;
    } catch (e) {
      replayed = { error: (e as Error).message };
    }
    if (canonical(replayed) === canonical(d.result)) report.same++;
    else report.differences.push(difference(rec, d.revision, target, d.result, replayed));
    if (report.checked % every === 0) opts.onProgress?.({ checked: report.checked, seq: rec.seq });
  }
  opts.onProgress?.({ checked: report.checked, seq: lastSeq });
  report.missing_revisions = [...missing.values()];
  return report;
}

/** True when the replay found nothing to report. */
export function clean(r: ReplayReport): boolean {
  return r.differences.length === 0 && r.missing_revisions.length === 0;
}

function trust(verification: VerifyOptions | undefined) {
  return verification ? { verification } : { allowUnsigned: true as const };
}

function difference(rec: AuditRecord, revision: string, replayedRevision: string, recorded: unknown, replayed: unknown): ReplayDifference {
  return {
    seq: rec.seq,
    ...(rec.action_id !== undefined ? { action_id: rec.action_id } : {}),
    decision_id: rec.decision?.decision_id ?? "(none)",
    revision,
    replayed_revision: replayedRevision,
    ...(rec.request?.action ? { action: rec.request.action } : {}),
    recorded: recorded === undefined ? UNDEFINED : recorded,
    replayed: replayed === undefined ? UNDEFINED : replayed,
    diff: diffJSON(recorded, replayed),
  };
}

function canonical(v: unknown): string {
  if (v === undefined) return UNDEFINED;
  try {
    return canonicalJSON(v);
  } catch (e) {
    return `(not JSON: ${(e as Error).message})`;
  }
}

/**
 * The paths (JSON Pointers) where two JSON documents differ, objects compared key by key and
 * arrays element by element; a path absent on one side leaves that side out.
 */
export function diffJSON(recorded: unknown, replayed: unknown, path = ""): PathDifference[] {
  if (canonical(recorded) === canonical(replayed)) return [];
  const out: PathDifference[] = [];
  if (isObject(recorded) && isObject(replayed)) {
    for (const k of [...new Set([...Object.keys(recorded), ...Object.keys(replayed)])].sort()) {
      const p = `${path}/${k.replaceAll("~", "~0").replaceAll("/", "~1")}`;
      const inA = recorded[k] !== undefined;
      const inB = replayed[k] !== undefined;
      if (inA && inB) out.push(...diffJSON(recorded[k], replayed[k], p));
      else if (inA) out.push({ path: p, recorded: recorded[k] });
      else if (inB) out.push({ path: p, replayed: replayed[k] });
    }
    return out;
  }
  if (Array.isArray(recorded) && Array.isArray(replayed)) {
    for (let i = 0; i < Math.max(recorded.length, replayed.length); i++) {
      const p = `${path}/${i}`;
      if (i >= recorded.length) out.push({ path: p, replayed: replayed[i] });
      else if (i >= replayed.length) out.push({ path: p, recorded: recorded[i] });
      else out.push(...diffJSON(recorded[i], replayed[i], p));
    }
    return out;
  }
  const d: PathDifference = { path };
  if (recorded !== undefined) d.recorded = recorded;
  if (replayed !== undefined) d.replayed = replayed;
  return [d];
}

/** `/category: "notify" (recorded) -> "approve" (replayed)`. */
export function renderPathDifference(d: PathDifference): string {
  const show = (v: unknown, present: boolean) => {
    if (!present) return "absent";
    const s = JSON.stringify(v);
    return s.length > 160 ? `${s.slice(0, 157)}...` : s;
  };
  return `${d.path === "" ? "(whole result)" : d.path}: ${show(d.recorded, "recorded" in d)} (recorded) -> ${show(d.replayed, "replayed" in d)} (replayed)`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
