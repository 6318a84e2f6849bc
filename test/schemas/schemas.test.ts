import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SchemaError, validate, type SchemaName } from "../../src/schemas/validate.ts";
import { generateTypes, TYPES_FILE } from "../../scripts/gen-types.ts";
import { canonicalJSON, hashJSON } from "../../src/canonical-json.ts";

const request = {
  agent: { id: "support-bot-1", role: "support-agent" },
  initiator: { id: "customer-42", kind: "user" },
  action: "refund.issue",
  parameters: { order: "A-1002", amount: 750 },
};
const route = { approver_role: "support-lead", sla_minutes: 60, escalation: ["support-manager"] };
const hash = "a".repeat(64);
const time = "2026-11-24T10:00:00Z";

/** For each schema: one valid value, and bad values with the field the error must name. */
const cases: { name: SchemaName; good: unknown; bad: [unknown, string][] }[] = [
  {
    name: "action-request",
    good: request,
    bad: [
      [{ ...request, agent: { id: "x" } }, "/agent/role: is required"],
      [{ ...request, action: "Drop Table" }, "/action: must match pattern"],
      [{ ...request, parameters: [] }, "/parameters: must be object"],
      [{ ...request, admin: true }, "/admin: is not allowed"],
      [{ ...request, reasoning: { confidence: 2 } }, "/reasoning/confidence: must be <= 1"],
      ["not an object", "(root): must be object"],
    ],
  },
  {
    name: "decision",
    good: { allow: false, category: "approve", reasons: ["amount 750 exceeds 500"], approval: route },
    bad: [
      [{ allow: "yes", category: "auto", reasons: [] }, "/allow: must be boolean"],
      [{ allow: true, category: "maybe", reasons: [] }, "/category: must be equal to one of the allowed values"],
      [{ allow: true, category: "auto" }, "/reasons: is required"],
    ],
  },
  {
    name: "approval-decision",
    good: { approval_id: "ap-1", verdict: "approve", by: { id: "lead-1", roles: ["support-lead"] }, saw: { request_hash: hash, revision: "r1" } },
    bad: [
      [{ approval_id: "ap-1", verdict: "maybe", by: { id: "lead-1" }, saw: { request_hash: hash, revision: "r1" } }, "/verdict"],
      [{ approval_id: "ap-1", verdict: "approve", by: { id: "lead-1" }, saw: { request_hash: "abc", revision: "r1" } }, "/saw/request_hash: must match pattern"],
    ],
  },
  {
    name: "approval",
    good: {
      approval_id: "ap-1", action_id: "act-1", request_hash: hash, revision: "r1", route, status: "pending", level: 0,
      approver_role: "support-lead", requested_by: { id: "support-bot-1" }, created_at: time, due_at: time, history: [],
    },
    bad: [[{ approval_id: "ap-1" }, "/action_id: is required"]],
  },
  {
    name: "rollback-record",
    good: { action_id: "act-1", kind: "state", resource: "orders/A-1", forward: [{ op: "replace", path: "/x", value: 1 }], inverse: [{ op: "replace", path: "/x", value: 0 }] },
    bad: [[{ action_id: "act-1", kind: "state", forward: [{ op: "explode", path: "/x" }] }, "/forward/0/op"]],
  },
  {
    name: "audit-record",
    good: { seq: 1, id: "rec-1", time, type: "decision", prev_hash: "0".repeat(64), hash, request },
    bad: [
      [{ seq: 0, id: "rec-1", time, type: "decision", prev_hash: "0".repeat(64), hash }, "/seq: must be >= 1"],
      [{ seq: 1, id: "rec-1", time: "yesterday", type: "decision", prev_hash: "0".repeat(64), hash }, "/time: must match format"],
    ],
  },
  {
    name: "ticket",
    good: { action_id: "act-1", approval_id: "ap-1", request, request_hash: hash, revision: "r1", decision_id: "d-1" },
    bad: [[{ action_id: "act-1", approval_id: "ap-1", request: {}, request_hash: hash, revision: "r1", decision_id: "d" }, "/request/agent: is required"]],
  },
];

describe("schemas", () => {
  for (const c of cases) {
    it(`${c.name} accepts a valid value and names the bad field otherwise`, () => {
      expect(validate(c.name, c.good)).toBe(c.good);
      for (const [value, message] of c.bad) {
        let err: unknown;
        try {
          validate(c.name, value);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(SchemaError);
        expect((err as Error).message).toContain(message);
      }
    });
  }

  it("src/schemas/types.ts is generated from the current schemas", async () => {
    expect(readFileSync(TYPES_FILE, "utf8")).toBe(await generateTypes());
  });
});

describe("canonical JSON", () => {
  it("sorts keys at every depth and hashes equal documents equally", () => {
    expect(canonicalJSON({ b: 1, a: { d: [1, { z: null, y: "é" }], c: true } })).toBe('{"a":{"c":true,"d":[1,{"y":"é","z":null}]},"b":1}');
    expect(hashJSON({ x: 1, y: 2 })).toBe(hashJSON({ y: 2, x: 1 }));
    expect(hashJSON({ x: 1 })).not.toBe(hashJSON({ x: 2 }));
  });
  it("refuses values JSON cannot hold", () => {
    expect(() => canonicalJSON({ x: Number.NaN })).toThrow(/NaN/);
    expect(() => canonicalJSON(10n)).toThrow(/bigint/);
  });
});
