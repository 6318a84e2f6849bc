package governance_test

import data.governance

agent := {"id": "support-bot-1", "role": "support-agent"}

verified := {"attributes": {"identity_verified": true}}

req(action, parameters) := {
	"agent": agent,
	"initiator": {"id": "customer-42"},
	"action": action,
	"parameters": parameters,
	"context": verified,
}

test_order_lookup_is_auto if {
	d := governance.decision with input as req("order.lookup", {"order": "A-1"})
	d.allow
	d.category == "auto"
	d.reasons == []
	d.approval == null
}

test_reads_need_no_verified_identity if {
	r := object.remove(req("order.lookup", {}), ["context"])
	governance.decision.category == "auto" with input as r
}

test_small_discount_notifies if {
	d := governance.decision with input as req("discount.apply", {"amount": 20})
	d.allow
	d.category == "notify"
	"human review within 24 hours" in d.obligations
	"record before/after state for rollback" in d.obligations
}

test_discount_over_threshold_needs_approval if {
	d := governance.decision with input as req("discount.apply", {"amount": 150})
	not d.allow
	d.category == "approve"
	d.approval.approver_role == "support-lead"
}

test_refund_at_threshold_notifies if {
	governance.decision.category == "notify" with input as req("refund.issue", {"amount": 500})
}

test_refund_over_threshold_routes_to_support_lead if {
	d := governance.decision with input as req("refund.issue", {"amount": 750})
	d.category == "approve"
	d.allow == false
	d.reasons == ["amount 750 exceeds the approval threshold 500"]
	d.approval == {"approver_role": "support-lead", "sla_minutes": 60, "escalation": ["support-manager", "head-of-support"]}
	"approval by support-lead within 60 minutes" in d.obligations
}

test_vip_customers_have_a_higher_threshold if {
	r := json.patch(req("refund.issue", {"amount": 750}), [{"op": "add", "path": "/context/attributes/customer_tier", "value": "vip"}])
	governance.decision.category == "notify" with input as r
	r2 := json.patch(r, [{"op": "replace", "path": "/parameters/amount", "value": 1001}])
	governance.decision.category == "approve" with input as r2
}

test_unknown_tier_blocks if {
	r := json.patch(req("order.lookup", {}), [{"op": "add", "path": "/context/attributes/customer_tier", "value": "gold"}])
	d := governance.decision with input as r
	d.category == "block"
	d.reasons == ["unknown customer tier gold"]
}

test_account_deletion_is_always_blocked if {
	d := governance.decision with input as req("account.delete", {"customer": "C-77"})
	d.category == "block"
	not d.allow
	"account.delete is on the hard block list" in d.reasons
}

test_account_deletion_blocked_even_with_a_grant if {
	d := governance.decision with input as req("account.delete", {})
		with data.governance.roles as {"support-agent": {"accounts": ["read", "write"]}}
	d.category == "block"
	d.reasons == ["account.delete is on the hard block list"]
}

test_permission_change_denied_without_a_grant if {
	d := governance.decision with input as req("permissions.change", {"user": "C-77", "grant": "admin"})
	d.category == "block"
	d.reasons == ["role support-agent has no write access to iam"]
}

test_permission_change_with_a_grant_needs_security_admin if {
	d := governance.decision with input as req("permissions.change", {})
		with data.governance.roles["support-agent"].iam as ["write"]
	d.category == "approve"
	d.approval.approver_role == "security-admin"
	d.reasons == ["high impact, reversible: needs a human"]
}

test_least_privilege_triage_agent_cannot_write if {
	r := json.patch(req("order.update_address", {"order": "A-1"}), [{"op": "replace", "path": "/agent/role", "value": "triage-agent"}])
	d := governance.decision with input as r
	d.category == "block"
	d.reasons == ["role triage-agent has no write access to orders"]
}

test_unknown_role_has_no_access if {
	r := json.patch(req("order.lookup", {}), [{"op": "replace", "path": "/agent/role", "value": "intruder"}])
	governance.decision.reasons == ["role intruder has no read access to orders"] with input as r
}

test_billing_writes_need_verified_identity if {
	r := object.remove(req("discount.apply", {"amount": 5}), ["context"])
	d := governance.decision with input as r
	d.category == "block"
	d.reasons == ["write access to billing needs a verified customer identity"]
}

test_unknown_action_blocks if {
	d := governance.decision with input as req("database.drop", {})
	d.category == "block"
	d.reasons == ["unknown action database.drop"]
}

test_kill_switch_blocks_everything if {
	d := governance.decision with input as req("order.lookup", {}) with data.governance.kill_switch as true
	d.category == "block"
	d.reasons == ["kill switch is on"]
}

test_irreversible_low_impact_notifies if {
	governance.decision.category == "notify" with input as req("email.send", {"to": "c@example.com"})
}

test_action_without_own_route_uses_default_route if {
	d := governance.decision with input as req("order.update_address", {})
		with data.governance.actions["order.update_address"].impact as "high"
	d.category == "approve"
	d.approval.approver_role == "support-manager"
}

test_every_decision_fits_the_schema_shape if {
	every a, _ in data.governance.actions {
		d := governance.decision with input as req(a, {"amount": 1})
		is_boolean(d.allow)
		d.category in {"auto", "notify", "approve", "block"}
		is_array(d.reasons)
		is_array(d.obligations)
	}
}

test_no_agent_role_is_blocked if {
	governance.decision.category == "block" with input as object.remove(req("order.lookup", {}), ["agent"])
	no_role := governance.decision with input as json.remove(req("order.lookup", {}), ["agent/role"])
	no_role.reasons == ["the request names no agent role"]
	d := governance.decision with input as json.patch(req("order.lookup", {}), [{"op": "replace", "path": "/agent/role", "value": 7}])
	d.category == "block"
	"the request names no agent role" in d.reasons
}
