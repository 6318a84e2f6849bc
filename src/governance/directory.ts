// The directory: who the principals of a deployment are and which roles they hold. It is the only
// source of roles: an agent's request names its agent id and the role it acts under, and the role
// must be one the directory gives that agent; an approver or operator is named by id alone. It
// lives in the governance store, every change on the audit chain (state.ts), and is changed only
// by a principal holding warden:admin — except the very first entry of an empty directory (the
// deployment's bootstrap, by whoever holds the store).
//
// Warden's own operations need Warden's roles:
//   warden:admin     change the directory (and everything below)
//   warden:operator  throw or reset the kill switch, roll back, resolve incomplete actions
//   warden:reviewer  review executed notify actions
// Approval routes name the business roles (support-lead, cfo, ...) the policy asks for.
import type { Queryable } from "../audit/db.ts";
import type { DirectoryEntry, Principal } from "../schemas/types.ts";
import { SchemaError, validate } from "../schemas/validate.ts";
import { GovernanceRefusal } from "./errors.ts";
import type { GovernanceState } from "./state.ts";

export type Operation = "principals" | "kill_switch" | "rollback" | "recover" | "notify_review";

/** The roles that may perform each of Warden's own operations. */
export const OPERATION_ROLES: Record<Operation, readonly string[]> = {
  principals: ["warden:admin"],
  kill_switch: ["warden:operator", "warden:admin"],
  rollback: ["warden:operator", "warden:admin"],
  recover: ["warden:operator", "warden:admin"],
  notify_review: ["warden:reviewer", "warden:operator", "warden:admin"],
};

/** The principal as the directory knows it (kind and roles from the entry); refuses unknown ids. */
export async function resolvePrincipal(state: GovernanceState, id: string, q?: Queryable): Promise<Principal & { kind: DirectoryEntry["kind"]; roles: string[] }> {
  const entry = await state.principal(id, q);
  if (!entry) throw new GovernanceRefusal("unknown_principal", `${id} is not in the directory (see warden principals list)`);
  return { id: entry.id, kind: entry.kind, roles: [...entry.roles] };
}

/**
 * The roles a caller claims must all be held in the directory; an empty or absent claim takes
 * the directory's roles. Returns the principal with its directory roles.
 */
export async function checkClaim(state: GovernanceState, claimed: Principal, q?: Queryable): Promise<Principal & { kind: DirectoryEntry["kind"]; roles: string[] }> {
  const p = await resolvePrincipal(state, claimed.id, q);
  const extra = (claimed.roles ?? []).filter((r) => !p.roles.includes(r));
  if (extra.length) throw new GovernanceRefusal("role_not_held", `${claimed.id} claims ${extra.join(", ")}, which the directory does not give it`);
  if (claimed.kind !== undefined && claimed.kind !== p.kind) throw new GovernanceRefusal("role_not_held", `${claimed.id} claims to be a ${claimed.kind}; the directory says ${p.kind}`);
  return p;
}

/** Refuses a principal that holds none of the roles an operation needs. */
export async function authorize(state: GovernanceState, id: string, operation: Operation, q?: Queryable): Promise<Principal & { roles: string[] }> {
  const p = await resolvePrincipal(state, id, q);
  const needed = OPERATION_ROLES[operation];
  if (!p.roles.some((r) => needed.includes(r))) {
    throw new GovernanceRefusal("not_permitted", `${id} may not ${describe(operation)}: it needs one of the roles ${needed.join(", ")}`);
  }
  return p;
}

/**
 * Adds or replaces a directory entry (audited with the entry). `by` must hold warden:admin,
 * unless the directory has never held anyone (bootstrap), when the first entry must itself be an
 * admin so that someone can manage the rest.
 */
export async function putPrincipal(state: GovernanceState, raw: unknown, by: string): Promise<DirectoryEntry> {
  let entry: DirectoryEntry;
  try {
    entry = validate("directory-entry", raw);
  } catch (e) {
    throw new GovernanceRefusal("input_invalid", (e as SchemaError).message);
  }
  return state.transaction(async (tx) => {
    const bootstrap = await isEmpty(state, tx);
    if (bootstrap) {
      if (!entry.roles.includes("warden:admin")) {
        throw new GovernanceRefusal("not_permitted", `the directory is empty: its first principal must hold warden:admin (so that someone can manage it), not ${entry.id} with ${entry.roles.join(", ") || "no roles"}`);
      }
    } else {
      await authorize(state, by, "principals", tx);
    }
    const before = await state.read(tx, "principals", entry.id, { lock: true });
    await state.write(tx, "principals", entry.id, entry, {
      type: "principal",
      actor: { id: by },
      details: { event: before ? "updated" : "added", ...(bootstrap ? { bootstrap: true } : {}) },
    });
    return entry;
  });
}

/** Removes a principal (audited). Refuses to remove the last admin. */
export async function removePrincipal(state: GovernanceState, id: string, by: string): Promise<void> {
  await state.transaction(async (tx) => {
    await authorize(state, by, "principals", tx);
    const current = await state.read<DirectoryEntry>(tx, "principals", id, { lock: true });
    if (!current) throw new GovernanceRefusal("unknown_principal", `${id} is not in the directory`);
    if (current.value.roles.includes("warden:admin")) {
      const admins = (await state.list<DirectoryEntry>(tx, "principals")).filter((p) => p.roles.includes("warden:admin"));
      if (admins.length <= 1) throw new GovernanceRefusal("not_permitted", `${id} is the last warden:admin: add another admin first`);
    }
    await state.write(tx, "principals", id, null, { type: "principal", actor: { id: by }, details: { event: "removed" } });
  });
}

/** True when neither the table nor the chain has ever held a principal. */
async function isEmpty(state: GovernanceState, tx: Queryable): Promise<boolean> {
  const rows = await tx.query("SELECT 1 AS one FROM principals LIMIT 1");
  if (rows.length) return false;
  return !(await state.audit.hasType(tx, "principal"));
}

function describe(op: Operation): string {
  return {
    principals: "change the directory",
    kill_switch: "throw or reset the kill switch",
    rollback: "roll back actions",
    recover: "resolve incomplete actions",
    notify_review: "review notify actions",
  }[op];
}
