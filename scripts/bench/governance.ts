// Governed actions per second, end to end (issue 5): validate the request, check the agent's role
// in the directory and the kill switch against the chain, evaluate the policy, append the
// decision with the intent and the started mark, then the outcome, to the audit trail (two
// durable SQLite commits), run a trivial handler. Also the decision alone (propose: one durable append).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBundleBytes } from "../../src/bundle/index.ts";
import { Evaluator } from "../../src/evaluator/evaluator.ts";
import { AuditLog } from "../../src/audit/log.ts";
import { MemoryStateStore } from "../../src/rollback/index.ts";
import { Governor } from "../../src/governance/governor.ts";
import { putPrincipal } from "../../src/governance/directory.ts";

export interface GovernanceBench {
  actions_per_sec: number;
  action_p50_ms: number;
  action_p99_ms: number;
  proposals_per_sec: number;
  actions: number;
  /** With 32 actions in flight at once (their commits grouped). */
  concurrent_actions_per_sec: number;
  /** Process CPU time per governed action with 32 in flight (µs). */
  concurrent_cpu_us_per_action: number;
  /** Process CPU time per governed action, one caller (µs). */
  cpu_us_per_action: number;
}

const request = {
  agent: { id: "support-bot-1", role: "support-agent" },
  initiator: { id: "customer-c77", kind: "user" as const },
  action: "order.lookup",
  parameters: { order: "A-1001" },
  context: { channel: "chat", attributes: { identity_verified: true } },
};

/** `store`: a PostgreSQL URL (an empty database) instead of a new SQLite file. */
export async function benchGovernance(seconds = 2, store?: string): Promise<GovernanceBench> {
  const dir = mkdtempSync(join(tmpdir(), "warden-bench-gov-"));
  const audit = await AuditLog.open(store ?? join(dir, "warden.db"));
  try {
    const evaluator = await Evaluator.load({ bytes: (await buildBundleBytes({ paths: ["policy"] })).bytes }, { allowUnsigned: true });
    const gov = await Governor.open({ evaluator, audit, state: new MemoryStateStore() });
    // The directory the agent's role is checked against (its first entry bootstraps it).
    await putPrincipal(gov.store, { id: "bench-admin", kind: "operator", roles: ["warden:admin"] }, "bench-admin");
    await putPrincipal(gov.store, { id: request.agent.id, kind: "agent", roles: [request.agent.role] }, "bench-admin");
    const handler = async () => ({ output: { ok: true } });
    for (let i = 0; i < 20; i++) await gov.execute(request, handler); // warm up
    const samples: number[] = [];
    const cpu0 = process.cpuUsage();
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      const t = performance.now();
      const out = await gov.execute(request, handler);
      if (out.status !== "executed") throw new Error(`benchmark action was ${out.status}`);
      samples.push(performance.now() - t);
    }
    const cpu = process.cpuUsage(cpu0);
    const cpu_us_per_action = (cpu.user + cpu.system) / samples.length;
    // 32 callers at once: each runs actions back to back until the time is up.
    let concurrent = 0;
    const cEnd = performance.now() + seconds * 1000;
    const cStart = performance.now();
    const cCpu0 = process.cpuUsage();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (performance.now() < cEnd) {
          const out = await gov.execute(request, handler);
          if (out.status !== "executed") throw new Error(`benchmark action was ${out.status}`);
          concurrent++;
        }
      }),
    );
    const concurrent_actions_per_sec = concurrent / ((performance.now() - cStart) / 1000);
    const cCpu = process.cpuUsage(cCpu0);
    const concurrent_cpu_us_per_action = (cCpu.user + cCpu.system) / concurrent;
    let proposals = 0;
    const pEnd = performance.now() + seconds * 1000;
    const pStart = performance.now();
    while (performance.now() < pEnd) {
      await gov.propose(request);
      proposals++;
    }
    const proposals_per_sec = proposals / ((performance.now() - pStart) / 1000);
    gov.close();
    const total = samples.reduce((a, b) => a + b, 0);
    samples.sort((a, b) => a - b);
    const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor(samples.length * p))]!;
    return { actions_per_sec: samples.length / (total / 1000), action_p50_ms: pct(0.5), action_p99_ms: pct(0.99), proposals_per_sec, actions: samples.length, concurrent_actions_per_sec, concurrent_cpu_us_per_action, cpu_us_per_action };
  } finally {
    await audit.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
