// The escalation clock inside the service: every `intervalMs` it sweeps the approvals (the
// governor escalates each whose SLA passed, expires it at the end of its chain, each step an
// audit record), warns once per level `warnBeforeMs` before the deadline, and tells the webhooks.
// No command needs to run. Each webhook delivery is signed (HMAC-SHA256 over `t.body`, header
// X-Warden-Signature: t=<unix seconds>,v1=<hex>), retried with backoff, and audited (a notify
// record with details.delivery: event, url, attempts, status).
//
// The audit trail is the outbox: before its first attempt a delivery is a notify record with
// details.outbox (its id, event, url and the exact body); its end is the details.delivery record
// with the same id. When the clock starts it sends again every delivery of the last day that no
// record acknowledges (2xx): interrupted by a restart or given up on. The receiver sees the same
// X-Warden-Delivery id each time, to drop duplicates.
import { createHmac, randomUUID } from "node:crypto";
import type { Governor } from "../governance/governor.ts";
import type { Approval } from "../schemas/types.ts";

export interface Webhook {
  url: string;
  /** The shared secret the HMAC is keyed with. */
  secret: string;
  /** warden (default): the event as JSON; slack: a Slack-compatible {text, blocks} payload. */
  format?: "warden" | "slack";
}

export interface ClockOptions {
  intervalMs?: number;
  /** Warn this long before an SLA deadline (default: a fifth of the SLA). */
  warnBeforeMs?: number;
  webhooks?: Webhook[];
  /** Attempts per delivery (default 4) and the first backoff (default 500 ms, doubling). */
  attempts?: number;
  backoffMs?: number;
  /** Base URL of the inbox, for links in notifications. */
  publicUrl?: string;
  onChange?: (approval_id: string) => void;
}

export type ClockEvent = "approval.requested" | "approval.warning" | "approval.escalated" | "approval.expired" | "approval.decided";

export function sign(secret: string, t: number, body: string): string {
  return `t=${t},v1=${createHmac("sha256", secret).update(`${t}.${body}`).digest("hex")}`;
}

export class Clock {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly seen = new Map<string, string>();
  private readonly warned = new Set<string>();
  private readonly deliveries = new Set<Promise<void>>();
  private readonly sleeping = new Set<() => void>();
  private stopped = false;

