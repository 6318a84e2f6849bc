// policy/governance/decision.rego's `decision`, by hand in TypeScript: the baseline the issue
// measures the governed decision against ("at most 15x slower than the hand-written JavaScript
// equivalent"). Written as a careful engineer would write the matrix without a policy engine,
// for requests that fit schemas/action-request.schema.json (string action and role, a string
// tier, scalar amounts); test/bench/decision-by-hand.test.ts checks it against the policy.

interface ActionEntry {
  system: string;
  access: string;
  impact: string;
  reversibility: string;
  approval_threshold?: number;
}
interface Route {
  approver_role: string;
  sla_minutes: number;
  escalation: string[];
}
export interface GovernanceData {
  actions: Record<string, ActionEntry>;
  roles: Record<string, Record<string, string[]>>;
  verified_identity_required: string[];
  tiers: Record<string, { threshold_factor: number }>;
  routes: Record<string, Route>;
  default_route: Route;
  blocked: string[];
  kill_switch: boolean;
}
export interface DecisionInput {
  action: string;
  agent: { id: string; role?: unknown };
  parameters?: Record<string, unknown>;
  context?: { attributes?: Record<string, unknown> };
}
export interface HandDecision {
  allow: boolean;
  category: string;
  reasons: string[];
  approval: Route | null;
  obligations: string[];
}

const MATRIX: Record<string, Record<string, string>> = {
  low: { reversible: "auto", irreversible: "notify" },
  medium: { reversible: "notify", irreversible: "approve" },
  high: { reversible: "approve", irreversible: "approve" },
  critical: { reversible: "block", irreversible: "block" },
};

const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

// Rego's `>` orders values of different types (null < boolean < number < string): a string
// amount is over any number threshold. Only the scalar types a request carries are handled.
const typeRank = (v: unknown) => (v === null ? 0 : typeof v === "boolean" ? 1 : typeof v === "number" ? 2 : 3);
function greater(a: unknown, b: number): boolean {
  const ra = typeRank(a);
  return ra !== 2 ? ra > 2 : (a as number) > b;
}

/** decision.rego's decision for one request; undefined where the policy's is undefined. */
export function decisionByHand(data: GovernanceData, input: DecisionInput): HandDecision | undefined {
  const action = own(data.actions, input.action) ? data.actions[input.action] : undefined;
  const attributes = isObject(input.context) && isObject(input.context.attributes) ? input.context.attributes : undefined;
  const tier = attributes && own(attributes, "customer_tier") ? attributes.customer_tier : "standard";
  if (typeof tier !== "string") return undefined; // outside the schema; the policy's text would name it
  const tierEntry = own(data.tiers, tier) ? data.tiers[tier] : undefined;
  const threshold = action?.approval_threshold !== undefined && tierEntry ? action.approval_threshold * tierEntry.threshold_factor : undefined;
  const amount = isObject(input.parameters) && own(input.parameters, "amount") ? input.parameters.amount : undefined;
  const over = threshold !== undefined && amount !== undefined && greater(amount, threshold);
  const role = input.agent?.role;

  const block: string[] = [];
  if (data.kill_switch === true) block.push("kill switch is on");
  if (!action) block.push(`unknown action ${input.action}`);
  if (data.blocked.includes(input.action)) block.push(`${input.action} is on the hard block list`);
  if (typeof role !== "string") block.push("the request names no agent role");
  if (action && typeof role === "string") {
    const grants = own(data.roles, role) && own(data.roles[role]!, action.system) ? data.roles[role]![action.system]! : [];
    if (!grants.includes(action.access)) block.push(`role ${role} has no ${action.access} access to ${action.system}`);
  }
  const needsIdentity = action?.access === "write" && data.verified_identity_required.includes(action.system);
  if (needsIdentity && attributes?.identity_verified !== true) block.push(`${action!.access} access to ${action!.system} needs a verified customer identity`);
  if (!tierEntry) block.push(`unknown customer tier ${tier}`);

  const matrixCell = action ? MATRIX[action.impact]?.[action.reversibility] : undefined;
  const category = block.length > 0 ? "block" : over ? "approve" : matrixCell;
  if (category === undefined) return undefined;

  let reasons: string[] = [];
  if (category === "block") reasons = [...new Set(block)];
  else if (category === "approve") {
    if (over) reasons.push(`amount ${String(amount)} exceeds the approval threshold ${threshold}`);
    if (matrixCell === "approve") reasons.push(`${action!.impact} impact, ${action!.reversibility}: needs a human`);
  }
  const approval = category === "approve" ? (own(data.routes, input.action) ? data.routes[input.action]! : data.default_route) : null;
  const obligations: string[] = [];
  if (category === "notify") obligations.push("human review within 24 hours");
  if (approval) obligations.push(`approval by ${approval.approver_role} within ${approval.sla_minutes} minutes`);
  if (category !== "block" && action?.access === "write") obligations.push("record before/after state for rollback");
  return { allow: category === "auto" || category === "notify", category, reasons: reasons.sort(), approval, obligations: obligations.sort() };
}
