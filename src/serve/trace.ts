// OpenTelemetry traces, as an option (ServeOptions.tracing, serve.tracing in warden.yaml): a
// server span per request and a child span per governed decision, through whatever tracer
// provider the process registered (@opentelemetry/api, an optional peer dependency). Without the
// option nothing is imported and the hooks are not installed: no cost. With it and no provider
// registered, the API's no-op tracer answers.
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Span, Tracer } from "@opentelemetry/api";

type Api = typeof import("@opentelemetry/api");

export interface Tracing {
  /** Runs fn as the span `name`, a child of the request's span; `attrs` of its result are set on it. */
  decide<T>(req: FastifyRequest, name: string, attrs: Record<string, string | number | boolean>, fn: () => Promise<T>, result?: (r: T) => Record<string, string | number | boolean>): Promise<T>;
}

/** No tracing: the decision runs as it is. */
export const NO_TRACING: Tracing = { decide: (_req, _name, _attrs, fn) => fn() };

const spans = new WeakMap<FastifyRequest, Span>();

export class TracingUnavailable extends Error {}

/** Loads the API and installs the request hooks; throws TracingUnavailable when @opentelemetry/api is not installed. */
export async function installTracing(app: FastifyInstance): Promise<Tracing> {
  let api: Api;
  try {
    api = await import("@opentelemetry/api");
  } catch (e) {
    throw new TracingUnavailable(`tracing needs the package @opentelemetry/api (~1.9): ${(e as Error).message}`);
  }
  const tracer: Tracer = api.trace.getTracer("warden-serve");
  const { SpanKind, SpanStatusCode } = api;

  app.addHook("onRequest", async (req, reply) => {
    // The caller's trace, when it sends a W3C traceparent (and the process registered a propagator), is the parent.
    const parent = api.propagation.extract(api.context.active(), req.headers);
    const route = req.routeOptions.url ?? "unmatched";
    const span = tracer.startSpan(`${req.method} ${route}`, { kind: SpanKind.SERVER, attributes: { "http.request.method": req.method, "http.route": route, "url.path": req.url.split("?")[0]! } }, parent);
    spans.set(req, span);
    // Ended when the response is (also for streams that take the reply over: server-sent events).
    reply.raw.once("close", () => {
      if (req.principal) span.setAttribute("warden.principal", req.principal.id);
      span.setAttribute("http.response.status_code", reply.raw.statusCode);
      if (reply.raw.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      spans.delete(req);
    });
  });

  return {
    async decide(req, name, attrs, fn, result) {
      const parent = spans.get(req);
      const ctx = parent ? api.trace.setSpan(api.context.active(), parent) : api.context.active();
      const span = tracer.startSpan(name, { attributes: attrs }, ctx);
      try {
        const r = await api.context.with(api.trace.setSpan(ctx, span), fn);
        if (result) span.setAttributes(result(r));
        return r;
      } catch (e) {
        span.recordException(e as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
        throw e;
      } finally {
        span.end();
      }
    },
  };
}
