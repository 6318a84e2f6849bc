// The approver inbox: server-rendered HTML pages (no client framework, no dev server). Sign in
// with an API token, which opens a session of its own (tokens.ts: 8 hours, ended by signing out
// or by revoking the token; the HttpOnly, Secure, SameSite=Strict cookie holds the session, never
// the API token); the approvals routed to my
// roles with their SLA countdown; one approval with its full context; approve, modify (the
// policy's new decision shown before submitting) or reject, each with a comment; the kill switch
// with a confirmation. Forms post back with the same checks as the JSON API (the governor
// decides; refusals are audited). Every control has a label; the countdown is text a screen
// reader reads, refreshed by a few lines of script.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Evaluator } from "../evaluator/evaluator.ts";
import type { Governor } from "../governance/governor.ts";
import type { Approval } from "../schemas/types.ts";
import { holds } from "./auth.ts";
import { OPERATION_ROLES } from "../governance/directory.ts";
import type { ApprovalContext } from "./server.ts";
import type { Authenticated } from "./tokens.ts";
import { SESSION_HOURS, closeSession, openSession, verifyToken } from "./tokens.ts";
import { HttpRefusal } from "./errors.ts";
import { tokenBuckets } from "./limit.ts";

export interface InboxDeps {
  governor: Governor;
  evaluator: Evaluator;
  visible(p: Authenticated, a: Approval): boolean;
  routedTo(a: Approval): string[];
  /** A decision made in the inbox: the same wake-ups and webhooks as one made over the API. */
  announce(decided: Approval): void;
  /** Sign-in attempts a minute per client address; 0: no limit. */
  signInLimit: number;
  approvalContext(a: Approval): Promise<ApprovalContext>;
  preview(a: Approval, parameters: Record<string, unknown>): Promise<{ category: string; reasons: string[]; approval?: unknown; request_hash: string }>;
}

/** The inbox session token the request's cookie holds, if any (a malformed one is none). */
export function sessionCookie(req: FastifyRequest): string | undefined {
  const m = /(?:^|;\s*)warden_session=([^;]+)/.exec(req.headers.cookie ?? "");
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    // A malformed cookie is no credential (401, the sign-in page), not an internal error.
    return undefined;
  }
}

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const json = (v: unknown) => `<pre>${esc(JSON.stringify(v, null, 2))}</pre>`;

