// The interface every evaluation engine offers to the conformance harness and to tests:
// compile some modules and a query, evaluate, and return the query's binding sets.
import type { Value } from "./values/value.ts";

export interface SourceFile {
  file: string;
  text: string;
  /** The file's dialect (`--v0-compatible`, a bundle's rego_version), over the caller's default. */
  regoVersion?: 0 | 1;
}

export interface QueryRequest {
  modules: SourceFile[];
  /** A Rego query body, e.g. `data.test.p = x` or `x := 1; y := x + 1`. */
  query: string;
  /** The base data document (plain JSON). */
  data?: unknown;
  /** The input document (plain JSON); absent means input is undefined. */
  input?: unknown;
  /** The input document written as a Rego term (`{"a": {1, 2}}`), used instead of `input`. */
  inputTerm?: string;
  /** Built-in errors halt evaluation with an error instead of making the call undefined. */
  strictBuiltinErrors?: boolean;
  /** OPA's strict compile mode: unused imports, arguments and assignments are errors. */
  strict?: boolean;
  /** The dialect of the modules and query: 1 (default) or 0 (pre-1.0 Rego). */
  regoVersion?: 0 | 1;
}

/** One result: the value of each named (non-generated) variable of the query. */
export type Bindings = Map<string, Value>;

export interface Engine {
  readonly name: "ir" | "wasm";
  /** Resolves to the query's results (empty when undefined); rejects with RegoError(s) on failure. */
  run(request: QueryRequest): Promise<Bindings[]>;
}
