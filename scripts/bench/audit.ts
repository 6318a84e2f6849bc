// Audit trail figures: durable append throughput (one record per transaction, each commit on
// disk before append() resolves: SQLite WAL with synchronous=FULL) and chain verification speed.
// Records are the size of a real decision record (request, context, decision, reasoning).
//
//   import { benchAudit } from "./bench/audit.ts";
//   const r = await benchAudit();   // { append_per_sec, verify_per_sec, ... }
//
// Run alone: node --import tsx scripts/bench/audit.ts [--json] [--store URL]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuditLog, type AuditEntry } from "../../src/audit/log.ts";

export interface AuditBenchOptions {
  /** Store to measure (default: a new SQLite file in a temporary directory, deleted after). */
  store?: string;
  /** Durable appends to time, at most (default 2000); stops earlier after `appendSeconds`. */
  appends?: number;
  appendSeconds?: number;
  /** Records in the log when verify is timed (default 20000; added in batches, untimed). */
  verifyRecords?: number;
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
  /** Records per second checked by verify(). */
  verify_per_sec: number;
  verify_records: number;
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
  }
}
