# METADATA
# title: Agent action decision matrix
# description: |
#   Classifies every action an AI agent proposes as auto, notify, approve or block, from the
#   action inventory in data.governance (impact and reversibility), thresholds, the hard block
#   list and the agent's role permissions.
package governance

import rego.v1

# Category by impact and reversibility: the matrix of the governance brief.
matrix := {
	"low": {"reversible": "auto", "irreversible": "notify"},
	"medium": {"reversible": "notify", "irreversible": "approve"},
	"high": {"reversible": "approve", "irreversible": "approve"},
	"critical": {"reversible": "block", "irreversible": "block"},
}

action := data.governance.actions[input.action]

base_category := matrix[action.impact][action.reversibility]

# An amount over the action's threshold needs a human, whatever the matrix says.
over_threshold if input.parameters.amount > action.approval_threshold

permitted if {
	some grant in data.governance.roles[input.agent.role][action.system]
	grant == action.access
}

blocked_reasons contains "action is on the hard block list" if input.action in data.governance.blocked
blocked_reasons contains "unknown action" if not action
blocked_reasons contains sprintf("role %s has no %s access to %s", [input.agent.role, action.access, action.system]) if {
	action
	not permitted
}
blocked_reasons contains "kill switch is on" if data.governance.kill_switch == true

# METADATA
# entrypoint: true
# description: The decision for one proposed action.
decision := {
	"allow": false,
	"category": "block",
	"reasons": blocked_reasons,
} if {
	count(blocked_reasons) > 0
} else := {
	# Paused until a human with the routed role approves.
	"allow": false,
	"category": "approve",
	"reasons": {sprintf("amount %v exceeds %v", [input.parameters.amount, action.approval_threshold])},
	"approval": data.governance.routes[input.action],
} if {
	over_threshold
} else := {
	"allow": base_category != "approve",
	"category": base_category,
	"reasons": set(),
	"approval": object.get(data.governance.routes, input.action, null),
}
