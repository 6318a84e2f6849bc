// The webhook outbox survives a restart: a delivery the receiver has not acknowledged when the
// service stops is sent again, byte for byte with the same X-Warden-Delivery id and a fresh
// signature, by the next service on the store; once acknowledged it is not sent again. Each
// attempt series is a notify record. A decision made in the inbox's form tells the webhooks as
// one made over the API does.
import { mkdtempSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { AuditLog } from "../../src/audit/index.ts";
import { sign } from "../../src/serve/clock.ts";
import { refund750, serve } from "./fixture.ts";

interface Got {
  id: string;
  event: string;
  body: string;
  valid: boolean;
}

it("unacknowledged deliveries are re-sent after a restart, acknowledged ones are not; inbox decisions are delivered", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-serve-outbox-"));
  const store = `sqlite:${join(dir, "w.db")}`;
  const secret = "whsec-outbox";
  let up = false;
  const got: Got[] = [];
  const receiver = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (b) => (body += b));
    req.on("end", () => {
      const sig = String(req.headers["x-warden-signature"]);
      const t = Number(/t=(\d+)/.exec(sig)?.[1]);
      got.push({ id: String(req.headers["x-warden-delivery"]), event: String(req.headers["x-warden-event"]), body, valid: sig === sign(secret, t, body) });
      res.writeHead(up ? 204 : 503).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
  const clock = { intervalMs: 100, webhooks: [{ url, secret }], attempts: 5, backoffMs: 10_000 };
  /** The delivery records, read from the store after the service closed. */
  const deliveries = async () => {
    const log = await AuditLog.open(store);
    const out: { id: string; ok: boolean; resent?: boolean; interrupted?: boolean; event: string }[] = [];
    try {
      for await (const r of log.list({ type: "notify" })) {
        const d = (r.details as { delivery?: (typeof out)[number] } | undefined)?.delivery;
        if (d) out.push(d);
      }
    } finally {
      await log.close();
    }
    return out;
  };
  const until = async (what: () => boolean) => {
    for (let i = 0; i < 100 && !what(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(what()).toBe(true);
  };
  try {
    // 1. The receiver is down: the first attempt fails, the service stops during the backoff.
    let s = await serve(store, { clock });
    const p = await s.call("support-bot-1", "POST", "/v1/actions", { request: refund750() });
    expect(p.status).toBe(202);
    await until(() => got.some((g) => g.event === "approval.requested"));
    const first = got.find((g) => g.event === "approval.requested")!;
    await s.close();
    expect(await deliveries()).toEqual([expect.objectContaining({ id: first.id, ok: false, interrupted: true })]);

    // 2. Restarted with the receiver up: the same delivery again, same id and body, signed anew.
    up = true;
    s = await serve(store, { clock });
    await until(() => got.filter((g) => g.id === first.id).length === 2);
    const again = got.filter((g) => g.id === first.id)[1]!;
    expect(again.body).toBe(first.body);
    expect(again.valid).toBe(true);
    await until(() => got.length >= 3);
    await s.close();
    const after = await deliveries();
    expect(after).toContainEqual(expect.objectContaining({ id: first.id, ok: true, resent: true }));

    // 3. Restarted again: nothing acknowledged is sent a third time. lena approves in the inbox's
    // form (signed in with her token, as the browser does); the webhook is told.
    s = await serve(store, { clock });
    const login = await fetch(`${s.url}/inbox/login`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token: s.tokens.lena! }) });
    expect(login.status).toBe(303);
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const form = new URLSearchParams({ verdict: "approve", request_hash: p.body.ticket.request_hash, revision: p.body.ticket.revision, comment: "charged twice" });
    const decided = await fetch(`${s.url}/inbox/approvals/${p.body.approval_id}/decide`, { method: "POST", headers: { cookie, "content-type": "application/x-www-form-urlencoded" }, body: form });
    expect(decided.status).toBe(200);
    await until(() => got.some((g) => g.event === "approval.decided"));
    const d = got.find((g) => g.event === "approval.decided")!;
    expect(d.valid).toBe(true);
    expect(JSON.parse(d.body)).toMatchObject({ event: "approval.decided", approval_id: p.body.approval_id, status: "approved" });
    await new Promise((r) => setTimeout(r, 300));
    await s.close();
    expect(got.filter((g) => g.id === first.id)).toHaveLength(2);
    expect((await deliveries()).find((x) => x.event === "approval.decided")).toMatchObject({ ok: true });
  } finally {
    receiver.close();
  }
});
