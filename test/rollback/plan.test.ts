import { describe, expect, it } from "vitest";
import { hashJSON } from "../../src/canonical-json.ts";
import {
  captureChange, CompensationRequired, externalEffect, InvalidRollbackRecord, noEffect, planRollback, RollbackConflict,
} from "../../src/rollback/index.ts";
import type { RollbackRecord } from "../../src/schemas/types.ts";
import { SchemaError } from "../../src/schemas/validate.ts";

const before = {
  id: "cust-42",
  balance: 1000,
  tags: ["vip", "eu"],
  orders: [{ id: "A-1", lines: [{ sku: "x", qty: 1 }, { sku: "y", qty: 2 }] }, { id: "A-2", lines: [] }],
  address: { city: "Lyon", zip: "69001", notes: { door: "blue" } },
  legacy: { flag: true },
};
const after = {
  id: "cust-42",
  balance: 1250,
  tags: ["vip"],
  orders: [{ id: "A-1", lines: [{ sku: "x", qty: 3 }] }, { id: "A-2", lines: [{ sku: "z", qty: 1 }] }, { id: "A-3", lines: [] }],
  address: { city: "Paris", notes: { door: "blue", code: "1234" } },
  refunds: [{ order: "A-1", amount: 250 }],
};

function plan(record: RollbackRecord, current: unknown) {
  const p = planRollback(record, current);
  if (p.ok) return p.restored;
  throw p.error;
}

describe("captureChange", () => {
  it("records forward and inverse patches and both hashes", () => {
    const r = captureChange("act-1", "customers/42", before, after);
    expect(r).toMatchObject({ action_id: "act-1", kind: "state", resource: "customers/42", before_hash: hashJSON(before), after_hash: hashJSON(after) });
    expect(r.forward).toContainEqual({ op: "replace", path: "/balance", value: 1250 });
    expect(r.inverse).toContainEqual({ op: "replace", path: "/balance", value: 1000 });
    expect(r.inverse).toContainEqual({ op: "add", path: "/legacy", value: { flag: true } });
    expect(r.inverse).toContainEqual({ op: "remove", path: "/refunds" });
  });

  it("does not keep references to its arguments", () => {
    const b = structuredClone(before);
    const r = captureChange("act-1", "c", b, after);
    b.address.city = "Nice";
    expect(plan(r, structuredClone(after))).toEqual(before);
  });

  it("handles a root that changes type or was absent (null)", () => {
    const created = captureChange("act-1", "c", null, { a: 1 });
    expect(created.forward).toEqual([{ op: "replace", path: "", value: { a: 1 } }]);
    expect(plan(created, { a: 1 })).toBeNull();
    const toArray = captureChange("act-1", "c", {}, [1, 2]);
    expect(plan(toArray, [1, 2])).toEqual({});
  });

  it("refuses what is not plain JSON", () => {
    expect(() => captureChange("act-1", "c", { when: new Date() }, {})).toThrow(/\/when: an instance of Date is not plain JSON/);
    expect(() => captureChange("act-1", "c", {}, { x: Number.NaN })).toThrow(/\/x: NaN is not JSON/);
    expect(() => captureChange("act-1", "c", {}, { x: undefined })).toThrow(/\/x: undefined/);
    expect(() => captureChange("act-1", "c", {}, JSON.parse('{"__proto__": {"admin": true}}'))).toThrow(/__proto__/);
  });
});

