// The audit tree benchmark runs and returns its figures (tiny sizes: this checks it works, not speed).
import { expect, it } from "vitest";
import { benchTlog } from "../../scripts/bench/tlog.ts";

it("benchTlog returns append ratios and proof rates", { timeout: 120_000 }, async () => {
  const r = await benchTlog({ appends: 20, round: 10, treeRecords: 300, seconds: 0.05 });
  expect(r.tree_records).toBeGreaterThanOrEqual(300);
  for (const k of ["append_chain_per_sec", "append_tree_per_sec", "append_ratio", "batched_ratio", "inclusion_proofs_per_sec", "inclusion_verifies_per_sec", "consistency_proofs_per_sec", "consistency_verifies_per_sec", "checkpoint_verify_per_sec"] as const) {
    expect(r[k]).toBeGreaterThan(0);
  }
});
