import { describe, expect, it } from "vitest";
import { timeOrderedId } from "../src/ids.ts";

describe("timeOrderedId (UUIDv7)", () => {
  const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it("is a version 7, variant 10 UUID whose first 48 bits are the millisecond time", () => {
    const ms = Date.UTC(2026, 11, 6, 21, 0, 0, 123);
    const id = timeOrderedId(ms);
    expect(id).toMatch(V7);
    expect(Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBe(ms);
    expect(timeOrderedId(0).startsWith("00000000-0000-7")).toBe(true);
    expect(timeOrderedId(2 ** 48 - 1).startsWith("ffffffff-ffff-7")).toBe(true);
  });

  it("sorts by time, and ids of one millisecond differ (across pool refills)", () => {
    const ids = Array.from({ length: 5000 }, (_, i) => timeOrderedId(1_800_000_000_000 + Math.floor(i / 100)));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(V7);
    for (let i = 100; i < ids.length; i += 100) expect(ids[i - 100]!.slice(0, 13) < ids[i]!.slice(0, 13)).toBe(true);
  });
});
