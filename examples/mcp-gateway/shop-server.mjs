// The example's upstream MCP server (the MCP SDK v2, over stdio): a support agent's tools on an
// in-memory order book, and `calls`, a tool the gateway does not map, which reports how often each
// tool body ran.
import { McpServer } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { z } from "zod";

const orders = { "A-1001": { total: 240, discounts: [], refunded: 0 }, "A-1002": { total: 900, discounts: [], refunded: 0 } };
const runs = {};
const ran = (name) => (runs[name] = (runs[name] ?? 0) + 1);
const json = (v) => ({ content: [{ type: "text", text: JSON.stringify(v) }], structuredContent: v });
const order = { order: z.string() };

serveStdio(() => {
  const s = new McpServer({ name: "shop", version: "1.0.0" }, { capabilities: { tools: {} } });
  s.registerTool("lookup_order", { description: "Look up an order", inputSchema: z.object(order) }, async ({ order: id }) => (ran("lookup_order"), json({ order: orders[id] ?? null })));
  s.registerTool("apply_discount", { description: "Discount an order", inputSchema: z.object({ ...order, amount: z.number() }) }, async ({ order: id, amount }) => {
    ran("apply_discount");
    orders[id].total -= amount;
    orders[id].discounts.push(amount);
    return json({ discounted: amount, total: orders[id].total });
  });
  s.registerTool("issue_refund", { description: "Refund an order", inputSchema: z.object({ ...order, amount: z.number() }) }, async ({ order: id, amount }) => {
    ran("issue_refund");
    orders[id].refunded += amount;
    return json({ refunded: amount, order: id });
  });
  s.registerTool("delete_account", { description: "Delete a customer account", inputSchema: z.object({ customer: z.string() }) }, async () => (ran("delete_account"), json({ deleted: true })));
  s.registerTool("calls", { description: "How often each tool ran", inputSchema: z.object({}) }, async () => json({ runs }));
  return s;
});
