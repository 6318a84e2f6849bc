// `warden serve`: the governor over HTTP (fastify). OPA's Data API and AuthZEN 1.0 for
// decisions, governed actions for remote agents (propose, resume, report the outcome), approvals
// (list, show, long-poll wait, approve / modify / reject), the kill switch, the audit trail's
// verification, health and metrics; the approver inbox (inbox.ts) and the escalation clock
// (clock.ts) run in the same process.
//
// Every route but /health authenticates (auth.ts: API tokens or OIDC/JWT bearer, roles from the
// directory). Bodies are validated at the door against schemas/serve (schemas.ts) and bounded in
// size; every refusal is a coded JSON error and an audit record (the governor's own refusals are
// recorded once, by the governor; the service's own here).
import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { hashJSON } from "../canonical-json.ts";
import type { Evaluator } from "../evaluator/evaluator.ts";
import { ApprovalError } from "../governance/approvals.ts";
import { GovernanceError, GovernanceRefusal } from "../governance/errors.ts";
import type { Governor, Outcome } from "../governance/governor.ts";
import { auditRefusal } from "../governance/refusals.ts";
import { CompensationRequired, RollbackConflict } from "../rollback/errors.ts";
import type { ActionRequest, Approval, Decision } from "../schemas/types.ts";
import { Authenticator, Unauthenticated, auditHttpRefusal, holds, needAgent, needOperation, needRoles, SERVICE_ROLES, type JwtConfig } from "./auth.ts";
import { RemoteRuns, ReportError, type Effect, type Go, type OutcomeReport } from "./remote.ts";
import { problems, type RequestSchema } from "./schemas.ts";
import type { Authenticated } from "./tokens.ts";
import type { ActionProposal, ActionResume, ApprovalVerdict, AuthZENEvaluation, AuthZENEvaluations, DataQuery, KillSwitchChange } from "./types.ts";
import { Clock, type ClockOptions } from "./clock.ts";
import { CountedRefusal, HttpRefusal } from "./errors.ts";
import { UnauthenticatedRefusals } from "./unauthenticated.ts";
import { registerInbox, sessionCookie } from "./inbox.ts";
import { registerLedger, whole } from "./ledger.ts";
import { registerBodyParsers } from "./body.ts";
import { tokenBuckets } from "./limit.ts";
import { installTracing, NO_TRACING } from "./trace.ts";
import type { Signer } from "../audit/checkpoint.ts";

export { HttpRefusal };

export interface ServeOptions {
  governor: Governor;
  /** The evaluator the governor decides with (shared: the kill switch overlay reaches the Data API too). */
  evaluator: Evaluator;
  /** The decision entrypoint the governor asks (default governance/decision): previews of a modify ask the same. */
  entrypoint?: string;
  jwt?: JwtConfig;
  /** Largest request body, bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Longest long-poll wait, ms (default 60 s). */
  maxWaitMs?: number;
  /**
   * Long-polls and event streams open at once per principal (default 16); the service as a whole
   * holds 64 times that. Past either bound a wait is refused (429 too_many_waiters).
   */
  maxWaiters?: number;
  /**
   * Remote actions one agent may have started and not yet reported (default 256): each holds its
   * handler open until the report or the outcome timeout. Past it, 429 too_many_running.
   */
  maxRunning?: number;
  /** How long a client may take to send a whole request, headers and body, ms (default 30 s). */
  requestTimeoutMs?: number;
  /** How long a started remote action waits for its outcome report, ms (default 15 min). */
  outcomeTimeoutMs?: number;
  /** Requests per second per principal (burst twice that); 0: no limit (default 200). */
  rateLimit?: number;
  /** The escalation clock and its webhooks; false: no clock. */
  clock?: ClockOptions | false;
  /** Serve the approver inbox under /inbox (default true). */
  inbox?: boolean;
  /** OpenTelemetry spans per request and per governed decision, through the registered tracer provider (needs @opentelemetry/api). */
  tracing?: boolean;
  /** Inbox sign-in attempts a minute per client address (burst the same); 0: no limit (default 10). */
  signInLimit?: number;
  /**
   * Requests without a valid credential audited one by one per second per client address
   * (default 5, burst 20 times; ten times that over all addresses); past it 429, and one
   * summary record each 10 s counts them. 0: every one audited.
   */
  unauthenticatedLimit?: number;
  /** Signs GET /v1/audit/checkpoint and receipts (C2SP checkpoint); without it the tree head is unsigned. */
  checkpointSigner?: Signer;
}

const GOVERNANCE_STATUS: Record<string, number> = {
  input_invalid: 400,
  evaluation_failed: 422,
  obligation_unmet: 422,
  unknown_agent: 403,
  role_not_held: 403,
  agent_mismatch: 403,
  unknown_principal: 403,
  not_permitted: 403,
  kill_switch: 403,
  already_executed: 409,
  already_rolled_back: 409,
  resource_busy: 409,
  liveness_lost: 503,
  tampered_state: 500,
  // ApprovalError reasons
  wrong_approval: 400,
  wrong_role: 403,
  self_approval: 403,
  agent_approver: 403,
  modified_blocked: 403,
  stale_request: 409,
  stale_revision: 409,
  not_pending: 409,
  past_due: 409,
  expired: 410,
  missing_parameters: 400,
  unexpected_parameters: 400,
};

declare module "fastify" {
  interface FastifyRequest {
    principal?: Authenticated;
  }
  interface FastifyContextConfig {
    /** false: the route needs no credentials (health). */
    auth?: boolean;
  }
}

export interface Service {
  app: FastifyInstance;
  clock?: Clock;
  /** Wakes long-polls waiting on an approval (decisions made here or by the clock). */
  changed(approval_id: string): void;
  close(): Promise<void>;
}

interface Metrics {
  decisions: Map<string, number>;
  latency: number[];
  requests: number;
  refusals: number;
}

