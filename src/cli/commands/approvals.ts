import { UsageError, type Command } from "../command.ts";
import { GovernanceError, type Governor } from "../../governance/governor.ts";
import type { AuditLog } from "../../audit/log.ts";
import type { ActionRequest, Approval, ApprovalDecision, AuditRecord, Decision } from "../../schemas/types.ts";
import { SchemaError } from "../../schemas/validate.ts";
import { DEPLOYMENT_HELP, DEPLOYMENT_OPTIONS, jsonArg, openGoverned, principalId, refused, span, subcommand } from "../governance.ts";

const USAGE = `warden approvals list|show|approve|modify|reject [OPTIONS]

Actions the policy paused for a human. Each approval is routed to a role, bound to the exact
request (its hash) and to the policy revision that routed it, and escalates along its chain when
its SLA passes (never approved on its own). Escalations due are applied before anything is shown.

warden approvals list [--status pending|approved|modified|rejected|expired|all] [--json]
  One line per approval (default: pending): id, status, action, amount, the role that must
  decide now, and when it is due.

warden approvals show ID [--json]
  Everything an approver needs: the request (agent, initiator, parameters, context, reasoning),
  the policy's category and reasons, the route and escalation chain, the level and role that must
  decide now, the due time, the request hash and revision the decision binds to, and the history.

warden approvals approve ID --by ID [--comment TEXT] [--json]
warden approvals reject ID --by ID [--comment TEXT] [--json]
warden approvals modify ID --by ID (--set KEY=VALUE... | --parameters JSON) [--comment TEXT] [--json]
  Records the decision of the principal ID, with the roles the directory gives it (see warden
  principals). It binds to the request hash and revision shown by \`show\`; the decision is a
  compare-and-set: of two decisions at once, one wins and the other is refused (not_pending).
  The service holding the ticket resumes the action, once. A modify changes parameters (VALUE
  is read as JSON when it parses, else as a string) and is a new request: the policy decides it
  now; a block is refused, auto or notify may run on this decision, and an approval the
  modifier's roles cannot give opens a new approval for the role the policy names. Refusals
  (unknown_principal, wrong_role, self_approval, stale_request, stale_revision, past_due,
  expired, not_pending, modified_blocked, ...) print the reason, are audited, exit 1.

ID may be a unique prefix of an approval id.

${DEPLOYMENT_HELP}`;

const STATUSES = ["pending", "approved", "modified", "rejected", "expired"] as const;

export const approvals: Command = {
  summary: "list, show, approve, modify or reject paused actions",
  usage: USAGE,
  options: {
    ...DEPLOYMENT_OPTIONS,
    status: { type: "string" },
    json: { type: "boolean" },
    by: { type: "string" },
    comment: { type: "string" },
    set: { type: "string", multiple: true },
    parameters: { type: "string" },
  },
  async run(v, positionals) {
    const [given, ...rest] = positionals;
    const decideFlags = ["by", "comment", "json"];
    const sub = subcommand("approvals", v, given, {
      list: ["status", "json"],
      show: ["json"],
      approve: decideFlags,
      reject: decideFlags,
      modify: [...decideFlags, "set", "parameters"],
    });
    if (sub === "list" ? rest.length > 0 : rest.length !== 1) {
      throw new UsageError(sub === "list" ? `approvals list: unexpected argument ${JSON.stringify(rest[0])}` : `approvals ${sub}: give one approval ID`);
    }
    const status = (v.status as string | undefined) ?? "pending";
    if (status !== "all" && !(STATUSES as readonly string[]).includes(status)) throw new UsageError(`--status: expected one of ${STATUSES.join(", ")}, all`);
    // Usage is checked before anything is opened.
    let decision: Omit<ApprovalDecision, "approval_id" | "saw"> | undefined;
    if (sub === "approve" || sub === "reject" || sub === "modify") {
      if (v.by === undefined) throw new UsageError(`approvals ${sub}: --by ID is required: who decides`);
      decision = { verdict: sub, by: { id: principalId(v) }, ...(v.comment !== undefined ? { comment: v.comment as string } : {}) };
      if (sub === "modify") decision.parameters = modifiedParameters(v);
    }

    const g = await openGoverned(v);
    try {
      // Escalate or expire whatever is due first, so nobody decides at a level that has lapsed.
      await g.governor.sweep();
      if (sub === "list") return await list(g.governor, status, v.json === true, g.audit);
      const approval = await find(g.governor, rest[0]!);
      if (sub === "show") return await show(g.audit, approval, v.json === true);
      return await decide(g.governor, approval, decision!, v.json === true);
    } catch (e) {
      if (e instanceof SchemaError) throw new UsageError(e.message);
      return refused(e);
    } finally {
      await g.close();
    }
  },
};

