// What the integration tests share: a governed deployment of the repository's policy with the
// demo's orders, and checks of the audit trail the frameworks' tool calls leave.
import { expect } from "vitest";
import { governed, type Governed } from "../governance/fixture.ts";
import type { AuditRecord } from "../../src/schemas/types.ts";

export const AGENT = { id: "support-bot-1", role: "support-agent" };
export const CUSTOMER = { id: "customer-c77", kind: "user" as const };
export const CONTEXT = { channel: "chat", attributes: { identity_verified: true, customer_tier: "standard" } };

/** The governed deployment with orders A-1001 (240) and A-1002 (900), and a count of each tool body's runs. */
export async function shop(): Promise<Governed & { runs: Record<string, number> }> {
  const g = await governed();
  await g.state.put("orders/A-1001", { customer: "customer-c77", total: 240, discounts: [], refunded: 0 });
  await g.state.put("orders/A-1002", { customer: "customer-c77", total: 900, discounts: [], refunded: 0 });
  return { ...g, runs: {} };
}

/** The tool bodies of the support agent: they change the orders in Warden's state store. */
export function bodies(g: Governed & { runs: Record<string, number> }) {
  const count = (n: string) => (g.runs[n] = (g.runs[n] ?? 0) + 1);
  return {
    lookup: async ({ order }: { order: string }) => (count("lookup"), { order: await g.state.get(`orders/${order}`) }),
    discount: async ({ order, amount }: { order: string; amount: number }) => {
      count("discount");
      const o = (await g.state.get(`orders/${order}`)) as { total: number; discounts: number[] };
      await g.state.put(`orders/${order}`, { ...o, total: o.total - amount, discounts: [...o.discounts, amount] });
      return { discounted: amount };
    },
    refund: async ({ order, amount }: { order: string; amount: number }) => {
      count("refund");
      const o = (await g.state.get(`orders/${order}`)) as { refunded: number };
      await g.state.put(`orders/${order}`, { ...o, refunded: o.refunded + amount });
      return { refunded: amount };
    },
    deleteAccount: async (_: { customer: string }) => (count("deleteAccount"), { deleted: true }),
  };
}

/** The mapping of the support agent's tools to the policy's actions. */
export const MAPPING = {
  lookup_order: { action: "order.lookup" },
  apply_discount: { action: "discount.apply", resource: (i: unknown) => `orders/${(i as { order: string }).order}` },
  issue_refund: { action: "refund.issue", resource: (i: unknown) => `orders/${(i as { order: string }).order}` },
  delete_account: { action: "account.delete" },
};

export async function records(g: Governed): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const r of g.audit.list()) out.push(r);
  return out;
}

/** The chain verifies, and every decision record names the bundle revision in force. */
export async function expectTrail(g: Governed): Promise<AuditRecord[]> {
  const v = await g.audit.verify();
  expect(v.ok).toBe(true);
  const all = await records(g);
  const decisions = all.filter((r) => r.type === "decision");
  expect(decisions.length).toBeGreaterThan(0);
  for (const d of decisions) expect(d.decision?.revision).toBe(g.gov.revision);
  return all;
}

/** The decision records' categories, by action name. */
export function categories(all: AuditRecord[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of all) if (r.type === "decision" && r.request) (out[r.request.action] ??= []).push(String((r.decision?.result as { category?: string }).category));
  return out;
}
