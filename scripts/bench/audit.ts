// Audit trail figures: durable append throughput (one record per transaction, each commit on
// disk before append() resolves: SQLite WAL with synchronous=FULL) and chain verification speed,
// side by side with SHA-256 over the same stored bodies (per CPU-second, interleaved).
// Records are the size of a real decision record (request, context, decision, reasoning).
//
//   import { benchAudit } from "./bench/audit.ts";
//   const r = await benchAudit();   // { append_per_sec, verify_per_sec, ... }
//
// Run alone: node --import tsx scripts/bench/audit.ts [--json] [--store URL]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { AuditLog, type AuditEntry } from "../../src/audit/log.ts";
import { sha256Bytes } from "../../src/audit/chain.ts";

export interface AuditBenchOptions {
  /** Store to measure (default: a new SQLite file in a temporary directory, deleted after). */
  store?: string;
  /** Durable appends to time, at most (default 2000); stops earlier after `appendSeconds`. */
  appends?: number;
  appendSeconds?: number;
  /** Records in the log when verify is timed (default 20000; added in batches, untimed). */
  verifyRecords?: number;
  /** Interleaved rounds of verify against SHA-256 (default 3). */
  rounds?: number;
}

export interface AuditBenchResult {
  store: string;
  record_bytes: number;
  /** Durable appends per second, one after another in one process. */
  append_per_sec: number;
  append_p50_ms: number;
  append_p99_ms: number;
  /** Records per second appended in batches of 100 per transaction (appendAll). */
  append_batched_per_sec: number;
  /** Records per second checked by verify() (wall clock). */
  verify_per_sec: number;
  verify_records: number;
  /**
   * Side by side, interleaved over `rounds` (median of each), per CPU-second of this process:
   * verify() end to end (reading the store included), SHA-256 of the same stored bodies in
   * memory (one-shot, as verify hashes them; and through a Hash object per body, as the issue
   * measured), and the ratio of verify to the one-shot hashing.
   */
  verify_per_cpu_sec: number;
  sha256_per_cpu_sec: number;
  sha256_stream_per_cpu_sec: number;
  verify_vs_sha256: number;
  verify_vs_sha256_stream: number;
}

