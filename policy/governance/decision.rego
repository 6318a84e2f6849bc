# METADATA
# title: Agent action decision matrix
# description: |
#   Classifies every action an AI agent proposes as auto, notify, approve or block. The category
#   comes from the action inventory (impact x reversibility), raised by amount thresholds, and
#   overridden by the hard block list, the agent's role permissions and the kill switch. All of
#   it is data (data.governance); this file is the logic.
package governance

# Category by impact and reversibility: the matrix of the governance brief.
matrix := {
	"low": {"reversible": "auto", "irreversible": "notify"},
	"medium": {"reversible": "notify", "irreversible": "approve"},
	"high": {"reversible": "approve", "irreversible": "approve"},
	"critical": {"reversible": "block", "irreversible": "block"},
}

action := data.governance.actions[input.action]

# The customer's tier scales amount thresholds (a VIP's refund may be larger before review).
tier := object.get(input, ["context", "attributes", "customer_tier"], "standard")

threshold := action.approval_threshold * data.governance.tiers[tier].threshold_factor

over_threshold if input.parameters.amount > threshold

# Least privilege: the role must hold this access to this system ...
role_grants := object.get(data.governance.roles, [input.agent.role, action.system], [])

# ... and writes to sensitive systems need the customer's identity verified in this conversation.
needs_verified_identity if {
	action.access == "write"
	action.system in data.governance.verified_identity_required
}

identity_verified if input.context.attributes.identity_verified == true

block_reasons contains "kill switch is on" if data.governance.kill_switch == true

block_reasons contains sprintf("unknown action %s", [input.action]) if not action

block_reasons contains sprintf("%s is on the hard block list", [input.action]) if input.action in data.governance.blocked

# Without a role the reason below would be undefined (its text names the role) and the request
# would pass: a request that names no agent role is blocked on its own. The test is a rule of its
# own because Rego evaluates a call's arguments before its `not`: `not is_string(input.agent.role)`
# is undefined, not true, when the request has no role at all.
block_reasons contains "the request names no agent role" if not names_agent_role

names_agent_role if is_string(input.agent.role)

block_reasons contains sprintf("role %s has no %s access to %s", [input.agent.role, action.access, action.system]) if {
	not action.access in role_grants
}

block_reasons contains sprintf("%s access to %s needs a verified customer identity", [action.access, action.system]) if {
	needs_verified_identity
	not identity_verified
}

block_reasons contains sprintf("unknown customer tier %s", [tier]) if not data.governance.tiers[tier]

category := "block" if {
	count(block_reasons) > 0
} else := "approve" if {
	over_threshold
} else := matrix[action.impact][action.reversibility]

approve_reasons contains sprintf("amount %v exceeds the approval threshold %v", [input.parameters.amount, threshold]) if over_threshold

approve_reasons contains sprintf("%s impact, %s: needs a human", [action.impact, action.reversibility]) if {
	matrix[action.impact][action.reversibility] == "approve"
}

reasons := block_reasons if category == "block"

reasons := approve_reasons if category == "approve"

reasons := set() if category in {"auto", "notify"}

# Who approves: the action's own route, or the default one.
default approval := null

approval := object.get(data.governance.routes, input.action, data.governance.default_route) if category == "approve"

obligations contains "human review within 24 hours" if category == "notify"

obligations contains sprintf("approval by %s within %v minutes", [approval.approver_role, approval.sla_minutes]) if category == "approve"

obligations contains "record before/after state for rollback" if {
	category != "block"
	action.access == "write"
}

# METADATA
# entrypoint: true
# description: The decision for one proposed action (schemas/decision.schema.json).
decision := {
	"allow": category in {"auto", "notify"},
	"category": category,
	"reasons": sort(reasons),
	"approval": approval,
	"obligations": sort(obligations),
}
