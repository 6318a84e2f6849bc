// Escalation on the service's own clock: with a 1.2-second SLA, a paused refund is warned about,
// escalated to the next role and expired at the end of its chain with no command run; the
// webhook receiver gets each notification signed (HMAC-SHA256), a failed delivery is retried,
// and every delivery is an audit record. A long-poll waiting on the approval returns on expiry.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { buildBundleBytes } from "../../src/bundle/index.ts";
import { sign } from "../../src/serve/clock.ts";
import { refund750, serve } from "./fixture.ts";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");

it("warns, escalates and expires without any command; each webhook signed, retried, audited", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-serve-clock-"));
  cpSync(join(ROOT, "policy"), join(dir, "policy"), { recursive: true });
  const dataFile = join(dir, "policy", "governance", "data.json");
  const data = JSON.parse(readFileSync(dataFile, "utf8"));
  const g = data.governance ?? data;
  g.routes["refund.issue"] = { approver_role: "support-lead", sla_minutes: 0.02, escalation: ["support-manager"] };
  writeFileSync(dataFile, JSON.stringify(data));
  const { bytes } = await buildBundleBytes({ paths: [join(dir, "policy")] });

  const secret = "whsec-test";
  const got: { event: string; body: Record<string, unknown>; valid: boolean }[] = [];
  let failFirst = true;
  const receiver = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (b) => (body += b));
    req.on("end", () => {
      if (failFirst) {
        failFirst = false;
        res.writeHead(503).end();
        return;
      }
      const sig = String(req.headers["x-warden-signature"]);
      const t = Number(/t=(\d+)/.exec(sig)?.[1]);
      got.push({ event: String(req.headers["x-warden-event"]), body: JSON.parse(body), valid: sig === sign(secret, t, body) && Math.abs(Date.now() / 1000 - t) < 60 });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const hook = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;

  const s = await serve(`sqlite:${join(dir, "w.db")}`, { bytes, clock: { intervalMs: 100, warnBeforeMs: 600, webhooks: [{ url: hook, secret }], backoffMs: 50 } });
  try {
    const p = await s.call("support-bot-1", "POST", "/v1/actions", { request: refund750() });
    expect(p.status).toBe(202);
    const waited = await s.call("support-bot-1", "GET", `/v1/approvals/${p.body.approval_id}/wait?timeout_s=10`);
    expect(waited.body.status).toBe("expired");
    const a = waited.body.approval;
    expect(a.history.map((e: { event: string }) => e.event)).toEqual(["escalate", "expire"]);
    // mia (support-manager) saw it once it escalated to her role.
    expect((await s.call("mia", "GET", `/v1/approvals/${p.body.approval_id}`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    const events = got.map((g) => g.event);
    expect(events).toEqual(expect.arrayContaining(["approval.requested", "approval.warning", "approval.escalated", "approval.expired"]));
    expect(got.every((g) => g.valid)).toBe(true);
    expect(got.every((g) => g.body.approval_id === p.body.approval_id)).toBe(true);
    const deliveries: { event: string; ok: boolean; attempts: number }[] = [];
    for await (const r of s.audit.list({ type: "notify" })) {
      const d = (r.details as { delivery?: { event: string; ok: boolean; attempts: number } } | undefined)?.delivery;
      if (d) deliveries.push(d);
    }
    expect(deliveries).toHaveLength(got.length);
    expect(deliveries.every((d) => d.ok)).toBe(true);
    expect(Math.max(...deliveries.map((d) => d.attempts))).toBe(2);
    expect((await s.call("auditor", "GET", "/v1/audit/verify")).body.ok).toBe(true);
  } finally {
    await s.close();
    receiver.close();
  }
});