export async function createService(opts: ServeOptions): Promise<Service> {
  const { governor, evaluator } = opts;
  const audit = governor.auditLog;
  const store = governor.store;
  const auth = new Authenticator(store, opts.jwt);
  const runs = new RemoteRuns(opts.outcomeTimeoutMs);
  const maxRunning = opts.maxRunning ?? 256;
  /** Refused before the governor decides: an agent that never reports cannot pile up open actions. */
  const roomToRun = (p: Authenticated) => {
    if (runs.running(p.id) >= maxRunning) throw new HttpRefusal(429, "too_many_running", `${p.id} has ${runs.running(p.id)} actions started and not reported: report their outcomes first`);
  };
  const maxWait = opts.maxWaitMs ?? 60_000;
  const metrics: Metrics = { decisions: new Map(), latency: [], requests: 0, refusals: 0 };
  const waiters = new Map<string, Set<() => void>>();
  const changed = (approval_id: string) => {
    for (const w of waiters.get(approval_id) ?? []) w();
  };
  // A client that sends its request slowly (or never finishes it) holds a connection: the whole
  // request must arrive within requestTimeoutMs (408 otherwise), checked several times within it.
  // Long-polls are unaffected: their request has arrived; only the answer takes its time.
  const requestTimeout = opts.requestTimeoutMs ?? 30_000;
  const app = Fastify({
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    logger: false,
    return503OnClosing: true,
    forceCloseConnections: true,
    requestTimeout,
    http: { headersTimeout: requestTimeout, connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(requestTimeout / 4))) },
    // Requests Node refuses before fastify sees them (too slow, headers too large, not HTTP):
    // answered {code, message} like every refusal, and audited, with the client's address.
    clientErrorHandler: (err, socket) => {
      const errCode = (err as { code?: string }).code;
      if (errCode === "ECONNRESET" || socket.destroyed) return;
      const [status, code, message] =
        errCode === "ERR_HTTP_REQUEST_TIMEOUT"
          ? [408, "request_timeout", `the request did not arrive whole within ${requestTimeout} ms`]
          : errCode === "HPE_HEADER_OVERFLOW"
            ? [431, "headers_too_large", "the request's headers exceed the server's limit"]
            : [400, "bad_request", "not a well-formed HTTP request"];
      const body = JSON.stringify({ code, message });
      if (socket.writable) socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      socket.destroy();
      void auditHttpRefusal(audit, { route: "(before routing)", method: "-", code, message, ...(socket.remoteAddress ? { ip: socket.remoteAddress } : {}) }).catch(() => {});
    },
    // URLs the router refuses before any route (a malformed %-escape, a parameter past 100
    // characters) go through the same coded, audited refusal as every other.
    frameworkErrors: (e, req, reply) => {
      const code = (e as { code?: string }).code;
      const refusal = code === "FST_ERR_MAX_PARAM_LENGTH" ? new HttpRefusal(414, "uri_too_long", "a path segment is longer than 100 characters") : code === "FST_ERR_BAD_URL" ? new HttpRefusal(400, "bad_url", "the path holds a malformed %-escape") : e;
      void onError(refusal, req, reply);
    },
  });
  // Installed first, so that the request span covers authentication and its refusals too.
  const tracing = opts.tracing ? await installTracing(app) : NO_TRACING;
  const rate = tokenBuckets(opts.rateLimit ?? 200, (opts.rateLimit ?? 200) * 2);
  const unauthenticated = new UnauthenticatedRefusals(audit, opts.unauthenticatedLimit ?? 5);
  app.addHook("onClose", () => unauthenticated.close());

  // Strict JSON (UTF-8, bounded depth, no duplicate keys, exact numbers); forms for the inbox only.
  registerBodyParsers(app);

  app.addHook("onRequest", async (req) => {
    metrics.requests++;
    if (req.routeOptions.config?.auth === false) return;
    try {
      req.principal = await authenticateRequest(auth, req);
    } catch (e) {
      if (!(e instanceof Unauthenticated)) throw e;
      if (!unauthenticated.admit(req.ip)) throw new CountedRefusal(429, "rate_limited", `too many requests without a valid credential from ${req.ip}`);
      throw new HttpRefusal(401, "unauthenticated", e.message);
    }
    if (!rate(req.principal.id)) throw new HttpRefusal(429, "rate_limited", `${req.principal.id} sent more than ${opts.rateLimit ?? 200} requests per second`);
  });

  // Hoisted: the router's own refusals (frameworkErrors above) come here too, with no route matched.
  async function onError(e: unknown, req: FastifyRequest, reply: FastifyReply) {
    // The client went away while sending (or was cut off by the request timeout, audited there):
    // nobody to answer and nothing refused.
    if ((e as { code?: string }).code === "ECONNRESET" && req.raw.socket?.destroyed) return reply.code(499).send();
    let route: string | undefined;
    try {
      route = req.routeOptions.url;
    } catch {
      // no route context: the router refused the URL
    }
    route ??= req.url.split("?")[0]!.slice(0, 512);
    const operation = `http ${req.method} ${route}`;
    const actor = req.principal ? { id: req.principal.id, kind: req.principal.kind } : undefined;
    let status = 500;
    let body: Record<string, unknown>;
    if (e instanceof HttpRefusal) {
      status = e.status;
      body = { code: e.code, message: e.message, ...e.extra };
      if (!(e instanceof CountedRefusal)) await auditHttpRefusal(audit, { route, method: req.method, code: e.code, message: e.message, ...(req.principal ? { principal: req.principal } : {}), ip: req.ip }).catch(() => {});
    } else if (e instanceof GovernanceRefusal || e instanceof ApprovalError) {
      const code = e instanceof ApprovalError ? e.reason : e.code;
      status = GOVERNANCE_STATUS[code] ?? 403;
      body = { code, message: e.message };
      await auditRefusal(audit, e, { operation, ...(actor ? { actor } : {}) }).catch(() => {});
    } else if (e instanceof GovernanceError) {
      // Not a refusal of the caller's rights but of what it sent: a ticket that does not match its approval, an unknown approval or action.
      status = 409;
      body = { code: "conflict", message: e.message };
      await auditHttpRefusal(audit, { route, method: req.method, code: "conflict", message: e.message, ...(req.principal ? { principal: req.principal } : {}), ip: req.ip }).catch(() => {});
    } else {
      const err = e as { statusCode?: number; code?: string; message?: string };
      if (err.statusCode === 413 || err.code === "FST_ERR_CTP_BODY_TOO_LARGE") [status, body] = [413, { code: "body_too_large", message: `the body exceeds ${opts.bodyLimit ?? 1024 * 1024} bytes` }];
      else if (err.statusCode === 415) [status, body] = [415, { code: "unsupported_media_type", message: err.message ?? "unsupported media type" }];
      else if (err.statusCode && err.statusCode < 500) [status, body] = [err.statusCode, { code: "bad_request", message: err.message ?? "bad request" }];
      else {
        // What failed inside (a store's or driver's message: paths, SQL, hosts) is for the
        // operator's log, not for the caller: the caller gets an id to quote.
        const incident = randomUUID();
        console.error(`warden serve: internal error ${incident} on ${operation}: ${err.message ?? String(e)}`);
        body = { code: "internal", message: `the service could not complete the request (incident ${incident})` };
      }
      if (status < 500) await auditHttpRefusal(audit, { route, method: req.method, code: body.code as string, message: body.message as string, ...(req.principal ? { principal: req.principal } : {}), ip: req.ip }).catch(() => {});
    }
    metrics.refusals++;
    if (route.startsWith("/inbox") && req.method === "GET" && status === 401) return reply.redirect("/inbox/login");
    return reply.code(status).type("application/json").send(body);
  }
  app.setErrorHandler(onError);

  app.setNotFoundHandler(async (req) => {
    throw new HttpRefusal(404, "not_found", `no route ${req.method} ${req.url.split("?")[0]}`);
  });

  const who = (req: FastifyRequest): Authenticated => req.principal!;
  /** A decision made here (API or inbox): waiters woken, webhooks told. */
  const announce = (decided: Approval) => {
    changed(decided.approval_id);
    if (decided.superseded_by) changed(decided.superseded_by);
    clock?.notify("approval.decided", decided);
  };

  // --- health and metrics ---------------------------------------------------------------

  app.get("/health", { config: { auth: false } }, async () => ({ status: "ok", revision: governor.revision }));
  app.get("/ready", { config: { auth: false } }, async () => {
    await store.killSwitch();
    return { status: "ready", revision: governor.revision };
  });

  app.get("/metrics", async (req, reply) => {
    needRoles(who(req), SERVICE_ROLES.metrics, "read metrics");
    const pending = await store.listApprovals("pending");
    const now = Date.now();
    const sorted = [...metrics.latency].sort((a, b) => a - b);
    const q = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! / 1000 : 0);
    const lines = [
      "# HELP warden_decisions_total Governed decisions by category.",
      "# TYPE warden_decisions_total counter",
      ...[...metrics.decisions].map(([c, n]) => `warden_decisions_total{category="${c}"} ${n}`),
      "# HELP warden_decision_seconds Decision latency (recent window).",
      "# TYPE warden_decision_seconds summary",
      `warden_decision_seconds{quantile="0.5"} ${q(0.5)}`,
      `warden_decision_seconds{quantile="0.99"} ${q(0.99)}`,
      "# TYPE warden_approvals_pending gauge",
      `warden_approvals_pending ${pending.length}`,
      "# TYPE warden_approvals_overdue gauge",
      `warden_approvals_overdue ${pending.filter((a) => Date.parse(a.due_at) < now).length}`,
      "# TYPE warden_http_requests_total counter",
      `warden_http_requests_total ${metrics.requests}`,
      "# TYPE warden_http_refusals_total counter",
      `warden_http_refusals_total ${metrics.refusals}`,
    ];
    return reply.type("text/plain; version=0.0.4").send(`${lines.join("\n")}\n`);
  });

  const record = (category: string, ms: number) => {
    metrics.decisions.set(category, (metrics.decisions.get(category) ?? 0) + 1);
    metrics.latency.push(ms);
    if (metrics.latency.length > 10_000) metrics.latency.splice(0, 5_000);
  };

  // --- decisions: OPA's Data API and AuthZEN ---------------------------------------------

  app.post("/v1/data/*", async (req) => {
    const p = who(req);
    const path = (req.params as { "*": string })["*"].replace(/\/+$/, "");
    const body = checked<DataQuery>("data-query", req.body ?? {});
    if (!evaluator.bundle.entrypoints.includes(path)) throw new HttpRefusal(404, "unknown_entrypoint", `${path} is not an entrypoint of revision ${governor.revision} (entrypoints: ${evaluator.bundle.entrypoints.join(", ")})`);
    const input = body.input as { agent?: { id?: unknown } } | undefined;
    // An agent asks only about itself; a policy enforcement point (warden:pep) about anyone.
    if (!holds(p, SERVICE_ROLES.pep)) {
      if (p.kind !== "agent" || input?.agent?.id !== p.id) throw new HttpRefusal(403, "not_permitted", `${p.id} may ask decisions only for input.agent.id = ${p.id} (or hold warden:pep)`);
      // ... and under a role the directory gives it, as for its actions: never a role it claims.
      const role = (input.agent as { role?: unknown }).role;
      if (role !== undefined && (typeof role !== "string" || !p.roles.includes(role))) throw new HttpRefusal(403, "role_not_held", `${p.id} asks as ${JSON.stringify(role)}, a role the directory does not give it (it holds ${p.roles.join(", ") || "none"})`);
    }
    const t0 = performance.now();
    let d;
    try {
      d = evaluator.evaluate(path, body.input);
    } catch (e) {
      throw new HttpRefusal(422, "evaluation_failed", `the policy could not decide: ${(e as Error).message}`);
    }
    record("data", performance.now() - t0);
    await audit.append({
      type: "decision",
      actor: { id: p.id, kind: p.kind },
      decision: { decision_id: d.decision_id, revision: d.revision, entrypoint: d.entrypoint, mode: governor.mode, result: d.result ?? null, recorded: { ...d.recorded } },
      details: { api: "data", input_hash: body.input === undefined ? null : hashJSON(body.input) },
    });
    return { ...(d.result !== undefined ? { result: d.result } : {}), decision_id: d.decision_id, provenance: { revision: d.revision, bundles: { warden: { revision: d.revision } } } };
  });

  /** AuthZEN subject/action/resource/context as the governor's action request, then proposed (audited). */
  const evaluateAuthzen = async (p: Authenticated, e: AuthZENEvaluation) => {
    if (!holds(p, SERVICE_ROLES.pep) && e.subject.id !== p.id) throw new HttpRefusal(403, "not_permitted", `${p.id} may evaluate only for subject ${p.id} (or hold warden:pep)`);
    const entry = await store.principal(e.subject.id);
    const role = (e.subject.properties?.role as string | undefined) ?? entry?.roles[0] ?? "none";
    const ctx = (e.context ?? {}) as Record<string, unknown>;
    const request = {
      agent: { id: e.subject.id, role },
      initiator: (ctx.initiator as ActionRequest["initiator"] | undefined) ?? { id: e.subject.id, kind: "agent" },
      action: e.action.name,
      parameters: { resource: { type: e.resource.type, id: e.resource.id }, ...((e.resource.properties ?? {}) as Record<string, unknown>), ...((e.action.properties ?? {}) as Record<string, unknown>) },
      ...(ctx.attributes || ctx.input || ctx.retrieved ? { context: { ...(ctx.attributes ? { attributes: ctx.attributes } : {}), ...(ctx.input !== undefined ? { input: ctx.input } : {}), ...(ctx.retrieved ? { retrieved: ctx.retrieved } : {}) } } : {}),
    };
    const t0 = performance.now();
    try {
      const prop = await governor.propose(request, undefined, holds(p, SERVICE_ROLES.pep) ? {} : { agent: p.id });
      const r = prop.decision.result;
      record(r.category, performance.now() - t0);
      const decision = r.category === "auto" || r.category === "notify";
      return { decision, context: { category: r.category, reasons: r.reasons, decision_id: prop.decision.decision_id, revision: prop.decision.revision, ...(r.approval ? { approval: r.approval } : {}), ...(r.obligations ? { obligations: r.obligations } : {}) } };
    } catch (err) {
      if (err instanceof GovernanceRefusal) return { decision: false, context: { code: err.code, reason: err.message } };
      throw err;
    }
  };

  const authzen = (req: FastifyRequest, e: AuthZENEvaluation) =>
    tracing.decide(req, "warden.decide", { "warden.api": "authzen", "warden.action": e.action.name, "warden.agent": e.subject.id }, () => evaluateAuthzen(who(req), e), (r) => ({ "warden.category": "category" in r.context ? r.context.category : `refused:${r.context.code}` }));
  app.post("/access/v1/evaluation", async (req) => authzen(req, checked<AuthZENEvaluation>("authzen-evaluation", req.body)));

  app.post("/access/v1/evaluations", async (req) => {
    const p = who(req);
    const b = checked<AuthZENEvaluations>("authzen-evaluations", req.body);
    const semantic = b.options?.evaluations_semantic ?? "execute_all";
    const list = b.evaluations?.length ? b.evaluations : [{}];
    // Each evaluation is an audited decision: it costs a request of the caller's rate, so a batch
    // cannot multiply what the limit allows (the request itself paid for the first).
    for (let i = 1; i < list.length; i++) {
      if (!rate(p.id)) throw new HttpRefusal(429, "rate_limited", `${p.id} sent more than ${opts.rateLimit ?? 200} decisions per second (a batch of ${list.length} counts as ${list.length})`);
    }
    const out = [];
    for (const item of list) {
      const e = { subject: item.subject ?? b.subject, action: item.action ?? b.action, resource: item.resource ?? b.resource, context: { ...(b.context ?? {}), ...(item.context ?? {}) } };
      if (!e.subject || !e.action || !e.resource) throw new HttpRefusal(400, "input_invalid", "each evaluation needs subject, action and resource (its own or the defaults)");
      const r = await evaluateAuthzen(p, e as AuthZENEvaluation);
      out.push(r);
      if ((semantic === "deny_on_first_deny" && !r.decision) || (semantic === "permit_on_first_permit" && r.decision)) break;
    }
    return { evaluations: out };
  });

  // --- governed actions for remote agents -------------------------------------------------

  const answer = (reply: FastifyReply, o: Outcome | Go, category?: string) => {
    if ("go" in o) {
      // What to run is the request the governor let run: after a modify, the approver's
      // parameters, not the ones the agent proposed (its ticket still holds those).
      return reply.code(200).send({ status: "go", action_id: o.go, ...(category ? { category } : {}), action: o.request.action, parameters: o.request.parameters, outcome_url: `/v1/actions/${o.go}/outcome` });
    }
    switch (o.status) {
      case "paused":
        return reply.code(202).send({
          status: "paused",
          action_id: o.action_id,
          approval_id: o.approval.approval_id,
          approver_role: o.approval.approver_role,
          due_at: o.approval.due_at,
          ticket: o.ticket,
          wait_url: `/v1/approvals/${o.approval.approval_id}/wait`,
          resume_url: `/v1/actions/${o.action_id}/resume`,
        });
      case "blocked":
        return reply.code(403).send({ status: "blocked", code: "blocked", action_id: o.action_id, reasons: o.reasons });
      case "refused":
        return reply.code(GOVERNANCE_STATUS[o.code] ?? 403).send({ status: "refused", code: o.code, message: o.error, action_id: o.action_id });
      case "pending":
        return reply.code(409).send({ status: "pending", code: "approval_pending", action_id: o.action_id, approval_id: o.approval.approval_id });
      case "rejected":
        return reply.code(403).send({ status: "rejected", code: "approval_rejected", action_id: o.action_id, approval_id: o.approval.approval_id });
      case "expired":
        return reply.code(410).send({ status: "expired", code: "approval_expired", action_id: o.action_id, approval_id: o.approval.approval_id });
      default:
        return reply.code(200).send(o);
    }
  };

  app.post("/v1/actions", async (req, reply) => {
    const p = who(req);
    needAgent(p);
    const b = checked<ActionProposal>("action-proposal", req.body);
    roomToRun(p);
    const effect: Effect = b.effect ?? "none";
    const t0 = performance.now();
    let category: string | undefined;
    const r = await tracing.decide(
      req,
      "warden.decide",
      { "warden.api": "actions", "warden.action": String(b.request.action), "warden.agent": p.id },
      () => runs.start(p.id, effect, (h) => governor.execute(b.request, async (ctx) => h(ctx), { agent: p.id, ...(effect !== "none" ? { external: true } : {}) })),
      (r) => ("go" in r ? { "warden.category": "go", "warden.action_id": String(r.go) } : { "warden.category": r.done.status, "warden.action_id": String(r.done.action_id) }),
    );
    if ("go" in r) category = "go";
    else category = r.done.status === "paused" ? "approve" : r.done.status;
    record(category, performance.now() - t0);
    return answer(reply, "go" in r ? r : r.done);
  });

  app.post("/v1/actions/:id/resume", async (req, reply) => {
    const p = who(req);
    needAgent(p);
    const { id } = req.params as { id: string };
    const b = checked<ActionResume>("action-resume", req.body);
    if ((b.ticket as { action_id?: unknown }).action_id !== id) throw new HttpRefusal(400, "input_invalid", `the ticket is for another action than ${id}`);
    // Another agent's ticket is refused at the door: the governor would refuse to run it too, but
    // only after telling its approval's state, and (under a new revision) expiring it for its owner.
    const owner = (b.ticket as { request?: { agent?: { id?: unknown } } }).request?.agent?.id;
    if (owner !== p.id) throw new HttpRefusal(403, "agent_mismatch", `the ticket is ${typeof owner === "string" ? `agent ${owner.slice(0, 128)}'s` : "no agent's"}; the caller is agent ${p.id}`);
    roomToRun(p);
    const effect: Effect = b.effect ?? "none";
    let r;
    try {
      r = await tracing.decide(req, "warden.resume", { "warden.api": "resume", "warden.action_id": id, "warden.agent": p.id }, () =>
        runs.start(p.id, effect, (h) => governor.resume(b.ticket, h, { agent: p.id, ...(effect !== "none" ? { external: true } : {}) })),
      );
    } catch (e) {
      if ((e as Error).name === "SchemaError") throw new HttpRefusal(400, "input_invalid", (e as Error).message);
      throw e;
    }
    return answer(reply, "go" in r ? r : r.done);
  });

  app.get("/v1/actions/:id", async (req) => {
    const p = who(req);
    const { id } = req.params as { id: string };
    const s = runs.status(id);
    if (s && (s.agent === p.id || holds(p, ["warden:operator", "warden:admin"]))) return { action_id: id, state: "running", ...s };
    const types: string[] = [];
    let owner: string | undefined;
    for await (const r of audit.list({ action_id: id })) {
      types.push(r.type);
      if (r.type === "decision" && r.request) owner = r.request.agent.id;
    }
    if (!types.length || (owner !== p.id && !holds(p, ["warden:operator", "warden:admin", "warden:auditor"]))) throw new HttpRefusal(404, "not_found", `no action ${id} of ${p.id}`);
    return { action_id: id, state: types.includes("outcome") ? "done" : types.includes("intent") ? "incomplete" : "decided", records: types };
  });

  app.post("/v1/actions/:id/outcome", async (req) => {
    const p = who(req);
    needAgent(p);
    const { id } = req.params as { id: string };
    const b = checked<OutcomeReport>("outcome-report", req.body);
    try {
      const o = await runs.report(id, p.id, b);
      return o;
    } catch (e) {
      if (e instanceof ReportError) throw new HttpRefusal(e.code === "effect_missing" ? 400 : e.code === "not_your_action" ? 403 : 404, e.code, e.message);
      throw e;
    }
  });

  app.post("/v1/actions/:id/rollback", async (req) => {
    const p = who(req);
    needOperation(p, "rollback");
    const { id } = req.params as { id: string };
    try {
      return await governor.rollback(id, p.id);
    } catch (e) {
      // A remote action changed the agent's own system: Warden answers with the compensation (the rollback's failed outcome is audited).
      if (e instanceof CompensationRequired) throw new HttpRefusal(409, "compensation_required", e.message, { effect: e.effect, target: e.target, compensation: e.compensation });
      if (e instanceof RollbackConflict) throw new HttpRefusal(409, "rollback_conflict", e.message);
      throw e;
    }
  });

  // --- approvals ------------------------------------------------------------------------

  /** The roles an approval has been routed to so far: its first role and each it escalated to. */
  const routedTo = (a: Approval) => [a.route.approver_role, ...(a.route.escalation as string[]).slice(0, a.level)];
  const visible = (p: Authenticated, a: Approval) => a.requested_by.id === p.id || p.roles.some((r) => routedTo(a).includes(r));
  const visibleApproval = async (p: Authenticated, id: string): Promise<Approval> => {
    const a = await store.getApproval(id).catch((e) => {
      throw e;
    });
    if (!a || !visible(p, a)) throw new HttpRefusal(404, "not_found", `no approval ${id} routed to a role of ${p.id}`);
    return a;
  };

  app.get("/v1/approvals", async (req) => {
    const p = who(req);
    const status = (req.query as { status?: unknown }).status ?? "pending";
    if (typeof status !== "string" || !["pending", "approved", "modified", "rejected", "expired", "consumed", "all"].includes(status)) throw new HttpRefusal(400, "input_invalid", `status: ${JSON.stringify(status).slice(0, 64)}`);
    const { limit, after } = pageOf(req.query as Record<string, unknown>);
    const all = await store.listApprovals(status === "all" ? undefined : (status as Approval["status"]));
    const mine = all.filter((a) => p.kind !== "agent" && p.roles.some((r) => routedTo(a).includes(r))).sort(byDue);
    const rest = after ? mine.filter((a) => byDue(a, after) > 0) : mine;
    const page = rest.slice(0, limit);
    const last = page[page.length - 1];
    return { approvals: page, ...(rest.length > limit && last ? { next: cursorOf(last) } : {}) };
  });

  app.get("/v1/approvals/:id", async (req) => {
    const p = who(req);
    const a = await visibleApproval(p, (req.params as { id: string }).id);
    const context = await approvalContext(governor, a);
    // Earlier decisions on the same action are other agents' actions: for the approvers, not for
    // the agent that sees this approval only because it asked for it.
    const approver = p.kind !== "agent" && p.roles.some((r) => routedTo(a).includes(r));
    return { approval: a, context: approver ? context : { ...context, similar: [] } };
  });

  /**
   * Resolves when the approval may have changed (a decision made here or by the clock wakes it)
   * or after a second at most: the store is polled for decisions made elsewhere (the CLI).
   */
  const changeOrTick = (approval_id: string, ms: number, gone: { closed: boolean; wake?: () => void }) =>
    new Promise<void>((resolve) => {
      if (gone.closed) return resolve();
      const set = waiters.get(approval_id) ?? new Set();
      waiters.set(approval_id, set);
      const done = () => {
        clearTimeout(t);
        set.delete(done);
        if (!set.size) waiters.delete(approval_id);
        resolve();
      };
      const t = setTimeout(done, Math.min(1000, Math.max(0, ms)));
      set.add(done);
      gone.wake = done;
    });
  /** The connection's fate: closed by the client wakes whoever waits on its behalf. */
  const watchClose = (req: FastifyRequest) => {
    const gone: { closed: boolean; wake?: () => void } = { closed: false };
    const onClose = () => {
      gone.closed = true;
      gone.wake?.();
    };
    req.raw.once("close", onClose);
    return { gone, release: () => req.raw.off("close", onClose) };
  };
  /** timeout_s: seconds, a number ≥ 0 (refused otherwise, never read as another value), at most max_wait. */
  const waitTimeout = (req: FastifyRequest, fallbackS: number) => {
    const given = (req.query as { timeout_s?: unknown }).timeout_s;
    if (given !== undefined && (typeof given !== "string" || !/^\d{1,9}(\.\d{1,3})?$/.test(given))) throw new HttpRefusal(400, "input_invalid", `timeout_s: seconds (a number ≥ 0), not ${JSON.stringify(given).slice(0, 64)}`);
    return Math.min(maxWait, Number(given ?? fallbackS) * 1000);
  };
  /**
   * Each wait holds a connection and polls the store once a second: a principal may hold
   * maxWaiters at once, the service 64 times that; past either bound the wait is refused before
   * it starts. Returns the release, to call when the wait ends.
   */
  const perPrincipal = opts.maxWaiters ?? 16;
  const waitersOf = new Map<string, number>();
  let waitersAll = 0;
  const enterWait = (p: Authenticated): (() => void) => {
    const mine = waitersOf.get(p.id) ?? 0;
    if (mine >= perPrincipal || waitersAll >= perPrincipal * 64) throw new HttpRefusal(429, "too_many_waiters", `${mine >= perPrincipal ? `${p.id} already waits on ${mine} approvals` : "the service holds as many waits as it may"}: wait for one to end`);
    waitersOf.set(p.id, mine + 1);
    waitersAll++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      waitersAll--;
      const n = (waitersOf.get(p.id) ?? 1) - 1;
      if (n > 0) waitersOf.set(p.id, n);
      else waitersOf.delete(p.id);
    };
  };
  /**
   * A wait outlives the check at its start: at each tick the credential is checked again (a
   * revoked or expired token, a principal removed from the directory or from the role ends it)
   * and so is that the approval it opened on is still routed to the principal.
   */
  const stillAllowed = async (req: FastifyRequest, a: Approval): Promise<void> => {
    let p: Authenticated;
    try {
      p = await authenticateRequest(auth, req);
    } catch (e) {
      if (e instanceof Unauthenticated) throw new HttpRefusal(401, "unauthenticated", e.message);
      throw e;
    }
    if (!visible(p, a)) throw new HttpRefusal(404, "not_found", `no approval ${a.approval_id} routed to a role of ${p.id}`);
  };
  const waitAnswer = (a: Approval, id: string) => ({ status: a.status, approval_id: a.approval_id, original_approval_id: id, approval: a, ...(a.status === "pending" ? { timed_out: true } : {}) });

  app.get("/v1/approvals/:id/wait", async (req) => {
    const p = who(req);
    const { id } = req.params as { id: string };
    const timeout = waitTimeout(req, 30);
    let a = await visibleApproval(p, id);
    const opened = a;
    const deadline = Date.now() + timeout;
    const leave = enterWait(p);
    const { gone, release } = watchClose(req);
    try {
      for (let first = true; ; first = false) {
        if (!first) await stillAllowed(req, opened);
        a = await effective(governor, a);
        if (a.status !== "pending" || Date.now() >= deadline || gone.closed) break;
        await changeOrTick(a.approval_id, deadline - Date.now(), gone);
      }
    } finally {
      release();
      leave();
    }
    return waitAnswer(a, id);
  });

  /**
   * The same wait as server-sent events: `approval` with the approval as it is now, again at each
   * change while it is pending (an escalation, a modification that opened a successor), then
   * `decided` (or `timeout` at timeout_s, at most max_wait) and the stream ends. A comment every
   * 15 s keeps proxies from closing an idle stream. Authenticated and refused like the long-poll:
   * the checks run before the first byte, so a refusal is still a coded JSON error.
   */
  app.get("/v1/approvals/:id/events", async (req, reply) => {
    const p = who(req);
    const { id } = req.params as { id: string };
    const timeout = waitTimeout(req, maxWait / 1000);
    const opened = await visibleApproval(p, id);
    let a = await effective(governor, opened);
    const deadline = Date.now() + timeout;
    const leave = enterWait(p);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive", "x-accel-buffering": "no" });
    let n = 0;
    const send = (event: string, data: unknown) => res.write(`id: ${++n}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const { gone, release } = watchClose(req);
    let seen = "";
    let beat = Date.now();
    try {
      for (;;) {
        const now = JSON.stringify(a);
        if (a.status !== "pending") {
          send("decided", waitAnswer(a, id));
          break;
        }
        if (now !== seen) {
          send("approval", { approval_id: a.approval_id, original_approval_id: id, approval: a });
          seen = now;
        }
        if (Date.now() >= deadline) {
          send("timeout", waitAnswer(a, id));
          break;
        }
        if (Date.now() - beat >= 15_000) {
          res.write(": keep-alive\n\n");
          beat = Date.now();
        }
        await changeOrTick(a.approval_id, deadline - Date.now(), gone);
        if (gone.closed) break;
        await stillAllowed(req, opened);
        a = await effective(governor, a);
      }
    } catch (e) {
      // The stream has begun: no status to send any more; the failure is the last event (a
      // refusal, such as a credential revoked meanwhile, audited as the error handler would).
      let last: { code: string; message: string };
      if (e instanceof HttpRefusal) {
        last = { code: e.code, message: e.message };
        await auditHttpRefusal(audit, { route: "/v1/approvals/:id/events", method: "GET", ...last, principal: p, ip: req.ip }).catch(() => {});
      } else {
        console.error(`warden serve: internal error in GET /v1/approvals/${id}/events: ${(e as Error).message}`);
        last = { code: "internal", message: "the service could not follow the approval" };
      }
      if (!gone.closed) send("error", last);
    } finally {
      release();
      leave();
      res.end();
    }
  });

  const verdict = (v: "approve" | "modify" | "reject") => async (req: FastifyRequest) => {
    const p = who(req);
    const { id } = req.params as { id: string };
    const b = checked<ApprovalVerdict>("approval-verdict", req.body);
    const a = await visibleApproval(p, id);
    if (p.kind === "agent") throw new HttpRefusal(403, "agent_approver", `${p.id} is an agent; approvals are decided by people`);
    const decided = await governor.decideApproval({ approval_id: a.approval_id, verdict: v, by: { id: p.id }, saw: b.saw, ...(b.comment ? { comment: b.comment } : {}), ...(v === "modify" ? { parameters: b.parameters ?? {} } : b.parameters !== undefined ? { parameters: b.parameters } : {}) });
    announce(decided);
    return { approval: decided };
  };
  app.post("/v1/approvals/:id/approve", verdict("approve"));
  app.post("/v1/approvals/:id/modify", verdict("modify"));
  app.post("/v1/approvals/:id/reject", verdict("reject"));

  /** What the policy would decide on the modified request: shown before a modify is submitted (not a decision, not audited). */
  app.post("/v1/approvals/:id/preview", async (req) => {
    const p = who(req);
    const a = await visibleApproval(p, (req.params as { id: string }).id);
    // The policy's answers to parameters of one's choosing are for those who decide, as in the inbox.
    if (p.kind === "agent") throw new HttpRefusal(403, "agent_approver", `${p.id} is an agent; previews are for the people who decide approvals`);
    const params = ((req.body ?? {}) as { parameters?: unknown }).parameters;
    if (typeof params !== "object" || params === null || Array.isArray(params)) throw new HttpRefusal(400, "input_invalid", "parameters: an object");
    return preview(governor, evaluator, a, params as Record<string, unknown>, opts.entrypoint);
  });

  // --- the notify queue -------------------------------------------------------------------

  app.get("/v1/notify", async (req) => {
    needOperation(who(req), "notify_review");
    return { queue: await store.notifyQueue({ pendingOnly: (req.query as { all?: string }).all === undefined }) };
  });
  app.post("/v1/notify/:id/review", async (req) => {
    const p = who(req);
    needOperation(p, "notify_review");
    const b = checked<{ comment?: string }>("review", req.body ?? {});
    return governor.reviewNotify((req.params as { id: string }).id, p.id, b.comment);
  });

  // --- kill switch and audit --------------------------------------------------------------

  app.get("/v1/kill-switch", async (req) => {
    who(req);
    return store.killSwitch();
  });
  app.post("/v1/kill-switch", async (req) => {
    const p = who(req);
    needOperation(p, "kill_switch");
    const b = checked<KillSwitchChange>("kill-switch", req.body);
    const { aborted } = await governor.setKillSwitch(b.on, p.id, b.reason);
    return { ...(await store.killSwitch()), aborted };
  });

  app.get("/v1/audit/verify", async (req) => {
    needRoles(who(req), SERVICE_ROLES.audit, "read the audit trail");
    const r = await audit.verify();
    const s = await store.check();
    return { ok: r.ok && s.mismatches.length === 0, records: r.records, head: r.head, ...(r.firstBad ? { first_bad: r.firstBad } : {}), state: s };
  });
  app.get("/v1/audit/records", async (req) => {
    needRoles(who(req), SERVICE_ROLES.audit, "read the audit trail");
    const q = req.query as { action_id?: unknown; since?: unknown; limit?: unknown };
    // Whole numbers or a refusal: a limit of -1 or "2.5", a since of "yesterday", are not guessed at.
    const since = whole(q.since, "since");
    const limit = Math.min(1000, whole(q.limit, "limit") ?? 100);
    if (q.action_id !== undefined && typeof q.action_id !== "string") throw new HttpRefusal(400, "input_invalid", "action_id: one action id");
    const out = [];
    for await (const r of audit.list({ ...(q.action_id ? { action_id: q.action_id } : {}), ...(since !== undefined ? { since } : {}), limit })) out.push(r);
    return { records: out };
  });

  registerLedger(app, { audit, store, ...(opts.checkpointSigner ? { signer: opts.checkpointSigner } : {}) });

  let clock: Clock | undefined;
  if (opts.clock !== false) {
    clock = new Clock(governor, { ...(opts.clock ?? {}), onChange: changed });
    clock.start();
  }
  if (opts.inbox !== false) registerInbox(app, { governor, evaluator, visible, routedTo, announce, signInLimit: opts.signInLimit ?? 10, approvalContext: (a) => approvalContext(governor, a), preview: (a, params) => preview(governor, evaluator, a, params, opts.entrypoint) });

  return {
    app,
    ...(clock ? { clock } : {}),
    changed,
    async close() {
      await clock?.stop();
      await app.close();
    },
  };
}

/** A body checked against its schema at the door (400 input_invalid, audited, otherwise). */
function checked<T>(name: RequestSchema, body: unknown): T {
  const p = problems(name, body);
  if (p.length) throw new HttpRefusal(400, "input_invalid", `invalid ${name}: ${p.slice(0, 8).join("; ")}`);
  return body as T;
}

/** Approval lists are ordered by due time, then id: the order pages follow. */
type Due = Pick<Approval, "due_at" | "approval_id">;
const byDue = (a: Due, b: Due) => a.due_at.localeCompare(b.due_at) || a.approval_id.localeCompare(b.approval_id);

const PAGE_LIMIT = { default: 100, max: 500 };

/** A page's cursor: where the next page starts (opaque to clients: base64url of its sort key). */
function cursorOf(a: Due): string {
  return Buffer.from(JSON.stringify([a.due_at, a.approval_id])).toString("base64url");
}

/** `limit` (1–500, default 100) and `after` (a cursor from `next`), each refused when malformed. */
function pageOf(query: Record<string, unknown>): { limit: number; after?: Due } {
  const { limit, after } = query;
  if (limit !== undefined && (typeof limit !== "string" || !/^[1-9]\d{0,2}$/.test(limit) || Number(limit) > PAGE_LIMIT.max)) {
    throw new HttpRefusal(400, "input_invalid", `limit: a whole number from 1 to ${PAGE_LIMIT.max}, not ${JSON.stringify(limit).slice(0, 64)}`);
  }
  const page = { limit: limit === undefined ? PAGE_LIMIT.default : Number(limit) };
  if (after === undefined) return page;
  let key: unknown;
  try {
    key = typeof after === "string" && after.length <= 512 ? JSON.parse(Buffer.from(after, "base64url").toString("utf8")) : undefined;
  } catch {
    key = undefined;
  }
  if (!Array.isArray(key) || key.length !== 2 || !key.every((k) => typeof k === "string")) throw new HttpRefusal(400, "input_invalid", "after: not a cursor this service gave (use the list's `next`)");
  return { ...page, after: { due_at: key[0] as string, approval_id: key[1] as string } };
}

/** The approval a decision on this one leads to now: itself, or the one its modification opened. */
async function effective(governor: Governor, a: Approval): Promise<Approval> {
  let cur = (await governor.store.getApproval(a.approval_id)) ?? a;
  for (let hops = 0; cur.superseded_by !== undefined && hops < 16; hops++) {
    const next = await governor.store.getApproval(cur.superseded_by);
    if (!next) break;
    cur = next;
  }
  return cur;
}

export interface ApprovalContext {
  request?: ActionRequest;
  decision?: { decision_id: string; revision: string; category?: string; reasons?: string[]; obligations?: string[] };
  similar: { action_id: string; time: string; category: string; status?: string }[];
}

/** The full context of an approval: the request as decided, the policy's reasons and obligations, earlier decisions on the same action. */
export async function approvalContext(governor: Governor, a: Approval): Promise<ApprovalContext> {
  const audit = governor.auditLog;
  let request: ActionRequest | undefined;
  let decision: ApprovalContext["decision"];
  for await (const r of audit.list({ action_id: a.action_id, type: "decision" })) {
    if (r.request_hash === a.request_hash && r.request) {
      request = r.request;
      const res = (r.decision?.result ?? {}) as Decision;
      decision = { decision_id: r.decision!.decision_id, revision: r.decision!.revision, category: res.category, reasons: res.reasons, ...(res.obligations ? { obligations: res.obligations } : {}) };
    }
  }
  const similar: ApprovalContext["similar"] = [];
  if (request) {
    for await (const r of audit.list({ type: "decision", desc: true, limit: 200 })) {
      if (r.action_id === a.action_id || r.request?.action !== request.action) continue;
      similar.push({ action_id: r.action_id!, time: r.time, category: String((r.decision?.result as Decision | undefined)?.category) });
      if (similar.length >= 5) break;
    }
  }
  return { ...(request ? { request } : {}), ...(decision ? { decision } : {}), similar };
}

/** The policy's decision on a modified request, before the modify is submitted (evaluated, not audited). */
export async function preview(governor: Governor, evaluator: Evaluator, a: Approval, parameters: Record<string, unknown>, entrypoint = "governance/decision"): Promise<{ category: string; reasons: string[]; approval?: unknown; request_hash: string }> {
  const { request } = await approvalContext(governor, a);
  if (!request) throw new HttpRefusal(409, "no_decision", `approval ${a.approval_id}: the audit trail holds no decision on its request`);
  const modified = { ...request, parameters: { ...request.parameters, ...parameters } };
  let d;
  try {
    // The entrypoint the governor decides with: a preview of another policy would show the
    // approver a decision the modify will not get.
    d = evaluator.evaluate(entrypoint, modified);
  } catch (e) {
    throw new HttpRefusal(422, "evaluation_failed", (e as Error).message);
  }
  const r = d.result as Decision;
  return { category: r.category, reasons: r.reasons, ...(r.approval ? { approval: r.approval } : {}), request_hash: hashJSON(modified) };
}

/** Who sent the request: its Authorization header, else (inbox pages) its session cookie. */
function authenticateRequest(auth: Authenticator, req: FastifyRequest): Promise<Authenticated> {
  if (req.headers.authorization !== undefined) return auth.authenticate(req.headers.authorization);
  const session = req.url.startsWith("/inbox") ? sessionCookie(req) : undefined;
  return auth.authenticate(session === undefined ? undefined : `Bearer ${session}`, { session: session !== undefined });
}
