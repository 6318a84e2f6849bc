// OpenTelemetry as an option: with `tracing` and a tracer provider registered (the SDK's basic
// provider with an in-memory exporter here), a server span per request, authentication refusals
// included, and a child span per governed decision carrying its category; a W3C traceparent from
// the caller is the parent (through the propagator the process registers). Without the option the service creates no span.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { propagation, trace } from "@opentelemetry/api";
// The SDK's own dependency: the W3C propagator a process registers with its SDK (NodeSDK does).
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lookup, refund750, serve } from "./fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "warden-serve-trace-"));
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => {
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterAll(async () => {
  trace.disable();
  propagation.disable();
  await provider.shutdown();
});

const spans = () => exporter.getFinishedSpans();

describe("tracing", () => {
  it("a span per request and per governed decision, the decision's a child of the request's", async () => {
    const s = await serve(`sqlite:${join(dir, "on.db")}`, { tracing: true });
    try {
      exporter.reset();
      expect((await s.call("support-bot-1", "POST", "/v1/actions", { request: lookup() })).status).toBe(200);
      const paused = await s.call("support-bot-1", "POST", "/v1/actions", { request: refund750() });
      expect(paused.status).toBe(202);
      expect((await s.call(undefined, "GET", "/v1/approvals")).status).toBe(401);
      const authz = await s.call("support-bot-1", "POST", "/access/v1/evaluation", { subject: { type: "agent", id: "support-bot-1" }, action: { name: "order.lookup" }, resource: { type: "order", id: "A-1" } });
      expect(authz.status).toBe(200);
      await new Promise((r) => setTimeout(r, 50));
      const requests = spans().filter((x) => ["POST /v1/actions", "GET /v1/approvals", "POST /access/v1/evaluation"].includes(x.name));
      expect(requests.map((x) => [x.name, x.attributes["http.response.status_code"]])).toEqual([
        ["POST /v1/actions", 200],
        ["POST /v1/actions", 202],
        ["GET /v1/approvals", 401],
        ["POST /access/v1/evaluation", 200],
      ]);
      expect(requests[0]!.attributes["warden.principal"]).toBe("support-bot-1");
      const decisions = spans().filter((x) => x.name === "warden.decide");
      expect(decisions.map((d) => [d.attributes["warden.api"], d.attributes["warden.category"]])).toEqual([
        ["actions", "go"],
        ["actions", "paused"],
        ["authzen", "auto"],
      ]);
      for (const [i, d] of decisions.entries()) {
        const parent = requests[[0, 1, 3][i]!]!;
        expect(d.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
        expect(d.spanContext().traceId).toBe(parent.spanContext().traceId);
      }
      // A server-sent event stream takes the reply over; its span ends with the stream.
      const sse = await s.call("support-bot-1", "GET", `/v1/approvals/${paused.body.approval_id}/events?timeout_s=0`);
      expect(sse.body).toMatch(/event: timeout/);
      await new Promise((r) => setTimeout(r, 50));
      expect(spans().find((x) => x.name === "GET /v1/approvals/:id/events")?.attributes["http.response.status_code"]).toBe(200);
    } finally {
      await s.close();
    }
  });

  it("the caller's traceparent is the request span's parent", async () => {
    const s = await serve(`sqlite:${join(dir, "parent.db")}`, { tracing: true });
    try {
      exporter.reset();
      const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      const res = await fetch(`${s.url}/v1/kill-switch`, { headers: { authorization: `Bearer ${s.tokens.lena}`, traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
      expect(res.status).toBe(200);
      await new Promise((r) => setTimeout(r, 50));
      const span = spans().find((x) => x.name === "GET /v1/kill-switch")!;
      expect(span.spanContext().traceId).toBe(traceId);
      expect(span.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
    } finally {
      await s.close();
    }
  });

  it("without the option no span is made, even with a provider registered", async () => {
    const s = await serve(`sqlite:${join(dir, "off.db")}`);
    try {
      exporter.reset();
      expect((await s.call("support-bot-1", "POST", "/v1/actions", { request: lookup() })).status).toBe(200);
      expect(spans()).toEqual([]);
    } finally {
      await s.close();
    }
  });
});