  constructor(
    private readonly governor: Governor,
    private readonly opts: ClockOptions = {},
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.opts.intervalMs ?? 5_000);
    this.timer.unref();
    this.track(this.redeliver().catch(() => {}));
    void this.tick();
  }

  private track(p: Promise<void>): void {
    // A delivery that cannot even be queued (the store is gone) is dropped: the clock keeps going.
    const q = p.catch(() => {}).finally(() => this.deliveries.delete(q));
    this.deliveries.add(q);
  }

  /** Deliveries queued in the last day (at most REDELIVER_MAX) that no record acknowledges, sent again. */
  private async redeliver(): Promise<void> {
    const queued = new Map<string, Outbox>();
    const acked = new Set<string>();
    for await (const r of this.governor.auditLog.list({ type: "notify", since: new Date(Date.now() - REDELIVER_WINDOW_MS) })) {
      const d = r.details as { outbox?: Outbox; delivery?: { id?: string; ok?: boolean } } | undefined;
      if (d?.outbox) queued.set(d.outbox.id, { ...d.outbox, action_id: r.action_id });
      else if (d?.delivery?.id && d.delivery.ok) acked.add(d.delivery.id);
    }
    let n = 0;
    for (const o of queued.values()) {
      if (acked.has(o.id) || this.stopped) continue;
      const hook = (this.opts.webhooks ?? []).find((h) => h.url === o.url);
      if (!hook || ++n > REDELIVER_MAX) continue; // a webhook no longer configured has no secret to sign with
      this.track(this.send(hook, o, true));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const wake of [...this.sleeping]) wake();
    await this.running;
    await Promise.allSettled([...this.deliveries]);
  }

  /** One sweep: escalate, expire and warn as the time requires; notify each change. */
  tick(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.sweep()
      .catch(() => {})
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async sweep(): Promise<void> {
    const store = this.governor.store;
    const before = new Map<string, Approval>();
    for (const a of await store.listApprovals("pending")) before.set(a.approval_id, a);
    const after = await this.governor.sweep();
    const now = Date.now();
    for (const a of after) {
      const prev = before.get(a.approval_id);
      const key = `${a.status}:${a.level}`;
      const last = this.seen.get(a.approval_id);
      this.seen.set(a.approval_id, key);
      if (prev && a.history.length > prev.history.length) {
        for (const e of a.history.slice(prev.history.length)) {
          if (e.event === "escalate") this.notify("approval.escalated", a);
          if (e.event === "expire") this.notify("approval.expired", a);
        }
        this.opts.onChange?.(a.approval_id);
      } else if (last === undefined && a.status === "pending" && a.history.length === 0) {
        this.notify("approval.requested", a);
      }
      if (a.status === "pending") {
        const sla = a.route.sla_minutes * 60_000;
        const warnAt = Date.parse(a.due_at) - (this.opts.warnBeforeMs ?? sla / 5);
        const w = `${a.approval_id}:${a.level}`;
        if (now >= warnAt && !this.warned.has(w)) {
          this.warned.add(w);
          this.notify("approval.warning", a);
        }
      }
    }
  }

  /** Sends an event to every webhook (in the background), each delivery audited. */
  notify(event: ClockEvent, a: Approval): void {
    for (const hook of this.opts.webhooks ?? []) this.track(this.deliver(hook, event, a));
  }

  private async deliver(hook: Webhook, event: ClockEvent, a: Approval): Promise<void> {
    const link = this.opts.publicUrl ? `${this.opts.publicUrl.replace(/\/$/, "")}/inbox/approvals/${a.approval_id}` : undefined;
    const payload =
      hook.format === "slack"
        ? { text: `${label(event)}: ${a.approval_id} (${a.approver_role}, due ${a.due_at})${link ? ` ${link}` : ""}`, blocks: [{ type: "section", text: { type: "mrkdwn", text: `*${label(event)}*\napproval \`${a.approval_id}\` for *${a.approver_role}*, due ${a.due_at}${link ? `\n<${link}|open in the inbox>` : ""}` } }] }
        : { event, approval_id: a.approval_id, action_id: a.action_id, status: a.status, level: a.level, approver_role: a.approver_role, due_at: a.due_at, ...(link ? { link } : {}) };
    const o: Outbox = { id: randomUUID(), event, approval_id: a.approval_id, action_id: a.action_id, url: hook.url, body: JSON.stringify(payload) };
    // Queued in the trail first: a delivery this process does not finish is sent by the next one.
    await this.governor.auditLog.append({ type: "notify", action_id: a.action_id, details: { outbox: { id: o.id, event, approval_id: o.approval_id, url: o.url, body: o.body } } });
    await this.send(hook, o, false);
  }

  /** A wait between attempts that stop() cuts short (the delivery is then re-sent by the next start). */
  private backoff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.sleeping.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.sleeping.add(done);
    });
  }

  private async send(hook: Webhook, o: Outbox, resent: boolean): Promise<void> {
    const attempts = this.opts.attempts ?? 4;
    let status = 0;
    let error: string | undefined;
    let n = 0;
    for (; n < attempts && !this.stopped; n++) {
      if (n > 0) await this.backoff((this.opts.backoffMs ?? 500) * 2 ** (n - 1));
      if (this.stopped) break;
      const t = Math.floor(Date.now() / 1000);
      try {
        const res = await fetch(hook.url, { method: "POST", headers: { "content-type": "application/json", "x-warden-event": o.event, "x-warden-delivery": o.id, "x-warden-signature": sign(hook.secret, t, o.body) }, body: o.body, signal: AbortSignal.timeout(10_000) });
        status = res.status;
        await res.arrayBuffer().catch(() => {});
        if (res.ok) {
          n++;
          break;
        }
        error = `HTTP ${res.status}`;
      } catch (e) {
        error = (e as Error).message;
      }
    }
    const ok = status >= 200 && status < 300;
    await this.governor.auditLog
      .append({ type: "notify", ...(o.action_id ? { action_id: o.action_id } : {}), details: { delivery: { id: o.id, event: o.event, approval_id: o.approval_id, url: hook.url, attempts: n, ok, status, ...(resent ? { resent: true } : {}), ...(!ok && this.stopped ? { interrupted: true } : {}), ...(ok || !error ? {} : { error }) } } })
      .catch(() => {});
  }
}

/** A delivery as queued: what is needed to send it again, byte for byte. */
interface Outbox {
  id: string;
  event: ClockEvent;
  approval_id: string;
  action_id?: string | undefined;
  url: string;
  body: string;
}

const REDELIVER_WINDOW_MS = 24 * 3600_000;
const REDELIVER_MAX = 1000;

function label(e: ClockEvent): string {
  return { "approval.requested": "Approval requested", "approval.warning": "SLA about to pass", "approval.escalated": "Approval escalated", "approval.expired": "Approval expired", "approval.decided": "Approval decided" }[e];
}
