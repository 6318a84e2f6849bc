// The shipped governance policy passes its own tests (policy/governance/*_test.rego), run as
// `warden test policy` runs them: a policy change that breaks the decision matrix fails CI.
import { expect, it } from "vitest";
import { loadPaths } from "../../src/cli/files.ts";
import { runTests } from "../../src/testing/run.ts";

it("policy/ passes every one of its tests", async () => {
  const { sources, data } = loadPaths(["policy"], { tests: true });
  const run = await runTests(sources, data, {});
  const failed = run.results.filter((r) => r.outcome !== "pass").map((r) => `${r.test.name}: ${r.outcome}`);
  expect(failed).toEqual([]);
  expect(run.results.length).toBeGreaterThanOrEqual(21);
}, 120_000);
