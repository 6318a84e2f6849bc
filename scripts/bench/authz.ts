// The data and requests the authorization benchmark runs on, and the same decision written by
// hand in TypeScript (the baseline every engine is compared with).

export interface Grant {
  action: string;
  prefix: string;
}
export interface AuthzData {
  users: Record<string, { roles: string[]; tenant: string }>;
  roles: Record<string, { grants: Grant[] }>;
  suspended: string[];
}
export interface AuthzInput {
  user: string;
  action: string;
  resource: { path: string; tenant: string };
}

/** Deterministic data: `users` users spread over roles and tenants. */
export function authzData(users = 200): AuthzData {
  const roles: AuthzData["roles"] = {
    admin: { grants: ["read", "write", "delete"].map((action) => ({ action, prefix: "/" })) },
    editor: { grants: ["read", "write"].map((action) => ({ action, prefix: "/docs/" })) },
    viewer: { grants: [{ action: "read", prefix: "/docs/" }, { action: "read", prefix: "/public/" }] },
    billing: { grants: [{ action: "read", prefix: "/billing/" }, { action: "write", prefix: "/billing/" }] },
  };
  const names = Object.keys(roles);
  const data: AuthzData = { users: {}, roles, suspended: [] };
  for (let i = 0; i < users; i++) {
    data.users[`user${i}`] = { roles: [names[i % names.length]!, names[(i * 7) % names.length]!], tenant: `t${i % 5}` };
    if (i % 17 === 0) data.suspended.push(`user${i}`);
  }
  return data;
}

/** A mix of allowed and denied requests. */
export function authzRequests(n = 64, users = 200): AuthzInput[] {
  const actions = ["read", "write", "delete"];
  const paths = ["/docs/a", "/public/b", "/billing/c", "/admin/d"];
  return Array.from({ length: n }, (_, i) => ({
    user: `user${(i * 13) % users}`,
    action: actions[i % actions.length]!,
    resource: { path: paths[(i * 5) % paths.length]!, tenant: `t${(i * 3) % 5}` },
  }));
}

/** authz.rego's `allow`, by hand. */
export function allowByHand(data: AuthzData, input: AuthzInput): boolean {
  const user = data.users[input.user];
  if (!user) return false;
  if (data.suspended.includes(input.user)) return false;
  if (input.resource.tenant !== user.tenant) return false;
  if (input.action === "delete" && !user.roles.includes("admin")) return false;
  for (const role of user.roles) {
    for (const g of data.roles[role]?.grants ?? []) {
      if (g.action === input.action && input.resource.path.startsWith(g.prefix)) return true;
    }
  }
  return false;
}
