// A service embedding Warden, as plain JavaScript on Node (no loader, no TypeScript): loads a
// signed bundle, gives its agent a directory entry, governs one action, prints the revision.
// Usage: node govern.mjs BUNDLE PUBLIC_KEY.pem
import { readFileSync } from "node:fs";
import { AuditLog, Evaluator, GovernanceRefusal, Governor, MemoryStateStore, putPrincipal } from "warden";

const [bundleFile, keyFile] = process.argv.slice(2);
const evaluator = await Evaluator.load({ file: bundleFile }, { verification: { key: readFileSync(keyFile, "utf8"), algorithm: "RS256" } });
const audit = await AuditLog.open("sqlite::memory:");
const governor = await Governor.open({ evaluator, audit, state: new MemoryStateStore() });
try {
  // The directory is the only source of roles; its first entry must hold warden:admin.
  await putPrincipal(governor.store, { id: "admin", kind: "operator", roles: ["warden:admin"] }, "admin");
  await putPrincipal(governor.store, { id: "support-bot-1", kind: "agent", roles: ["support-agent"] }, "admin");
  const request = {
    agent: { id: "support-bot-1", role: "support-agent" },
    initiator: { id: "customer-42", kind: "user" },
    action: "order.lookup",
    parameters: { order: "A-1001" },
    context: { attributes: { identity_verified: true } },
  };
  const proposal = await governor.propose(request, undefined, { agent: "support-bot-1" });
  const outcome = await governor.execute(request, async () => ({ output: { status: "shipped" } }), { agent: "support-bot-1" });
  console.log(`${proposal.decision.result.category} ${outcome.status} revision ${proposal.decision.revision}`);
} catch (e) {
  if (e instanceof GovernanceRefusal) console.error(`refused: ${e.code}: ${e.message}`);
  throw e;
} finally {
  await governor.dispose();
}