export function decisionEntry(i: number): AuditEntry {
  const request = {
    request_id: `req-${i}`,
    agent: { id: "support-bot-1", role: "support-agent" },
    initiator: { id: "customer-4711", kind: "user" as const },
    action: "refund.issue",
    parameters: { order: `A-${1000 + i}`, amount: 120 + (i % 900), currency: "EUR" },
    context: {
      input: { message: "My order arrived broken, I would like my money back please." },
      retrieved: [{ doc: "refund-policy-v3", excerpt: "Refunds up to 500 EUR may be issued by the agent within 30 days." }],
      channel: "chat",
      attributes: { tier: "gold", country: "DE" },
    },
    reasoning: { trace: ["looked up order", "order delivered 3 days ago", "damage reported"], documents: ["refund-policy-v3"], confidence: 0.92 },
  };
  return {
    type: "decision",
    action_id: `act-${i}`,
    initiator: request.initiator,
    request,
    request_hash: "ab".repeat(32),
    decision: {
      decision_id: `dec-${i}`,
      revision: "3f6c".repeat(16),
      entrypoint: "governance/decision",
      mode: "enforce",
      result: { allow: true, category: request.parameters.amount > 500 ? "approve" : "auto", reasons: [], obligations: ["notify_customer"] },
      recorded: { "time.now_ns": 1_767_225_600_000_000_000 + i },
    },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function benchAudit(options: AuditBenchOptions = {}): Promise<AuditBenchResult> {
  const dir = options.store ? undefined : mkdtempSync(join(tmpdir(), "warden-bench-audit-"));
  const store = options.store ?? `sqlite:${join(dir!, "audit.db")}`;
  const log = await AuditLog.open(store);
  try {
    const appends = options.appends ?? 2000;
    const budget = (options.appendSeconds ?? 5) * 1000;
    for (let i = 0; i < 20; i++) await log.append(decisionEntry(i)); // warm up
    const times: number[] = [];
    const started = performance.now();
    for (let i = 0; i < appends && performance.now() - started < budget; i++) {
      const t = performance.now();
      await log.append(decisionEntry(i));
      times.push(performance.now() - t);
    }
    const appendSecs = (performance.now() - started) / 1000;
    times.sort((a, b) => a - b);

    const batches = 10;
    const t0 = performance.now();
    for (let b = 0; b < batches; b++) await log.appendAll(Array.from({ length: 100 }, (_, i) => decisionEntry(b * 100 + i)));
    const batchedPerSec = (batches * 100) / ((performance.now() - t0) / 1000);

    const target = options.verifyRecords ?? 20_000;
    for (let n = await log.count(); n < target; n += 1000) {
      await log.appendAll(Array.from({ length: Math.min(1000, target - n) }, (_, i) => decisionEntry(n + i)));
    }
    const v0 = performance.now();
    const v = await log.verify();
    const verifySecs = (performance.now() - v0) / 1000;
    if (!v.ok) throw new Error(`benchmark log does not verify: ${v.firstBad?.message}`);
    const bodies = (await log.db.query<{ body: string }>("SELECT body FROM audit_records ORDER BY seq")).map((r) => Buffer.from(r.body));
    const cpu = async (f: () => unknown) => {
      const c = process.cpuUsage();
      await f();
      const d = process.cpuUsage(c);
      return (d.user + d.system) / 1e6;
    };
    const rounds = options.rounds ?? 3;
    const verifyCpu: number[] = [];
    const shaCpu: number[] = [];
    const streamCpu: number[] = [];
    for (let r = 0; r < rounds; r++) {
      verifyCpu.push(await cpu(() => log.verify()));
      shaCpu.push(await cpu(() => bodies.forEach((b) => sha256Bytes(b))));
      streamCpu.push(await cpu(() => bodies.forEach((b) => createHash("sha256").update(b).digest("hex"))));
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const verifyRate = v.records / median(verifyCpu);
    const shaRate = bodies.length / median(shaCpu);
    const streamRate = bodies.length / median(streamCpu);
    const sample = await log.get(1);
    return {
      store: log.db.location,
      record_bytes: Buffer.byteLength(JSON.stringify(sample)),
      append_per_sec: times.length / appendSecs,
      append_p50_ms: percentile(times, 50),
      append_p99_ms: percentile(times, 99),
      append_batched_per_sec: batchedPerSec,
      verify_per_sec: v.records / verifySecs,
      verify_records: v.records,
      verify_per_cpu_sec: verifyRate,
      sha256_per_cpu_sec: shaRate,
      sha256_stream_per_cpu_sec: streamRate,
      verify_vs_sha256: verifyRate / shaRate,
      verify_vs_sha256_stream: verifyRate / streamRate,
    };
  } finally {
    await log.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf("--store");
  const r = await benchAudit(i > 0 ? { store: process.argv[i + 1] } : {});
  if (process.argv.includes("--json")) console.log(JSON.stringify(r));
  else {
    console.log(`audit store ${r.store}, records of ${r.record_bytes} bytes`);
    console.log(`durable append: ${r.append_per_sec.toFixed(0)} records/s (p50 ${r.append_p50_ms.toFixed(2)} ms, p99 ${r.append_p99_ms.toFixed(2)} ms)`);
    console.log(`batched append (100 per transaction): ${r.append_batched_per_sec.toFixed(0)} records/s`);
    console.log(`verify: ${r.verify_per_sec.toFixed(0)} records/s over ${r.verify_records} records`);
    console.log(
      `per CPU-second: verify ${r.verify_per_cpu_sec.toFixed(0)}/s, SHA-256 of the same bodies ${r.sha256_per_cpu_sec.toFixed(0)}/s one-shot ` +
        `(${r.sha256_stream_per_cpu_sec.toFixed(0)}/s through a Hash object): verify at ${(100 * r.verify_vs_sha256).toFixed(0)} % ` +
        `(${(100 * r.verify_vs_sha256_stream).toFixed(0)} %)`,
    );
  }
}
