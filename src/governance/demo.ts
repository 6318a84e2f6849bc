// `warden demo`: the customer-support agent of the governance brief, end to end on the embedded
// defaults. It builds, signs and publishes the policy bundle, then governs a day of the agent's
// actions — lookups run, a discount runs and waits for review, a large refund waits for a support
// lead, a deletion and a permission change are refused, a discount is rolled back, the kill switch
// halts a running action — and checks the audit chain. It leaves .warden/ and bundles/ behind for
// the other commands (audit, approvals, replay, rollback, kill-switch) to inspect.
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildBundleBytes, openStore as openBundleStore, signBundle } from "../bundle/index.ts";
import type { ActionRequest, Principal } from "../schemas/types.ts";
import { ApprovalError } from "./approvals.ts";
import { putPrincipal } from "./directory.ts";
import { GovernanceRefusal } from "./errors.ts";
import { openGovernor, writeDeployment, type Deployment } from "./deployment.ts";
import type { Handler, Outcome } from "./governor.ts";

export interface DemoOptions {
  /** Working directory for the store and state (default .warden). */
  home?: string;
  /** Bundle store (default bundles). */
  bundles?: string;
  /** Policy directory (default: the demo policy shipped with Warden, DEMO_POLICY). */
  policy?: string;
  /** Where the account goes (default: stdout). */
  say?: (line: string) => void;
  /** Progress of long steps (default: stderr). */
  progress?: (line: string) => void;
}

export interface DemoSummary {
  revision: string;
  records: number;
  halt_latency_ms: number;
  outcomes: Record<string, Outcome["status"]>;
}

/** The demo's policy: policy/ of the Warden package (or checkout), wherever the demo runs. */
export const DEMO_POLICY = fileURLToPath(new URL("../../policy", import.meta.url));

const AGENT = { id: "support-bot-1", role: "support-agent" };
const CUSTOMER: Principal = { id: "customer-c77", kind: "user" };
const LEAD: Principal = { id: "lena", kind: "user" };
const OPS = "ops-oncall";

/** The demo's directory: the only source of the roles Warden grants. */
const DIRECTORY = [
  { id: OPS, kind: "operator", roles: ["warden:admin", "warden:operator"], name: "the on-call operator" },
  { id: AGENT.id, kind: "agent", roles: [AGENT.role] },
  { id: "lena", kind: "user", roles: ["support-lead", "warden:reviewer"], name: "Lena, support lead" },
  { id: "sam", kind: "user", roles: ["support-agent"], name: "Sam, support agent" },
] as const;

function request(action: string, parameters: Record<string, unknown>): ActionRequest {
  return {
    agent: AGENT,
    initiator: CUSTOMER,
    action,
    parameters,
    context: {
      input: "Hi, my order A-1002 arrived broken, I want my money back. Also, can you delete my account?",
      channel: "chat",
      attributes: { identity_verified: true, customer_tier: "standard" },
    },
    reasoning: { trace: [`customer asked for ${action}`], confidence: 0.92 },
  };
}

/** When the slow handler saw the kill switch's abort signal (for the halt latency). */
let abortSeenAt = Number.NaN;

/** Handlers of the agent's tools: they read and write order documents in the state store. */
const handlers: Record<string, Handler> = {
  "order.lookup": async ({ parameters, state }) => ({ output: { order: (await state.get(`orders/${String(parameters.order)}`)) as Record<string, unknown> } }),
  "discount.apply": async ({ parameters, state }) => {
    const key = `orders/${String(parameters.order)}`;
    const order = (await state.get(key)) as { total: number; discounts: number[] };
    await state.put(key, { ...order, total: order.total - Number(parameters.amount), discounts: [...order.discounts, Number(parameters.amount)] });
    return { output: { discounted: parameters.amount } };
  },
  "refund.issue": async ({ parameters, state }) => {
    const key = `orders/${String(parameters.order)}`;
    const order = (await state.get(key)) as { refunded: number };
    await state.put(key, { ...order, refunded: order.refunded + Number(parameters.amount) });
    return { output: { refunded: parameters.amount } };
  },
  "order.update_address": async ({ parameters, state, signal }) => {
    // A slow, multi-step change (courier API calls), checking for the kill switch between steps.
    for (let step = 0; step < 50; step++) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, 100);
        signal.addEventListener("abort", () => (clearTimeout(t), (abortSeenAt = performance.now()), reject(signal.reason)), { once: true });
      });
    }
    const key = `orders/${String(parameters.order)}`;
    await state.put(key, { ...((await state.get(key)) as object), address: parameters.address });
    return {};
  },
  never: async () => {
    throw new Error("a blocked action's handler must never run");
  },
};

