# A realistic authorization policy, used by the benchmarks: role-based grants with resource
# prefixes, per-tenant isolation, suspended users, and a rule that only admins may delete.
package authz

import rego.v1

default allow := false

allow if {
	not deny
	some grant in grants
	grant.action == input.action
	startswith(input.resource.path, grant.prefix)
}

grants contains grant if {
	some role in data.users[input.user].roles
	some grant in data.roles[role].grants
}

deny if input.user in data.suspended

deny if input.resource.tenant != data.users[input.user].tenant

deny if {
	input.action == "delete"
	not is_admin
}

is_admin if "admin" in data.users[input.user].roles

reasons contains msg if {
	deny
	msg := sprintf("user %s may not %s %s", [input.user, input.action, input.resource.path])
}
