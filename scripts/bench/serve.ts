// Load on loopback for warden serve: N concurrent agent clients (default 200), each its own
// principal with its own API token, each making M governed decisions (default 50) through the
// full remote-agent cycle: POST /v1/actions (an auto order.lookup → go), then POST
// /v1/actions/{id}/outcome (→ executed). The service runs in a child process (so its memory is
// its own), sampled every 250 ms; at the end the chain is verified. Prints p50/p99/max of the
// propose and of the whole cycle, throughput, errors, and the service's RSS and heap.
//
//   node --import tsx scripts/bench/serve.ts [--clients 200] [--decisions 50] [--store URL | --postgres] [--json]
// --postgres starts a throwaway PostgreSQL server (test/pg.ts) for the run.
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const SELF = fileURLToPath(import.meta.url);

async function child(store: string, clients: number): Promise<void> {
  const { AuditLog } = await import("../../src/audit/index.ts");
  const { buildBundleBytes } = await import("../../src/bundle/index.ts");
  const { Evaluator } = await import("../../src/evaluator/evaluator.ts");
  const { Governor } = await import("../../src/governance/governor.ts");
  const { putPrincipal } = await import("../../src/governance/directory.ts");
  const { GovernanceState } = await import("../../src/governance/state.ts");
  const { MemoryStateStore } = await import("../../src/rollback/index.ts");
  const { createService } = await import("../../src/serve/server.ts");
  const { issueToken } = await import("../../src/serve/tokens.ts");
  const audit = await AuditLog.open(store);
  const state = await GovernanceState.open(audit);
  await putPrincipal(state, { id: "admin", kind: "operator", roles: ["warden:admin"] }, "admin");
  const tokens: string[] = [];
  for (let i = 0; i < clients; i++) {
    await putPrincipal(state, { id: `agent-${i}`, kind: "agent", roles: ["support-agent"] }, "admin");
    tokens.push((await issueToken(state, `agent-${i}`, "admin")).token);
  }
  const { bytes } = await buildBundleBytes({ paths: ["policy"] });
  const evaluator = await Evaluator.load({ bytes }, { allowUnsigned: true });
  const governor = await Governor.open({ evaluator, audit, state: new MemoryStateStore() });
  const service = await createService({ governor, evaluator, clock: false, rateLimit: 0 });
  const url = await service.app.listen({ host: "127.0.0.1", port: 0 });
  process.on("message", async (m: string) => {
    if (m === "mem") process.send!({ mem: process.memoryUsage() });
    if (m === "gc") {
      (globalThis as { gc?: () => void }).gc?.();
      process.send!({ mem: process.memoryUsage() });
    }
    if (m === "verify") {
      const v = await audit.verify();
      process.send!({ verify: { ok: v.ok, records: v.records } });
      await service.close();
      await governor.dispose();
      process.exit(0);
    }
  });
  process.send!({ url, tokens });
}

