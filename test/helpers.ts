// Shared test helpers: run a query against modules with the IR engine, results as plain JSON.
import { irEngine } from "../src/engines/ir.ts";
import type { QueryRequest } from "../src/engine.ts";
import { RegoErrors } from "../src/errors.ts";
import { toJSON } from "../src/values/value.ts";

export async function query(
  modules: string[],
  q: string,
  opts: Omit<QueryRequest, "modules" | "query"> = {},
): Promise<Record<string, unknown>[]> {
  const results = await irEngine.run({ modules: modules.map((text, i) => ({ file: `test-${i}.rego`, text })), query: q, ...opts });
  return results.map((b) => Object.fromEntries([...b].map(([k, v]) => [k, toJSON(v)])));
}

/** The errors a query fails with, as `code@row:col: message` strings. */
export async function errorsOf(modules: string[], q: string, opts: Omit<QueryRequest, "modules" | "query"> = {}): Promise<string[]> {
  try {
    await query(modules, q, opts);
  } catch (e) {
    const errs = e instanceof RegoErrors ? e.errors : [e as never];
    return errs.map((x: { code: string; detail: string; loc?: { row: number; col: number } }) =>
      `${x.code}@${x.loc ? `${x.loc.row}:${x.loc.col}` : "-"}: ${x.detail}`,
    );
  }
  throw new Error("expected the query to fail");
}
