// The authorization benchmark's data as Cedar entities and requests (for scripts/bench/authz.cedar).
import type { AuthorizationCall, EntityJson } from "@cedar-policy/cedar-wasm/nodejs";
import type { AuthzData, AuthzInput } from "./authz.ts";

type CedarRequest = Omit<AuthorizationCall, "policies">;

/** One Cedar request per authz input, carrying the two entities it needs (user and resource). */
export function cedarRequests(data: AuthzData, requests: AuthzInput[]): CedarRequest[] {
  const suspended = new Set(data.suspended);
  return requests.map((r) => {
    const user = data.users[r.user]!;
    const principal = { type: "User", id: r.user };
    const resource = { type: "Resource", id: `${r.resource.tenant}:${r.resource.path}` };
    const entities: EntityJson[] = [
      { uid: principal, attrs: { roles: user.roles, tenant: user.tenant, suspended: suspended.has(r.user) }, parents: [] },
      { uid: resource, attrs: { path: r.resource.path, tenant: r.resource.tenant }, parents: [] },
    ];
    return {
      principal,
      action: { type: "Action", id: r.action },
      resource,
      context: {},
      entities,
    };
  });
}
