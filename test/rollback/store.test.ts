import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  captureAround, CompensationRequired, externalEffect, FileStateStore, MemoryStateStore, rollback, RollbackConflict, type StateStore,
} from "../../src/rollback/index.ts";

const dir = mkdtempSync(join(tmpdir(), "warden-state-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stores: [string, () => StateStore][] = [
  ["memory", () => new MemoryStateStore()],
  ["file", () => new FileStateStore(mkdtempSync(join(dir, "s-")))],
];

describe.each(stores)("%s state store", (_, make) => {
  it("reads null for a resource never written, and copies values in and out", async () => {
    const s = make();
    expect(await s.get("customers/42")).toBeNull();
    const doc = { balance: 1000, tags: ["vip"] };
    await s.put("customers/42", doc);
    doc.balance = 0;
    const got = (await s.get("customers/42")) as { balance: number };
    expect(got).toEqual({ balance: 1000, tags: ["vip"] });
    got.balance = 5;
    expect(await s.get("customers/42")).toEqual({ balance: 1000, tags: ["vip"] });
    await expect(s.put("x", { f: () => 1 })).rejects.toThrow(TypeError);
  });

  it("captures a change around a handler and rolls it back; refuses after a later change", async () => {
    const s = make();
    await s.put("customers/42", { balance: 1000 });
    const { result, record } = await captureAround(s, "act-1", "customers/42", async () => {
      const c = (await s.get("customers/42")) as { balance: number };
      await s.put("customers/42", { ...c, balance: c.balance + 250, refunded: true });
      return "done";
    });
    expect(result).toBe("done");
    expect(record.kind).toBe("state");

    await s.put("customers/42", { balance: 1300, refunded: true });
    await expect(rollback(s, record)).rejects.toThrow(/replace \/balance: 1250 \(recorded\) -> 1300 \(now\)/);
    await expect(rollback(s, record)).rejects.toBeInstanceOf(RollbackConflict);
    expect(await s.get("customers/42")).toEqual({ balance: 1300, refunded: true });

    await s.put("customers/42", { refunded: true, balance: 1250 });
    expect(await rollback(s, record)).toEqual({ balance: 1000 });
    expect(await s.get("customers/42")).toEqual({ balance: 1000 });
  });

  it("asks for compensation instead of undoing an external effect", async () => {
    const r = externalEffect("act-2", { effect: "message.sent", target: "customer-42", compensation: "apologise" });
    await expect(rollback(make(), r)).rejects.toBeInstanceOf(CompensationRequired);
  });
});

describe("file state store", () => {
  it("maps any key to one safe file and leaves no temp files", async () => {
    const d = mkdtempSync(join(dir, "f-"));
    const s = new FileStateStore(d);
    const keys = ["customers/42", "../escape", "a b%c", "..", "x".repeat(400), "x".repeat(401)];
    for (const [i, k] of keys.entries()) await s.put(k, { i });
    for (const [i, k] of keys.entries()) expect(await s.get(k)).toEqual({ i });
    const files = readdirSync(d);
    expect(files).toHaveLength(keys.length);
    expect(files.every((f) => f.endsWith(".json") && !f.includes("/") && f.length < 255)).toBe(true);
    expect(new FileStateStore().dir).toBe(join(".warden", "state"));
  });
});
