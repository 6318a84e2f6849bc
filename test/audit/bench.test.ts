// The audit benchmark runs and returns its figures (tiny sizes: this checks it works, not speed).
import { expect, it } from "vitest";
import { benchAudit } from "../../scripts/bench/audit.ts";

it("benchAudit returns append and verify figures", async () => {
  const r = await benchAudit({ appends: 20, verifyRecords: 1200 });
  expect(r.verify_records).toBe(1200);
  expect(r.record_bytes).toBeGreaterThan(500);
  for (const k of ["append_per_sec", "append_batched_per_sec", "verify_per_sec", "append_p50_ms"] as const) expect(r[k]).toBeGreaterThan(0);
});
