// A running `warden serve` for tests: the repository's policy (or another bundle), a store on
// the backend given, the governance fixture's directory, one API token per principal, the
// service listening on a free loopback port. Real fastify, real store; nothing mocked.
import { AuditLog } from "../../src/audit/index.ts";
import { Evaluator } from "../../src/evaluator/evaluator.ts";
import { Governor } from "../../src/governance/governor.ts";
import { MemoryStateStore } from "../../src/rollback/index.ts";
import { createService, type ServeOptions, type Service } from "../../src/serve/server.ts";
import { issueToken } from "../../src/serve/tokens.ts";
import { DIRECTORY, policyBundle, seedDirectory } from "../governance/fixture.ts";

export interface Served {
  service: Service;
  governor: Governor;
  audit: AuditLog;
  url: string;
  tokens: Record<string, string>;
  /** fetch against the service as a principal (undefined: no credentials). */
  call(as: string | undefined, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export const EXTRA = [
  { id: "auditor", kind: "user" as const, roles: ["warden:auditor"] },
  { id: "monitor", kind: "system" as const, roles: ["warden:monitor"] },
  { id: "pep", kind: "system" as const, roles: ["warden:pep"] },
];

export async function serve(store: string, opts: Partial<ServeOptions> & { bytes?: Uint8Array } = {}): Promise<Served> {
  const audit = await AuditLog.open(store);
  await seedDirectory(audit, [...DIRECTORY, ...EXTRA]);
  const evaluator = await Evaluator.load({ bytes: opts.bytes ?? (await policyBundle()) }, { allowUnsigned: true });
  const governor = await Governor.open({ evaluator, audit, state: new MemoryStateStore(), killSwitchPollMs: 10 });
  const tokens: Record<string, string> = {};
  for (const p of [...DIRECTORY, ...EXTRA]) tokens[p.id] = (await issueToken(governor.store, p.id, "admin")).token;
  const { bytes: _b, ...rest } = opts;
  const service = await createService({ governor, evaluator, clock: false, ...rest });
  const address = await service.app.listen({ port: 0, host: "127.0.0.1" });
  const call = async (as: string | undefined, method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = {};
    if (as !== undefined) headers.authorization = `Bearer ${tokens[as] ?? as}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${address}${path}`, { method, headers, redirect: "manual", ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // text (metrics, html)
    }
    return { status: res.status, body: parsed as any };
  };
  return {
    service,
    governor,
    audit,
    url: address,
    tokens,
    call,
    async close() {
      await service.close();
      await governor.dispose();
    },
  };
}

export const refund750 = (order = "A-1001", amount = 750) => ({
  agent: { id: "support-bot-1", role: "support-agent" },
  initiator: { id: "customer-42", kind: "user" },
  action: "refund.issue",
  parameters: { order, amount },
  context: { input: "I was charged twice for order A-1001", retrieved: [{ doc: "orders/A-1001", charged: 2 }], attributes: { identity_verified: true } },
});

export const lookup = (order = "A-1001") => ({
  agent: { id: "support-bot-1", role: "support-agent" },
  initiator: { id: "customer-42", kind: "user" },
  action: "order.lookup",
  parameters: { order },
  context: { attributes: { identity_verified: true } },
});