function page(title: string, body: string, p?: Authenticated): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Warden</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem;color:#111}
a{color:#0645ad} table{border-collapse:collapse;width:100%} th,td{text-align:left;padding:.4rem;border-bottom:1px solid #ccc}
pre{background:#f4f4f4;padding:.5rem;overflow:auto} .overdue{color:#a00;font-weight:bold}
button{font:inherit;padding:.4rem .9rem;margin:.2rem} :focus{outline:3px solid #f90;outline-offset:2px}
.error{background:#fee;border:1px solid #a00;padding:.5rem} .ok{background:#efe;border:1px solid #080;padding:.5rem}
label{display:block;margin-top:.5rem;font-weight:600} textarea{width:100%;font:inherit}
.skip{position:absolute;left:-999px} .skip:focus{left:1rem;top:1rem;background:#fff;padding:.3rem}
</style></head><body>
<a href="#main" class="skip">Skip to content</a>
<header><nav aria-label="Main"><a href="/inbox">Inbox</a> · <a href="/inbox/notify">Notify queue</a> · <a href="/inbox/audit">Audit trail</a> · <a href="/inbox/kill-switch">Kill switch</a>${p ? ` · signed in as <strong>${esc(p.id)}</strong> (${esc(p.roles.join(", "))}) · <form method="post" action="/inbox/logout" style="display:inline"><button type="submit">Sign out</button></form>` : ""}</nav></header>
<main id="main" tabindex="-1">${body}</main>
<script>
for (const el of document.querySelectorAll("[data-due]")) {
  const due = Date.parse(el.dataset.due);
  const upd = () => { const s = Math.round((due - Date.now()) / 1000); el.textContent = s >= 0 ? "due in " + Math.floor(s / 60) + " min " + (s % 60) + " s" : "overdue by " + Math.floor(-s / 60) + " min " + (-s % 60) + " s"; el.classList.toggle("overdue", s < 0); };
  upd(); setInterval(upd, 1000);
}
</script></body></html>`;
}

/** The host of an Origin header; a malformed one is no host (so never this origin). */
function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

function countdown(due: string): string {
  const s = Math.round((Date.parse(due) - Date.now()) / 1000);
  const text = s >= 0 ? `due in ${Math.floor(s / 60)} min ${s % 60} s` : `overdue by ${Math.floor(-s / 60)} min ${-s % 60} s`;
  return `<span data-due="${esc(due)}" class="${s < 0 ? "overdue" : ""}" aria-live="off">${esc(text)}</span>`;
}

export function registerInbox(app: FastifyInstance, deps: InboxDeps): void {
  const { governor } = deps;
  const store = governor.store;
  const html = (reply: FastifyReply, s: string, code = 200) => reply.code(code).type("text/html; charset=utf-8").send(s);
  const who = (req: FastifyRequest) => req.principal!;
  /** Forms must come from this origin (the cookie is SameSite=Strict too). */
  const sameOrigin = (req: FastifyRequest) => {
    const o = req.headers.origin;
    if (o && o !== "null" && hostOf(o) !== req.headers.host) throw Object.assign(new Error("cross-origin form"), { statusCode: 403 });
  };

  app.get("/inbox/login", { config: { auth: false } }, async (_req, reply) =>
    html(reply, page("Sign in", `<h1>Sign in</h1><form method="post" action="/inbox/login" aria-label="Sign in"><label for="token">API token</label><input id="token" name="token" type="password" autocomplete="off" required size="60"><button type="submit">Sign in</button></form>`)),
  );
  // Signing in needs no credentials, so it is where tokens would be guessed: bounded per address.
  const signIns = tokenBuckets(deps.signInLimit / 60, deps.signInLimit);
  app.post("/inbox/login", { config: { auth: false } }, async (req, reply) => {
    sameOrigin(req);
    if (!signIns(req.ip)) throw new HttpRefusal(429, "rate_limited", `more than ${deps.signInLimit} sign-in attempts a minute from ${req.ip}`, { retry_after_s: Math.ceil(60 / deps.signInLimit) });
    const token = String((req.body as { token?: unknown } | undefined)?.token ?? "");
    let signedIn: Authenticated;
    try {
      signedIn = await verifyToken(store, token);
    } catch {
      await governor.auditLog.append({ type: "refusal", details: { operation: "http POST /inbox/login", code: "unauthenticated", message: "sign-in with an unknown or wrong token", ip: req.ip } });
      return html(reply, page("Sign in", `<h1>Sign in</h1><p class="error" role="alert">That token is not valid.</p><form method="post" action="/inbox/login" aria-label="Sign in"><label for="token">API token</label><input id="token" name="token" type="password" autocomplete="off" required size="60"><button type="submit">Sign in</button></form>`), 401);
    }
    const { token: session } = await openSession(store, signedIn);
    reply.header("set-cookie", `warden_session=${encodeURIComponent(session)}; HttpOnly; Secure; SameSite=Strict; Path=/inbox; Max-Age=${SESSION_HOURS * 3600}`);
    return reply.redirect("/inbox", 303);
  });
  // Signing out ends the session in the store (audited), not only in this browser.
  app.post("/inbox/logout", { config: { auth: false } }, async (req, reply) => {
    sameOrigin(req);
    const session = sessionCookie(req);
    if (session !== undefined) await closeSession(store, session);
    reply.header("set-cookie", "warden_session=; HttpOnly; Secure; SameSite=Strict; Path=/inbox; Max-Age=0");
    return reply.redirect("/inbox/login", 303);
  });

  app.get("/inbox", async (req, reply) => {
    const p = who(req);
    const list = (await store.listApprovals("pending")).filter((a) => p.kind !== "agent" && p.roles.some((r) => deps.routedTo(a).includes(r))).sort((a, b) => a.due_at.localeCompare(b.due_at));
    const rows = list
      .map((a) => `<tr><td><a href="/inbox/approvals/${esc(a.approval_id)}">${esc(a.approval_id.slice(0, 8))}</a></td><td>${esc(a.requested_by.id)}</td><td>${esc(a.approver_role)} (level ${a.level})</td><td>${countdown(a.due_at)}</td></tr>`)
      .join("");
    const body = `<h1>Approvals routed to my roles</h1>${list.length ? `<table aria-label="Pending approvals"><thead><tr><th scope="col">Approval</th><th scope="col">Requested by</th><th scope="col">Role</th><th scope="col">SLA</th></tr></thead><tbody>${rows}</tbody></table>` : "<p>No approvals are waiting for you.</p>"}`;
    return html(reply, page("Inbox", body, p));
  });

  const approvalOr404 = async (p: Authenticated, id: string): Promise<Approval> => {
    const a = await store.getApproval(id);
    if (!a || !deps.visible(p, a) || p.kind === "agent") {
      // audited by the service's error handler, as every 4xx
      throw Object.assign(new Error(`no approval ${id} routed to your roles`), { statusCode: 404 });
    }
    return a;
  };

  const approvalPage = async (p: Authenticated, a: Approval, notice = "", previewed?: { params: Record<string, unknown>; result: Awaited<ReturnType<InboxDeps["preview"]>> }) => {
    const ctx = await deps.approvalContext(a);
    const r = ctx.request;
    const pending = a.status === "pending";
    const saw = `<input type="hidden" name="request_hash" value="${esc(a.request_hash)}"><input type="hidden" name="revision" value="${esc(a.revision)}">`;
    const forms = pending
      ? `<h2>Decide</h2>
<form method="post" action="/inbox/approvals/${esc(a.approval_id)}/decide" aria-label="Approve or reject">${saw}
<label for="comment">Comment</label><textarea id="comment" name="comment" rows="2"></textarea>
<button type="submit" name="verdict" value="approve">Approve</button> <button type="submit" name="verdict" value="reject">Reject</button></form>
<form method="post" action="/inbox/approvals/${esc(a.approval_id)}/preview" aria-label="Modify">
<label for="parameters">Modified parameters (JSON, merged over the request's)</label><textarea id="parameters" name="parameters" rows="4">${esc(JSON.stringify(previewed?.params ?? r?.parameters ?? {}, null, 2))}</textarea>
<button type="submit">Preview the policy's decision</button></form>
${
  previewed
    ? `<section aria-labelledby="redecision"><h3 id="redecision">The policy's decision on the modified request</h3><p>Category: <strong id="redecided-category">${esc(previewed.result.category)}</strong></p>${previewed.result.reasons.length ? `<ul>${previewed.result.reasons.map((x) => `<li>${esc(x)}</li>`).join("")}</ul>` : ""}
<form method="post" action="/inbox/approvals/${esc(a.approval_id)}/decide" aria-label="Submit the modification">${saw}<input type="hidden" name="verdict" value="modify"><input type="hidden" name="parameters" value="${esc(JSON.stringify(previewed.params))}">
<label for="modify-comment">Comment</label><textarea id="modify-comment" name="comment" rows="2"></textarea><button type="submit">Submit the modification</button></form></section>`
    : ""
}`
      : `<p>This approval is <strong>${esc(a.status)}</strong>.</p>`;
    const body = `${notice}<h1>Approval ${esc(a.approval_id.slice(0, 8))}: ${esc(r?.action ?? "(unknown action)")}</h1>
<dl>
<dt>Status</dt><dd id="status">${esc(a.status)}</dd>
<dt>SLA</dt><dd>${pending ? countdown(a.due_at) : esc(a.due_at)} (level ${a.level}, ${esc(a.approver_role)}; escalates to ${esc((a.route.escalation as string[]).join(", ") || "nobody: expires")})</dd>
<dt>Initiator</dt><dd>${esc(a.initiator?.id ?? "(none)")} (${esc(a.initiator?.kind ?? "")})</dd>
<dt>Agent</dt><dd>${esc(a.requested_by.id)} as ${esc(r?.agent.role ?? "")}</dd>
<dt>Policy revision</dt><dd><code>${esc(a.revision)}</code></dd>
<dt>Request hash</dt><dd><code>${esc(a.request_hash)}</code></dd>
</dl>
<h2>Proposed action</h2><p><code>${esc(r?.action ?? "")}</code></p>${json(r?.parameters ?? {})}
<h2>What the agent received</h2>${json(r?.context?.input ?? null)}
<h2>What it retrieved</h2>${json(r?.context?.retrieved ?? [])}
<h2>The policy's reasons and obligations</h2><ul>${[...(ctx.decision?.reasons ?? []), ...(ctx.decision?.obligations ?? [])].map((x) => `<li>${esc(x)}</li>`).join("")}</ul>
<h2>Earlier decisions on ${esc(r?.action ?? "this action")}</h2>${ctx.similar.length ? `<ul>${ctx.similar.map((s) => `<li>${esc(s.time)}: ${esc(s.category)} (${esc(s.action_id.slice(0, 8))})</li>`).join("")}</ul>` : "<p>None.</p>"}
<h2>History</h2>${json(a.history)}
${forms}`;
    return page(`Approval ${a.approval_id.slice(0, 8)}`, body, p);
  };

  app.get("/inbox/approvals/:id", async (req, reply) => {
    const p = who(req);
    return html(reply, await approvalPage(p, await approvalOr404(p, (req.params as { id: string }).id)));
  });

  app.post("/inbox/approvals/:id/preview", async (req, reply) => {
    sameOrigin(req);
    const p = who(req);
    const a = await approvalOr404(p, (req.params as { id: string }).id);
    let params: Record<string, unknown>;
    try {
      params = JSON.parse(String((req.body as { parameters?: unknown }).parameters ?? "{}"));
      if (typeof params !== "object" || params === null || Array.isArray(params)) throw new Error("not an object");
    } catch (e) {
      return html(reply, await approvalPage(p, a, `<p class="error" role="alert">The parameters are not a JSON object: ${esc((e as Error).message)}</p>`), 400);
    }
    return html(reply, await approvalPage(p, a, "", { params, result: await deps.preview(a, params) }));
  });

  app.post("/inbox/approvals/:id/decide", async (req, reply) => {
    sameOrigin(req);
    const p = who(req);
    const a = await approvalOr404(p, (req.params as { id: string }).id);
    const b = req.body as Record<string, string>;
    const verdict = b.verdict;
    if (verdict !== "approve" && verdict !== "reject" && verdict !== "modify") return html(reply, await approvalPage(p, a, `<p class="error" role="alert">Choose approve, modify or reject.</p>`), 400);
    // The form's parameters are JSON typed by a person: not JSON is their mistake (400), not an internal error.
    let parameters: unknown;
    try {
      parameters = verdict === "modify" ? JSON.parse(b.parameters ?? "{}") : undefined;
    } catch (e) {
      return html(reply, await approvalPage(p, a, `<p class="error" role="alert">The parameters are not JSON: ${esc((e as Error).message)}</p>`), 400);
    }
    try {
      const decided = await governor.decideApproval({
        approval_id: a.approval_id,
        verdict,
        by: { id: p.id },
        saw: { request_hash: b.request_hash ?? "", revision: b.revision ?? "" },
        ...(b.comment ? { comment: String(b.comment).slice(0, 4096) } : {}),
        ...(verdict === "modify" ? { parameters } : {}),
      });
      deps.announce(decided);
      const note = `<p class="ok" role="status">Recorded: ${esc(verdict)}. The approval is now <strong>${esc(decided.status)}</strong>${decided.superseded_by ? `; a new approval ${esc(decided.superseded_by.slice(0, 8))} was opened for ${esc(decided.modification?.route?.approver_role ?? "another role")}` : ""}.</p>`;
      return html(reply, await approvalPage(p, decided, note));
    } catch (e) {
      const code = (e as { reason?: string; code?: string }).reason ?? (e as { code?: string }).code;
      if (!code) throw e;
      return html(reply, await approvalPage(p, (await store.getApproval(a.approval_id)) ?? a, `<p class="error" role="alert">Refused (${esc(code)}): ${esc((e as Error).message)}</p>`), 409);
    }
  });

  app.get("/inbox/notify", async (req, reply) => {
    const p = who(req);
    if (!holds(p, OPERATION_ROLES.notify_review)) throw Object.assign(new Error(`${p.id} may not review notify actions: it needs one of ${OPERATION_ROLES.notify_review.join(", ")}`), { statusCode: 403 });
    const queue = await store.notifyQueue({ pendingOnly: true });
    const rows = queue
      .map((n) => `<tr><td><code>${esc(n.action_id.slice(0, 8))}</code></td><td>${esc(n.action)}</td><td>${countdown(n.due_at)}</td><td><form method="post" action="/inbox/notify/${esc(n.action_id)}/review" aria-label="Review ${esc(n.action_id.slice(0, 8))}"><label for="c-${esc(n.action_id)}">Comment</label><input id="c-${esc(n.action_id)}" name="comment"><button type="submit">Mark reviewed</button></form>${holds(p, OPERATION_ROLES.rollback) ? `<form method="post" action="/inbox/notify/${esc(n.action_id)}/rollback" aria-label="Roll back ${esc(n.action_id.slice(0, 8))}"><button type="submit">Roll back</button></form>` : ""}</td></tr>`)
      .join("");
    return html(reply, page("Notify queue", `<h1>Executed actions to review within 24 hours</h1>${queue.length ? `<table aria-label="Notify queue"><thead><tr><th scope="col">Action</th><th scope="col">Name</th><th scope="col">Review</th><th scope="col">Do</th></tr></thead><tbody>${rows}</tbody></table>` : "<p>Nothing to review.</p>"}`, p));
  });
  app.post("/inbox/notify/:id/review", async (req, reply) => {
    sameOrigin(req);
    const p = who(req);
    const comment = String((req.body as { comment?: unknown } | undefined)?.comment ?? "").slice(0, 4096);
    await governor.reviewNotify((req.params as { id: string }).id, p.id, comment || undefined);
    return reply.redirect("/inbox/notify", 303);
  });
  app.post("/inbox/notify/:id/rollback", async (req, reply) => {
    sameOrigin(req);
    const p = who(req);
    try {
      await governor.rollback((req.params as { id: string }).id, p.id);
    } catch (e) {
      if ((e as { code?: string }).code) throw e;
      return html(reply, page("Roll back", `<p class="error" role="alert">Not rolled back: ${esc((e as Error).message)}</p><p><a href="/inbox/notify">Back to the queue</a></p>`, p), 409);
    }
    return reply.redirect("/inbox/notify", 303);
  });

  app.get("/inbox/audit", async (req, reply) => {
    const p = who(req);
    if (!holds(p, ["warden:auditor", "warden:operator", "warden:admin"])) throw Object.assign(new Error(`${p.id} may not read the audit trail`), { statusCode: 403 });
    const v = await governor.auditLog.verify();
    const c = await store.check();
    const ok = v.ok && c.mismatches.length === 0;
    return html(
      reply,
      page(
        "Audit trail",
        `<h1>Audit trail</h1><p role="status" class="${ok ? "ok" : "error"}" id="audit-status">${ok ? `The chain verifies: ${v.records} records, head ${esc(v.head.hash ?? "")}; every governance row agrees with it.` : `The chain does NOT verify${v.firstBad ? ` from record ${esc(JSON.stringify(v.firstBad))}` : ""}; ${c.mismatches.length} governance row(s) disagree.`}</p>${c.mismatches.length ? `<ul>${c.mismatches.map((m) => `<li>${esc(m.message)}</li>`).join("")}</ul>` : ""}`,
        p,
      ),
    );
  });

  const killPage = async (p: Authenticated, notice = "", confirm?: boolean) => {
    const k = await store.killSwitch();
    const may = holds(p, OPERATION_ROLES.kill_switch);
    const want = !k.on;
    const form = !may
      ? "<p>You do not hold a role that may throw the kill switch.</p>"
      : confirm
        ? `<form method="post" action="/inbox/kill-switch" aria-label="Confirm the kill switch"><input type="hidden" name="on" value="${want}"><input type="hidden" name="confirmed" value="yes">
<p role="alert">${want ? "This halts every governed action now: running ones are aborted, new ones refused." : "Agents will act again as the policy decides."} Are you sure?</p>
<label for="reason">Reason</label><input id="reason" name="reason" size="60"><button type="submit">Yes, turn it ${want ? "on" : "off"}</button> <a href="/inbox/kill-switch">Cancel</a></form>`
        : `<form method="post" action="/inbox/kill-switch" aria-label="Kill switch"><input type="hidden" name="on" value="${want}"><button type="submit">Turn the kill switch ${want ? "on" : "off"}…</button></form>`;
    return page("Kill switch", `${notice}<h1>Kill switch</h1><p>The kill switch is <strong id="kill-state">${k.on ? "ON" : "off"}</strong>${k.by ? ` (by ${esc(k.by)} at ${esc(k.at)})` : ""}.</p>${form}`, p);
  };
  app.get("/inbox/kill-switch", async (req, reply) => html(reply, await killPage(who(req))));
  app.post("/inbox/kill-switch", async (req, reply) => {
    sameOrigin(req);
    const p = who(req);
    const b = req.body as Record<string, string>;
    if (b.confirmed !== "yes") return html(reply, await killPage(p, "", true));
    try {
      const { aborted } = await governor.setKillSwitch(b.on === "true", p.id, b.reason || undefined);
      return html(reply, await killPage(p, `<p class="ok" role="status">Recorded${aborted ? `; ${aborted} running action(s) aborted` : ""}.</p>`));
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (!code) throw e;
      return html(reply, await killPage(p, `<p class="error" role="alert">Refused (${esc(code)}): ${esc((e as Error).message)}</p>`), 403);
    }
  });
}
