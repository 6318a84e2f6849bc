// A loop of governed auto actions on a durable SQLite store, for `node --cpu-prof`. PROF_DIR=/dev/shm
// puts the store in memory, to see the CPU without the disk.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBundleBytes } from "../../src/bundle/index.ts";
import { Evaluator } from "../../src/evaluator/evaluator.ts";
import { AuditLog } from "../../src/audit/log.ts";
import { MemoryStateStore } from "../../src/rollback/index.ts";
import { Governor } from "../../src/governance/governor.ts";
import { putPrincipal } from "../../src/governance/directory.ts";

const request = {
  agent: { id: "support-bot-1", role: "support-agent" },
  initiator: { id: "customer-c77", kind: "user" as const },
  action: "order.lookup",
  parameters: { order: "A-1001" },
  context: { channel: "chat", attributes: { identity_verified: true } },
};
const n = Number(process.argv[2] ?? 3000);
const dir = mkdtempSync(join(process.env.PROF_DIR ?? tmpdir(), "warden-prof-gov-"));
const audit = await AuditLog.open(join(dir, "warden.db"));
const evaluator = await Evaluator.load({ bytes: (await buildBundleBytes({ paths: ["policy"] })).bytes }, { allowUnsigned: true });
const gov = await Governor.open({ evaluator, audit, state: new MemoryStateStore() });
await putPrincipal(gov.store, { id: "bench-admin", kind: "operator", roles: ["warden:admin"] }, "bench-admin");
await putPrincipal(gov.store, { id: request.agent.id, kind: "agent", roles: [request.agent.role] }, "bench-admin");
const handler = async () => ({ output: { ok: true } });
for (let i = 0; i < 200; i++) await gov.execute(request, handler);
const c0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < n; i++) {
  const out = await gov.execute(request, handler);
  if (out.status !== "executed") throw new Error(out.status);
}
const c = process.cpuUsage(c0);
console.log(`${n} actions ${(n / ((performance.now() - t0) / 1000)).toFixed(0)}/s, cpu ${((c.user + c.system) / n).toFixed(0)} us/action`);
gov.close();
await audit.close();
rmSync(dir, { recursive: true, force: true });