function modifiedParameters(v: Record<string, unknown>): Record<string, unknown> {
  const sets = (v.set as string[] | undefined) ?? [];
  if (sets.length === 0 && v.parameters === undefined) throw new UsageError("approvals modify: give the changed parameters with --set KEY=VALUE or --parameters JSON");
  const out: Record<string, unknown> = {};
  if (v.parameters !== undefined) {
    const p = jsonArg(v.parameters as string, "--parameters");
    if (typeof p !== "object" || p === null || Array.isArray(p)) throw new UsageError("--parameters: expected a JSON object");
    Object.assign(out, p);
  }
  for (const s of sets) {
    const eq = s.indexOf("=");
    if (eq <= 0) throw new UsageError(`--set: expected KEY=VALUE, got ${JSON.stringify(s)}`);
    const raw = s.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // a plain string
    }
    out[s.slice(0, eq)] = value;
  }
  return out;
}

/** An approval by id, or by a unique prefix of one (at least 4 characters). */
async function find(gov: Governor, key: string): Promise<Approval> {
  const matches = key.length >= 4 ? await gov.store.approvalIdsStartingWith(key) : [];
  if (matches.includes(key)) return gov.refresh(key);
  if (matches.length === 1) return gov.refresh(matches[0]!);
  if (matches.length > 1) throw new GovernanceError(`${JSON.stringify(key)} names ${matches.length} approvals: give more of the id`);
  throw new GovernanceError(`no approval ${JSON.stringify(key)} (see warden approvals list --status all)`);
}

async function list(gov: Governor, status: string, json: boolean, audit: AuditLog): Promise<number> {
  const all = await gov.store.listApprovals(status === "all" ? undefined : (status as Approval["status"]));
  all.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.approval_id.localeCompare(b.approval_id));
  if (json) {
    for (const a of all) console.log(JSON.stringify(a));
    return 0;
  }
  if (all.length === 0) {
    console.log(`no ${status === "all" ? "" : `${status} `}approvals`);
    return 0;
  }
  const now = Date.now();
  for (const a of all) {
    const req = (await decisionOf(audit, a))?.request;
    const amount = (req?.parameters as Record<string, unknown> | undefined)?.amount;
    const what = `${req?.action ?? "?"}${amount !== undefined ? ` ${JSON.stringify(amount)}` : ""}`;
    const due = Date.parse(a.due_at);
    const when = a.status !== "pending" ? a.status : due >= now ? `due in ${span(due - now)}` : `overdue by ${span(now - due)}`;
    console.log([a.approval_id, a.status.padEnd(8), what.padEnd(24), `${a.approver_role} (level ${a.level})`.padEnd(28), when].join("  "));
  }
  return 0;
}

/** The decision record that routed the approval: same action, same request hash. */
async function decisionOf(audit: AuditLog, a: Approval): Promise<AuditRecord | undefined> {
  let found: AuditRecord | undefined;
  for await (const r of audit.list({ action_id: a.action_id, type: "decision" })) {
    if (r.request_hash === a.request_hash || (!found && r.request)) found = r;
  }
  return found;
}