export async function runDemo(opts: DemoOptions = {}): Promise<DemoSummary> {
  const home = opts.home ?? ".warden";
  const say = opts.say ?? ((l) => console.log(l));
  const progress = opts.progress ?? ((l) => console.error(l));
  const outcomes: Record<string, Outcome["status"]> = {};

  say("Warden demo: a customer-support agent under governance\n");

  // 1. The policy, as CI would ship it: built, signed, published.
  const keys = demoKeys(join(home, "keys"));
  const policy = opts.policy ?? DEMO_POLICY;
  progress(`building the policy bundle from ${opts.policy ?? "the demo policy"} ...`);
  const built = await buildBundleBytes({ paths: [policy], progress });
  const signed = await signBundle(built.bytes, { key: readFileSync(keys.private, "utf8"), algorithm: "RS256", keyId: "demo" });
  const bundles = opts.bundles ?? "bundles";
  const { added } = openBundleStore(bundles).put(signed);
  say(`Policy bundle ${built.revision.slice(0, 12)}… built from ${opts.policy ?? "the demo policy"}, signed (RS256, key "demo"), ${added ? "published to" : "already in"} ${bundles}/`);
  say(`  entrypoint: ${built.entrypoints.join(", ")}\n`);

  // 2. A fresh store for this run; the bundle store keeps every revision.
  for (const f of ["warden.db", "warden.db-wal", "warden.db-shm", "state", "deployment.json"]) rmSync(join(home, f), { recursive: true, force: true });
  const deployment: Deployment = {
    store: join(home, "warden.db"),
    bundles,
    revision: built.revision,
    verification_key: keys.public,
    algorithm: "RS256",
    state: join(home, "state"),
    mode: "enforce",
  };
  writeDeployment(deployment, join(home, "deployment.json"));
  const gov = await openGovernor(deployment);
  try {
    await gov.stateStore.put("orders/A-1001", { customer: "customer-c77", total: 240, discounts: [], refunded: 0, address: "1 Old Street" });
    await gov.stateStore.put("orders/A-1002", { customer: "customer-c77", total: 900, discounts: [], refunded: 0, address: "1 Old Street" });
    for (const p of DIRECTORY) await putPrincipal(gov.store, { ...p, roles: [...p.roles] }, OPS);
    say(`Store: ${deployment.store} (audit trail, approvals, notify queue, directory); state: ${deployment.state}`);
    say(`Directory: ${DIRECTORY.map((p) => `${p.id} (${p.roles.join(", ")})`).join("; ")}.`);
    say(`Agent ${AGENT.id} (role ${AGENT.role}) serves ${CUSTOMER.id}, identity verified.\n`);

    const act = async (label: string, action: string, parameters: Record<string, unknown>, resource?: string) => {
      const out = await gov.execute(request(action, parameters), handlers[action] ?? handlers.never!, resource ? { resource } : {});
      outcomes[label] = out.status;
      say(`• ${label}: ${describe(out)}`);
      return out;
    };

    await act("look up order A-1001", "order.lookup", { order: "A-1001" });
    const discount = await act("apply a 20 discount to A-1001", "discount.apply", { order: "A-1001", amount: 20 }, "orders/A-1001");
    const refund = await act("refund 750 on A-1002", "refund.issue", { order: "A-1002", amount: 750 }, "orders/A-1002");
    await act("delete the customer's account", "account.delete", { customer: "customer-c77" });
    await act("grant the customer admin rights", "permissions.change", { user: "customer-c77", grant: "admin" });

    // 3. The paused refund, as approvers see it.
    if (refund.status === "paused") {
      const { ticket, approval } = refund;
      say(`\nApproval ${approval.approval_id.slice(0, 8)}… waits for ${approval.approver_role} (due ${approval.due_at}); the ticket is plain JSON and survives restarts.`);
      const saw = { request_hash: ticket.request_hash, revision: ticket.revision };
      for (const [who, by] of [
        ["the agent itself, claiming support-lead", { id: AGENT.id, kind: "agent", roles: ["support-lead"] }],
        ["sam, a support agent", { id: "sam" }],
        ["mallory, claiming support-lead", { id: "mallory", roles: ["support-lead"] }],
      ] as const) {
        try {
          await gov.decideApproval({ approval_id: approval.approval_id, verdict: "approve", by, saw });
          say(`  ${who} approved it (this must not happen)`);
        } catch (e) {
          say(`  ${who} tries to approve: refused (${e instanceof ApprovalError ? e.reason : e instanceof GovernanceRefusal ? e.code : (e as Error).message})`);
        }
      }
      await gov.decideApproval({ approval_id: approval.approval_id, verdict: "approve", by: LEAD, saw, comment: "photo of the damage attached" });
      say(`  lena (support-lead) approves, having seen request ${ticket.request_hash.slice(0, 12)}… under revision ${ticket.revision.slice(0, 12)}…`);
      const resumed = await gov.resume(JSON.parse(JSON.stringify(ticket)), handlers["refund.issue"]!, { resource: "orders/A-1002" });
      outcomes["refund 750 on A-1002 (after approval)"] = resumed.status;
      say(`• refund 750 on A-1002, resumed: ${describe(resumed)}`);
      const again = await gov.resume(JSON.parse(JSON.stringify(ticket)), handlers["refund.issue"]!, { resource: "orders/A-1002" });
      outcomes["refund 750 on A-1002 (resumed again)"] = again.status;
      say(`• the same ticket resumed again: ${describe(again)}`);
    }

    // 4. Undo the discount.
    say("");
    const restored = await gov.rollback(discount.action_id, OPS);
    say(`Rollback of the discount (${discount.action_id.slice(0, 8)}…): order A-1001 is back to total ${(restored.restored as { total: number }).total}, and the rollback is an audited action (${restored.action_id.slice(0, 8)}…).`);

    // 5. The kill switch halts a running action and refuses new ones.
    say("");
    const running = gov.execute(request("order.update_address", { order: "A-1001", address: "9 New Road" }), handlers["order.update_address"]!, { resource: "orders/A-1001" });
    await new Promise((r) => setTimeout(r, 300));
    const thrown = performance.now();
    const { aborted } = await gov.setKillSwitch(true, OPS, "agent misbehaving in production");
    const halted = await running;
    const haltMs = abortSeenAt - thrown;
    const settledMs = performance.now() - thrown;
    outcomes["update an address (kill switch)"] = halted.status;
    say(
      `Kill switch thrown by ops-oncall while the agent was updating an address: ${aborted} running action ${halted.status}; ` +
        `the handler saw the abort ${haltMs.toFixed(1)} ms after the switch, its outcome was audited at ${settledMs.toFixed(1)} ms.`,
    );
    const refused = await act("look up order A-1001 with the kill switch on", "order.lookup", { order: "A-1001" });
    void refused;
    await gov.setKillSwitch(false, OPS, "incident resolved");
    say("  kill switch reset.");

    // 6. What reviewers and auditors see.
    const queue = await gov.store.notifyQueue({ pendingOnly: true });
    say(`\nNotify queue: ${queue.length} executed action(s) to review within 24 hours (${queue.map((q) => q.action).join(", ")}).`);
    const audit = gov.auditLog;
    const v = await audit.verify();
    say(`Audit trail: ${v.records} records, hash chain ${v.ok ? "verifies" : `BROKEN at record ${v.firstBad?.seq}`}; head ${v.head.hash.slice(0, 16)}…`);
    const incomplete = await audit.incomplete();
    say(`Incomplete actions (intent without outcome): ${incomplete.length}.`);
    say(`\nNext: npx warden audit verify | npx warden audit show | npx warden approvals list | npx warden replay`);
    return { revision: built.revision, records: v.records, halt_latency_ms: haltMs, outcomes };
  } finally {
    await gov.dispose();
  }
}

function describe(out: Outcome): string {
  switch (out.status) {
    case "executed":
      return `${out.category} → executed${out.queued_for_review ? ", queued for human review within 24 h" : ""}${out.rollback.kind === "state" ? " (before/after recorded)" : ""}`;
    case "blocked":
      return `blocked: ${out.reasons.join("; ")}`;
    case "paused":
      return `approve → paused for ${out.approval.approver_role} (SLA ${out.approval.route.sla_minutes} min, then ${out.approval.route.escalation.join(" → ") || "expiry"})`;
    case "aborted":
    case "failed":
      return `${out.status}: ${out.error}`;
    case "refused":
      return `refused (${out.code}): ${out.error}`;
    default:
      return out.status;
  }
}

/** The demo's signing key pair (RSA 2048), made once and kept under .warden/keys. */
function demoKeys(dir: string): { private: string; public: string } {
  const files = { private: join(dir, "demo-private.pem"), public: join(dir, "demo-public.pem") };
  if (!existsSync(files.private) || !existsSync(files.public)) {
    mkdirSync(dir, { recursive: true });
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    writeFileSync(files.private, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
    writeFileSync(files.public, publicKey.export({ type: "spki", format: "pem" }));
  }
  return files;
}
