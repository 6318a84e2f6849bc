// The least-privilege review: per role, the grants the policy's data gives (data.governance.roles:
// role -> system -> accesses) against the grants used in the window. A grant is used when an agent
// acting under the role was decided anything but block on an action whose system and access (from
// data.governance.actions) are that grant: the grant let the request through. Unused grants are
// candidates to remove, written as the policy's data with them removed (a data.json the author can
// drop into the policy, and that `warden replay --candidate` can test first). Pure.

import type { LeastPrivilege, RoleGrant, RoleReview } from "../schemas/types.ts";

/** The part of a bundle's data.governance the review reads (the rest is carried over untouched). */
export interface GovernanceData {
  roles?: Record<string, Record<string, string[]>>;
  actions?: Record<string, { system?: string; access?: string }>;
  [k: string]: unknown;
}

/** How often agents under a role were decided on an action: not blocked, and blocked. */
export interface Use {
  allowed: number;
  blocked: number;
}

export type { LeastPrivilege, RoleReview };
export type Grant = RoleGrant;

/**
 * `usage`: per role, per action, the decisions of agents acting under it; `agents`: the same per
 * agent and role, for the per-agent view (which of its role's grants each agent used).
 */
export function leastPrivilege(revision: string, data: GovernanceData, usage: Map<string, Map<string, Use>>, agents: { agent: string; role: string; use: Map<string, Use> }[] = []): LeastPrivilege {
  const roles = data.roles ?? {};
  const actions = data.actions ?? {};
  const needing = (system: string, access: string) =>
    Object.entries(actions)
      .filter(([, a]) => a.system === system && a.access === access)
      .map(([name]) => name)
      .sort();
  const out: RoleReview[] = [];
  const proposed: Record<string, Record<string, string[]>> = {};
  let removed = 0;
  for (const role of [...new Set([...Object.keys(roles), ...usage.keys()])].sort()) {
    const given = roles[role] ?? {};
    const used = usage.get(role) ?? new Map<string, Use>();
    const grants: Grant[] = [];
    const keep: Record<string, string[]> = {};
    for (const system of Object.keys(given).sort()) {
      for (const access of [...given[system]!].sort()) {
        const acts = needing(system, access);
        const g: Grant = { system, access, used: 0, blocked: 0, actions: acts, requested_actions: [] };
        for (const a of acts) {
          const u = used.get(a);
          if (!u) continue;
          g.used += u.allowed;
          g.blocked += u.blocked;
          g.requested_actions.push(a);
        }
        grants.push(g);
        if (g.used > 0) (keep[system] ??= []).push(access);
        else removed++;
      }
    }
    const denied = new Map<string, number>();
    for (const [action, u] of used) {
      const a = actions[action];
      if (!a?.system || !a.access || (given[a.system] ?? []).includes(a.access)) continue;
      const k = `${a.system}\u0000${a.access}`;
      denied.set(k, (denied.get(k) ?? 0) + u.allowed + u.blocked);
    }
    if (roles[role]) proposed[role] = keep;
    out.push({
      role,
      grants,
      unused: grants.filter((g) => g.used === 0).map((g) => ({ system: g.system, access: g.access, blocked: g.blocked })),
      denied: [...denied].map(([k, requests]) => ({ system: k.split("\u0000")[0]!, access: k.split("\u0000")[1]!, requests })).sort((x, y) => y.requests - x.requests),
    });
  }
  const perAgent = agents
    .map(({ agent, role, use }) => {
      const held = Object.entries(roles[role] ?? {}).flatMap(([system, accesses]) => accesses.map((access) => `${system}:${access}`));
      const used = new Set<string>();
      let decisions = 0;
      let blocked = 0;
      for (const [action, u] of use) {
        decisions += u.allowed + u.blocked;
        blocked += u.blocked;
        const a = actions[action];
        if (u.allowed > 0 && a?.system && a.access && held.includes(`${a.system}:${a.access}`)) used.add(`${a.system}:${a.access}`);
      }
      return { agent, role, decisions, blocked, used: [...used].sort(), unused: held.filter((g) => !used.has(g)).sort() };
    })
    .sort((x, y) => x.agent.localeCompare(y.agent) || x.role.localeCompare(y.role));
  return { revision, roles: out, agents: perAgent, proposed_roles: proposed, proposed_data: { ...structuredClone(data), roles: proposed }, removed };
}
