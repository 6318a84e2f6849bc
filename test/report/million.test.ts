// The review of a million-record store in under a minute, with progress (issue 17). Generating the
// store takes minutes, so this runs only with WARDEN_REPORT_MILLION=1: the generated month
// (test/report/generate.ts) 420 times over, about 1,000,000 records; every figure is the month's
// times 420.
import { describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/index.ts";
import { governanceReview } from "../../src/governance/review.ts";
import { generate, MONTH } from "./generate.ts";

const run = process.env.WARDEN_REPORT_MILLION === "1";
if (!run) console.warn("test/report/million.test.ts: skipped (WARDEN_REPORT_MILLION=1 generates a 1,000,000-record store, minutes)");
const REPEAT = 420;

describe.skipIf(!run)("the review of a million records", () => {
  it("takes under a minute, reports progress, and counts exactly", async () => {
    const g = await generate({ repeat: REPEAT });
    expect(g.records).toBeGreaterThan(990_000);
    const audit = await AuditLog.open(g.store);
    try {
      const progress: number[] = [];
      const t = performance.now();
      const r = await governanceReview(audit, { ...MONTH, bundles: g.bundles, progressEvery: 100_000, onProgress: (p) => progress.push(p.records) });
      const seconds = (performance.now() - t) / 1000;
      console.log(`review of ${g.records} records: ${seconds.toFixed(1)} s`);
      expect(seconds).toBeLessThan(60);
      expect(progress.length).toBeGreaterThanOrEqual(10);
      expect(progress.at(-1)).toBe(g.records - 4); // every record from --since on was read (those after --until too)
      expect(r.decisions).toBe(580 * REPEAT);
      expect(r.categories).toEqual({ auto: 320 * REPEAT, notify: 60 * REPEAT, approve: 100 * REPEAT, block: 100 * REPEAT });
      expect(r.approvals.map((a) => [a.action, a.requested, a.approved, a.rejected, a.escalated])).toEqual([
        ["refund.issue", 60 * REPEAT, 48 * REPEAT, 12 * REPEAT, 12 * REPEAT],
        ["discount.apply", 30 * REPEAT, 30 * REPEAT, 0, 0],
      ]);
      expect(r.calibration.decisions).toBe(40 * REPEAT);
      expect(r.least_privilege!.removed).toBe(4);
    } finally {
      await audit.close();
    }
  }, 900_000);
});