async function show(audit: AuditLog, a: Approval, json: boolean): Promise<number> {
  const rec = await decisionOf(audit, a);
  const request = rec?.request;
  const result = rec?.decision?.result as Decision | undefined;
  if (json) {
    console.log(JSON.stringify({ approval: a, request: request ?? null, decision: rec?.decision ?? null }, null, 2));
    return 0;
  }
  const out: string[] = [];
  const row = (k: string, val: string) => out.push(`  ${k.padEnd(13)} ${val}`);
  out.push(`approval ${a.approval_id}: ${a.status.toUpperCase()}`);
  out.push("request");
  if (request) describeRequest(request, row);
  else row("(missing)", `no decision record for action ${a.action_id} in the audit trail`);
  row("action id", a.action_id);
  out.push("policy");
  if (result) {
    row("category", `${result.category}${result.allow ? " (allowed)" : ""}`);
    list2(out, "reasons", result.reasons);
    list2(out, "obligations", result.obligations ?? []);
  }
  row("revision", `${a.revision}${rec?.decision ? ` (decision ${rec.decision.decision_id})` : ""}`);
  out.push("route");
  row("approver", `${a.route.approver_role}, SLA ${a.route.sla_minutes} min per level`);
  row("escalation", [a.route.approver_role, ...(a.route.escalation as string[])].map((r, i) => (i === a.level && a.status === "pending" ? `[${r}]` : r)).join(" -> ") + " -> expire");
  if (a.status === "pending") {
    const due = Date.parse(a.due_at);
    const left = due - Date.now();
    row("decides now", `${a.approver_role} (level ${a.level})`);
    row("due", `${a.due_at} (${left >= 0 ? `in ${span(left)}` : `overdue by ${span(-left)}`})`);
  }
  row("requested by", `${a.requested_by.id}${a.requested_by.kind ? ` (${a.requested_by.kind})` : ""} at ${a.created_at}`);
  out.push("binding (an approval holds only for these)");
  row("request hash", a.request_hash);
  row("revision", a.revision);
  out.push("history");
  if (a.history.length === 0) out.push("  (none)");
  for (const e of a.history) {
    const by = e.by ? ` by ${e.by.id}${e.by.roles?.length ? ` (${e.by.roles.join(", ")})` : ""}` : "";
    const extra = [e.to_role ? `to ${e.to_role}` : "", e.parameters ? `parameters ${JSON.stringify(e.parameters)}` : "", e.comment ? `"${e.comment}"` : ""].filter(Boolean).join(" ");
    out.push(`  ${e.at}  ${e.event}${by}${extra ? ` ${extra}` : ""}`);
  }
  if (a.status === "pending") {
    out.push("", `to decide (a principal with the role ${a.approver_role}):`, `  warden approvals approve|reject ${a.approval_id} --by ID`);
    out.push(`  warden approvals modify ${a.approval_id} --by ID --set KEY=VALUE`);
  }
  console.log(out.join("\n"));
  return 0;
}

function describeRequest(r: ActionRequest, row: (k: string, v: string) => void): void {
  row("action", r.action);
  row("parameters", JSON.stringify(r.parameters ?? {}));
  row("agent", `${r.agent.id} (role ${r.agent.role})`);
  row("initiator", `${r.initiator.id}${r.initiator.kind ? ` (${r.initiator.kind})` : ""}`);
  const c = r.context;
  if (c?.channel) row("channel", c.channel);
  if (c?.input !== undefined) row("input", clip(typeof c.input === "string" ? c.input : JSON.stringify(c.input)));
  if (c?.attributes) row("attributes", clip(JSON.stringify(c.attributes)));
  if (c?.retrieved?.length) row("retrieved", clip(c.retrieved.map((d) => (typeof d === "string" ? d : JSON.stringify(d))).join("; ")));
  const why = r.reasoning;
  if (why?.confidence !== undefined) row("confidence", String(why.confidence));
  if (why?.trace?.length) row("reasoning", clip(why.trace.join(" / ")));
  if (why?.documents?.length) row("documents", clip(why.documents.join(", ")));
}

function list2(out: string[], label: string, items: string[]): void {
  if (items.length === 0) return void out.push(`  ${label.padEnd(13)} (none)`);
  items.forEach((s, i) => out.push(`  ${(i === 0 ? label : "").padEnd(13)} - ${s}`));
}

function clip(s: string): string {
  return s.length > 200 ? `${s.slice(0, 197)}...` : s;
}

async function decide(gov: Governor, a: Approval, d: Omit<ApprovalDecision, "approval_id" | "saw">, json: boolean): Promise<number> {
  // The approver decides on what this command shows: the approval's request hash and revision now.
  const saw = { request_hash: a.request_hash, revision: a.revision };
  if (!json) console.log(`deciding on approval ${a.approval_id} (action ${a.action_id}): request ${a.request_hash.slice(0, 12)}, revision ${a.revision.slice(0, 12)}`);
  const next = await gov.decideApproval({ ...d, approval_id: a.approval_id, saw });
  if (json) {
    console.log(JSON.stringify(next));
    return 0;
  }
  const last = next.history[next.history.length - 1];
  const who = `${d.by.id} (${(last?.by?.roles ?? []).join(", ")})`;
  if (next.status === "approved") console.log(`approved by ${who}: the service holding the ticket of action ${a.action_id} may resume it, once, until ${next.valid_until}`);
  else if (next.status === "rejected") console.log(`rejected by ${who}: action ${a.action_id} will not run`);
  else if (next.superseded_by) {
    console.log(`modified by ${who}: parameters ${JSON.stringify(last?.parameters ?? {})}; the policy routes the modified request to ${next.modification?.route?.approver_role}: new approval ${next.superseded_by}`);
  } else {
    console.log(`modified by ${who}: parameters ${JSON.stringify(last?.parameters ?? {})}; the policy decides it ${next.modification?.category}: it runs on this decision when the service resumes it`);
  }
  return 0;
}
