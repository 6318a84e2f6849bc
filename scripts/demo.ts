// `npm run demo`: compiles policy/ with Warden's own Rego compiler and classifies the customer-
// support agent's actions with the reference interpreter. (The full governed demo — approvals,
// audit trail, rollback, kill switch — is `warden demo`, once the governance runtime lands.)
import { planSources } from "../src/pipeline.ts";
import { Interpreter } from "../src/interpreter/interpreter.ts";
import { fromJSON, toJSON } from "../src/values/value.ts";
import { loadPaths } from "../src/cli/files.ts";

const { sources, data } = loadPaths(["policy"]);
const started = performance.now();
const plan = planSources(sources, ["governance/decision"]);
console.log(`compiled ${sources.length} policy file(s) to plan IR in ${(performance.now() - started).toFixed(0)} ms\n`);

const agent = { id: "support-bot-1", role: "support-agent" };
const proposals = [
  { action: "order.lookup", parameters: { order: "A-1001" } },
  { action: "discount.apply", parameters: { order: "A-1001", amount: 20 } },
  { action: "refund.issue", parameters: { order: "A-1002", amount: 750 } },
  { action: "account.delete", parameters: { customer: "C-77" } },
  { action: "permissions.change", parameters: { user: "C-77", grant: "admin" } },
];

const interpreter = new Interpreter(plan);
const dataValue = fromJSON(data);
for (const p of proposals) {
  const [result] = interpreter.eval("governance/decision", { input: fromJSON({ ...p, agent }), data: dataValue });
  const d = (result ? toJSON(result) : {}) as { result?: { category: string; allow: boolean; reasons: string[] } };
  const decision = d.result;
  const why = decision?.reasons.length ? ` (${decision.reasons.join("; ")})` : "";
  console.log(`${p.action.padEnd(20)} -> ${(decision?.category ?? "undefined").padEnd(8)} allow=${decision?.allow}${why}`);
}