function ask<T>(c: ChildProcess, msg: string, key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: Record<string, unknown>) => {
      if (key in m) {
        c.off("message", on);
        resolve(m[key] as T);
      }
    };
    c.on("message", on);
    c.send(msg);
  });
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { clients: { type: "string" }, decisions: { type: "string" }, store: { type: "string" }, json: { type: "boolean" }, postgres: { type: "boolean" }, child: { type: "string" }, n: { type: "string" } } });
  if (values.child) return child(values.child, Number(values.n));
  const clients = Number(values.clients ?? 200);
  const decisions = Number(values.decisions ?? 50);
  const dir = mkdtempSync(join(tmpdir(), "warden-bench-serve-"));
  const pg = values.postgres ? await (await import("../../test/pg.ts")).startTestPostgres() : undefined;
  const store = values.store ?? (pg ? await pg.createDatabase() : `sqlite:${join(dir, "w.db")}`);
  const c = fork(SELF, ["--child", store, "--n", String(clients)], { execArgv: ["--import", "tsx", "--expose-gc"], stdio: "inherit" });
  const { url, tokens } = await new Promise<{ url: string; tokens: string[] }>((resolve) => c.once("message", (m) => resolve(m as { url: string; tokens: string[] })));
  const samples: number[] = [];
  const heaps: number[] = [];
  // One sample at a time: a service too busy to answer within the interval is not asked again.
  let sampling = false;
  const sampler = setInterval(async () => {
    if (sampling) return;
    sampling = true;
    const m = await ask<NodeJS.MemoryUsage>(c, "mem", "mem");
    sampling = false;
    samples.push(m.rss);
    heaps.push(m.heapUsed);
  }, 250);
  const before = await ask<NodeJS.MemoryUsage>(c, "gc", "mem");
  const propose: number[] = [];
  const cycle: number[] = [];
  let errors = 0;
  const failures: unknown[] = []; // the first few, so an error is explained, not only counted
  const failed = (step: string, status: number, body: unknown) => {
    errors++;
    if (failures.length < 5) failures.push({ step, status, body });
  };
  const t0 = performance.now();
  await Promise.all(
    tokens.map(async (token, i) => {
      const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
      for (let k = 0; k < decisions; k++) {
        const a = performance.now();
        const request = { agent: { id: `agent-${i}`, role: "support-agent" }, initiator: { id: `customer-${i}`, kind: "user" }, action: "order.lookup", parameters: { order: `A-${i}-${k}` }, context: { attributes: { identity_verified: true } } };
        const r = await fetch(`${url}/v1/actions`, { method: "POST", headers, body: JSON.stringify({ request }) });
        const go = (await r.json()) as { status: string; action_id: string };
        const b = performance.now();
        if (r.status !== 200 || go.status !== "go") {
          failed("propose", r.status, go);
          continue;
        }
        const o = await fetch(`${url}/v1/actions/${go.action_id}/outcome`, { method: "POST", headers, body: JSON.stringify({ status: "succeeded", output: { found: true } }) });
        const done = (await o.json()) as { status: string };
        if (o.status !== 200 || done.status !== "executed") failed("outcome", o.status, done);
        propose.push(b - a);
        cycle.push(performance.now() - a);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const after = await ask<NodeJS.MemoryUsage>(c, "gc", "mem");
  const verify = await ask<{ ok: boolean; records: number }>(c, "verify", "verify");
  rmSync(dir, { recursive: true, force: true });
  await pg?.stop();
  propose.sort((x, y) => x - y);
  cycle.sort((x, y) => x - y);
  const total = clients * decisions;
  const mb = (n: number) => Math.round((n / 1048576) * 10) / 10;
  const result = {
    clients,
    decisions_per_client: decisions,
    store: store.startsWith("postgres") ? "postgres" : "sqlite",
    completed: cycle.length,
    errors,
    ...(failures.length ? { failures } : {}),
    seconds: Math.round(seconds * 10) / 10,
    cycles_per_second: Math.round(cycle.length / seconds),
    propose_ms: { p50: Math.round(pct(propose, 0.5) * 10) / 10, p99: Math.round(pct(propose, 0.99) * 10) / 10, max: Math.round(propose[propose.length - 1]! * 10) / 10 },
    cycle_ms: { p50: Math.round(pct(cycle, 0.5) * 10) / 10, p99: Math.round(pct(cycle, 0.99) * 10) / 10, max: Math.round(cycle[cycle.length - 1]! * 10) / 10 },
    service_memory_mb: { heap_before: mb(before.heapUsed), heap_after: mb(after.heapUsed), rss_before: mb(before.rss), rss_after: mb(after.rss), rss_max: mb(Math.max(...samples, after.rss)), heap_max: mb(Math.max(...heaps, after.heapUsed)) },
    chain: verify,
    total_expected: total,
  };
  if (values.json) console.log(JSON.stringify(result));
  else console.log(JSON.stringify(result, null, 2));
  process.exitCode = errors || !verify.ok || cycle.length !== total ? 1 : 0;
}

await main();