describe("planRollback", () => {
  it("restores the before state exactly: nested arrays and objects, deleted and added keys", () => {
    const r = captureChange("act-1", "customers/42", before, after);
    const current = structuredClone(after);
    const restored = plan(r, current);
    expect(restored).toEqual(before);
    expect(hashJSON(restored)).toBe(r.before_hash);
    expect(current).toEqual(after); // the current state is not touched
  });

  it("accepts the same after-state with keys in another order", () => {
    const r = captureChange("act-1", "c", { a: 1, b: 2 }, { a: 1, b: 3, c: 4 });
    expect(plan(r, { c: 4, b: 3, a: 1 })).toEqual({ a: 1, b: 2 });
  });

  it("reports a conflicting later change with the difference, and does not overwrite it", () => {
    const r = captureChange("act-1", "customers/42", before, after);
    const current = { ...structuredClone(after), balance: 1300 };
    const p = planRollback(r, current);
    expect(p.ok).toBe(false);
    if (p.ok) return;
    expect(p.error).toBeInstanceOf(RollbackConflict);
    expect(p.error.message).toContain("replace /balance: 1250 (recorded) -> 1300 (now)");
    expect((p.error as RollbackConflict).differences).toEqual([{ path: "/balance", recorded: 1250, current: 1300 }]);
  });

  it("shows removed and re-added values at the paths the action wrote", () => {
    const r = captureChange("act-1", "c", { a: 1, gone: "x", list: [1, 2, 3] }, { a: 2, list: [1] });
    const current = { a: 2, gone: "back", list: [1, 9] };
    expect(() => plan(r, current)).toThrow(RollbackConflict);
    const message = (planRollback(r, current) as { error: Error }).error.message;
    expect(message).toContain(`add /gone: absent (recorded) -> "back" (now)`);
    expect(message).toContain(`add /list/1: absent (recorded) -> 9 (now)`);
    const removed = planRollback(r, { list: [1] });
    expect(removed.ok).toBe(false);
    if (!removed.ok) expect(removed.error.message).toContain("remove /a: 2 (recorded) -> absent (now)");
  });

  it("reports a change outside the paths the action wrote by hash", () => {
    const r = captureChange("act-1", "c", { balance: 1000, email: "a@x" }, { balance: 1250, email: "a@x" });
    const p = planRollback(r, { balance: 1250, email: "b@x" });
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.error.message).toMatch(/still in place, but the document changed elsewhere/);
  });

  it("asks for compensation for external effects", () => {
    const r = externalEffect("act-2", {
      effect: "message.sent", target: "customer-42 <ann@example.com>",
      payload: { subject: "Your refund", body: "We refunded 750." },
      compensation: "send a correction: the refund is 400, not 750",
    });
    expect(r).toMatchObject({ kind: "external", external: { effect: "message.sent", payload: { subject: "Your refund" } } });
    const p = planRollback(r, null);
    expect(p.ok).toBe(false);
    if (p.ok) return;
    expect(p.error).toBeInstanceOf(CompensationRequired);
    expect(p.error.message).toContain("message.sent to customer-42 <ann@example.com>");
    expect(p.error.message).toContain("send a correction: the refund is 400, not 750");
  });

  it("an action without effect rolls back to the current state", () => {
    expect(planRollback(noEffect("act-3"), { a: 1 })).toEqual({ ok: true, restored: { a: 1 } });
  });

  it("refuses records that do not fit the schema", () => {
    const good = captureChange("act-1", "c", { a: 1 }, { a: 2 });
    expect(() => planRollback({ ...good, kind: "undo" } as unknown as RollbackRecord, { a: 2 })).toThrow(SchemaError);
    expect(() => planRollback({ ...good, forward: [{ op: "explode", path: "/a" }] } as unknown as RollbackRecord, { a: 2 })).toThrow(/\/forward\/0\/op/);
    expect(() => planRollback({ ...good, action_id: "no spaces" }, { a: 2 })).toThrow(/\/action_id/);
    expect(() => planRollback({ ...good, before_hash: "abc" }, { a: 2 })).toThrow(/\/before_hash/);
    expect(() => planRollback({ ...good, surprise: 1 } as unknown as RollbackRecord, { a: 2 })).toThrow(/\/surprise: is not allowed/);
  });

  it("refuses records whose patches are broken or lead elsewhere", () => {
    const good = captureChange("act-1", "c", { a: 1 }, { a: 2 });
    expect(() => planRollback({ action_id: "act-1", kind: "state", resource: "c" }, {})).toThrow(InvalidRollbackRecord);
    expect(() => planRollback({ action_id: "act-1", kind: "external" }, {})).toThrow(InvalidRollbackRecord);
    expect(() => planRollback({ ...good, inverse: [{ op: "replace", path: "a" }] }, { a: 2 })).toThrow(/inverse patch/);
    expect(() => planRollback({ ...good, inverse: [{ op: "remove", path: "/zz" }] }, { a: 2 })).toThrow(/does not apply/);
    expect(() => planRollback({ ...good, inverse: [{ op: "replace", path: "/a", value: 5 }] }, { a: 2 })).toThrow(/does not lead back/);
  });
});
