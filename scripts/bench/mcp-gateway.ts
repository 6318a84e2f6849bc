// What the MCP gateway adds to an auto tools/call over stdio: the SDK's client calls
// lookup_order on the upstream directly (examples/mcp-gateway/shop-server.mjs over stdio) and
// through the gateway (a child process serving McpGateway over stdio, its governor on a SQLite
// store, in front of its own copy of the same upstream), interleaved call by call so both see the
// same machine load. Reports p50/p99 of each and the difference. The target: at most 2 ms at p50.
//
// Each governed auto action is two durable SQLite commits (decision with intent and started mark,
// outcome), so the figure is mostly the disk's fsync latency: --dir puts the store elsewhere (e.g.
// /dev/shm, to see the gateway's own cost without the disk's).
//
//   node --import tsx scripts/bench/mcp-gateway.ts [--calls 2000] [--warmup 200] [--dir DIR] [--json]
// `npm run bench` runs benchMcpGateway with fewer calls, on the durable default and on /dev/shm.
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";

const SELF = fileURLToPath(import.meta.url);
const UPSTREAM = fileURLToPath(new URL("../../examples/mcp-gateway/shop-server.mjs", import.meta.url));

/** The child: the gateway on stdin/stdout, governing the support agent's calls to its own upstream. */
async function child(store: string | undefined): Promise<void> {
  const { governed } = await import("../../test/governance/fixture.ts");
  const { McpGateway, connectUpstream } = await import("../../src/integrations/mcp.ts");
  const g = await governed({ clock: { t: Date.now() }, ...(store ? { store } : {}) });
  const upstream = await connectUpstream({ command: process.execPath, args: [UPSTREAM] });
  const gateway = new McpGateway({
    governor: g.gov,
    agent: { id: "support-bot-1", role: "support-agent" },
    initiator: { id: "customer-c77", kind: "user" },
    context: { channel: "chat", attributes: { identity_verified: true } },
    upstream,
    tools: { lookup_order: { action: "order.lookup" } },
  });
  // Where the child's time goes: the governed call (governor and upstream round trip) per call.
  const inside: number[] = [];
  const governedCall = gateway.callTool.bind(gateway);
  gateway.callTool = async (...a) => {
    const t = performance.now();
    const r = await governedCall(...a);
    inside.push(performance.now() - t);
    return r;
  };
  const handle = gateway.serveStdio();
  await new Promise((r) => process.stdin.once("close", r));
  inside.sort((x, y) => x - y);
  console.error(`gateway child: governed call (governor + upstream round trip) p50 ${pct(inside, 0.5).toFixed(3)} ms over ${inside.length} calls`);
  await handle.close();
  await upstream.close();
  await g.gov.dispose();
}

async function connect(command: string, args: string[]): Promise<Client> {
  const c = new Client({ name: "bench", version: "1.0.0" });
  await c.connect(new StdioClientTransport({ command, args, stderr: "inherit" }));
  return c;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

export interface GatewayBench {
  calls: number;
  /** Where the gateway's store was: the fixture's temporary directory, or --dir. */
  dir: string;
  direct_ms: { p50: number; p99: number };
  gateway_ms: { p50: number; p99: number };
  added_ms: { p50: number; p99: number; paired_p50: number };
  target_p50_ms: number;
}

export async function benchMcpGateway(opts: { calls: number; warmup: number; dir?: string }): Promise<GatewayBench> {
  const { calls, warmup } = opts;
  const direct = await connect(process.execPath, [UPSTREAM]);
  const gateway = await connect(process.execPath, ["--import", "tsx", SELF, "--child", ...(opts.dir ? ["--dir", opts.dir] : [])]);
  const call = { name: "lookup_order", arguments: { order: "A-1001" } };
  const time = async (c: Client): Promise<number> => {
    const t = performance.now();
    const r = await c.callTool(call);
    const ms = performance.now() - t;
    if (r.isError) throw new Error(`lookup_order refused: ${JSON.stringify(r.content)}`);
    return ms;
  };
  const d: number[] = [];
  const w: number[] = [];
  try {
    for (let i = 0; i < warmup + calls; i++) {
      // Alternate which goes first so neither always runs on a freshly woken process.
      const [a, b] = i % 2 ? [await time(direct), await time(gateway)] : ((x, y) => [y, x])(await time(gateway), await time(direct));
      if (i >= warmup) d.push(a), w.push(b);
    }
  } finally {
    // Closing the clients ends the child processes (the gateway's child closes its upstream).
    await direct.close();
    await gateway.close();
  }
  const diffs = d.map((x, i) => w[i]! - x).sort((x, y) => x - y);
  d.sort((x, y) => x - y);
  w.sort((x, y) => x - y);
  const r = (n: number) => Math.round(n * 1000) / 1000;
  return {
    calls,
    dir: opts.dir ?? "(temporary directory)",
    direct_ms: { p50: r(pct(d, 0.5)), p99: r(pct(d, 0.99)) },
    gateway_ms: { p50: r(pct(w, 0.5)), p99: r(pct(w, 0.99)) },
    added_ms: { p50: r(pct(w, 0.5) - pct(d, 0.5)), p99: r(pct(w, 0.99) - pct(d, 0.99)), paired_p50: r(pct(diffs, 0.5)) },
    target_p50_ms: 2,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { calls: { type: "string", default: "2000" }, warmup: { type: "string", default: "200" }, json: { type: "boolean" }, child: { type: "boolean" }, dir: { type: "string" } } });
  if (values.child) return child(values.dir ? join(mkdtempSync(join(values.dir, "warden-mcp-bench-")), "warden.db") : undefined);
  const calls = Number(values.calls);
  const out = await benchMcpGateway({ calls, warmup: Number(values.warmup), ...(values.dir ? { dir: values.dir } : {}) });
  if (values.json) console.log(JSON.stringify(out));
  else {
    console.log(`auto tools/call over stdio, ${calls} interleaved calls each`);
    console.log(`  direct   p50 ${out.direct_ms.p50} ms   p99 ${out.direct_ms.p99} ms`);
    console.log(`  gateway  p50 ${out.gateway_ms.p50} ms   p99 ${out.gateway_ms.p99} ms`);
    console.log(`  added    p50 ${out.added_ms.p50} ms   p99 ${out.added_ms.p99} ms   (median of paired differences ${out.added_ms.paired_p50} ms; target <= 2 ms at p50)`);
  }
}

if (process.argv[1] === SELF) await main();
