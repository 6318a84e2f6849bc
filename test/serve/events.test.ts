// Waiting for an approval by server-sent events: the stream opens with the approval as it is,
// follows it while it is pending, and ends with `decided` the moment an approver decides (over the
// API or on the clock), or with `timeout`. Refusals come before the stream, as coded JSON.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refund750, serve, type Served } from "./fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "warden-serve-events-"));
let s: Served;

beforeAll(async () => {
  s = await serve(`sqlite:${join(dir, "w.db")}`);
});
afterAll(async () => {
  await s.close();
});

interface Event {
  event: string;
  data: any;
  at: number;
}

/** Reads a text/event-stream to its end: each event's name, parsed data and arrival time. */
async function stream(as: string, path: string, onEvent?: (e: Event) => void): Promise<{ status: number; type: string | null; events: Event[] }> {
  const res = await fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${s.tokens[as]}`, accept: "text/event-stream" } });
  const events: Event[] = [];
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let i;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const fields = Object.fromEntries(block.split("\n").filter((l) => !l.startsWith(":")).map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 2)]));
      if (!fields.event) continue;
      const e = { event: fields.event, data: JSON.parse(fields.data ?? "null"), at: Date.now() };
      events.push(e);
      onEvent?.(e);
    }
  }
  return { status: res.status, type: res.headers.get("content-type"), events };
}

async function propose(order: string) {
  const p = await s.call("support-bot-1", "POST", "/v1/actions", { request: refund750(order) });
  expect(p.status).toBe(202);
  return { approval_id: p.body.approval_id as string, saw: { request_hash: p.body.ticket.request_hash, revision: p.body.ticket.revision } };
}

describe("GET /v1/approvals/{id}/events", () => {
  it("the agent's stream shows the pending approval, then `decided` as soon as lena approves, then ends", async () => {
    const { approval_id, saw } = await propose("E-1");
    let decidedAt = 0;
    const opened = stream("support-bot-1", `/v1/approvals/${approval_id}/events?timeout_s=20`, async (e) => {
      if (e.event !== "approval") return;
      expect(e.data.approval.status).toBe("pending");
      const r = await s.call("lena", "POST", `/v1/approvals/${approval_id}/approve`, { saw, comment: "ok" });
      expect(r.status).toBe(200);
      decidedAt = Date.now();
    });
    const { status, type, events } = await opened;
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/event-stream/);
    expect(events.map((e) => e.event)).toEqual(["approval", "decided"]);
    expect(events[1]!.data).toMatchObject({ status: "approved", approval_id, original_approval_id: approval_id });
    // Woken by the decision, not by the one-second store poll alone.
    expect(events[1]!.at - decidedAt).toBeLessThan(900);
  });

  it("a rejection ends the stream with `decided` rejected", async () => {
    const { approval_id, saw } = await propose("E-2");
    const { events } = await stream("lena", `/v1/approvals/${approval_id}/events?timeout_s=20`, (e) => {
      if (e.event === "approval") void s.call("lars", "POST", `/v1/approvals/${approval_id}/reject`, { saw, comment: "no" });
    });
    expect(events.map((e) => [e.event, e.data.status ?? e.data.approval.status])).toEqual([
      ["approval", "pending"],
      ["decided", "rejected"],
    ]);
  });

  it("nobody decides: `timeout` with the approval still pending, at timeout_s", async () => {
    const { approval_id } = await propose("E-3");
    const t0 = Date.now();
    const { events } = await stream("support-bot-1", `/v1/approvals/${approval_id}/events?timeout_s=1`);
    expect(events.map((e) => e.event)).toEqual(["approval", "timeout"]);
    expect(events[1]!.data).toMatchObject({ status: "pending", timed_out: true });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it("an already decided approval answers `decided` at once; an approval not routed to me is a JSON 404 before any stream", async () => {
    const { approval_id, saw } = await propose("E-4");
    await s.call("lena", "POST", `/v1/approvals/${approval_id}/approve`, { saw });
    const { events } = await stream("support-bot-1", `/v1/approvals/${approval_id}/events`);
    expect(events.map((e) => [e.event, e.data.status])).toEqual([["decided", "approved"]]);
    const refused = await s.call("carla", "GET", `/v1/approvals/${approval_id}/events`);
    expect([refused.status, refused.body.code]).toEqual([404, "not_found"]);
    expect((await s.call(undefined, "GET", `/v1/approvals/${approval_id}/events`)).status).toBe(401);
  });

  it("a client that goes away releases its wait", async () => {
    const { approval_id } = await propose("E-5");
    const ac = new AbortController();
    const res = await fetch(`${s.url}/v1/approvals/${approval_id}/events?timeout_s=30`, { headers: { authorization: `Bearer ${s.tokens["support-bot-1"]}` }, signal: ac.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    ac.abort();
    // The service keeps answering and the approval stays decidable.
    await new Promise((r) => setTimeout(r, 200));
    expect((await s.call("lena", "GET", `/v1/approvals/${approval_id}`)).status).toBe(200);
  });
});
