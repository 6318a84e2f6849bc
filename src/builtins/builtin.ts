// The contract every built-in function implements. One registry (registry.ts) maps names to these
// definitions; the type checker, the IR interpreter and the WASM host all read from it.
import type { Value } from "../values/value.ts";
import type { Signature } from "./types.ts";
import { budgetExceeded, DEFAULT_BUDGET, type Budget } from "../errors.ts";

/**
 * What a built-in may need from the evaluation that calls it. Non-deterministic inputs (the clock,
 * randomness) come from here so that an auditor's replay can feed back the recorded values.
 */
export interface BuiltinContext {
  /** Evaluation start time in nanoseconds since the epoch (`time.now_ns` returns it). */
  nowNs: bigint;
  /** A source of randomness for `rand.intn`, `uuid.rfc4122`... (seeded in tests and replay). */
  random(): number;
  /** Per-evaluation memo for built-ins that must return the same result for the same arguments. */
  cache: Map<string, Value>;
  /** What one call may materialise; DEFAULT_BUDGET when absent. */
  budget?: Pick<Budget, "builtinElements" | "builtinChars">;
  /** Where `print` output goes, one line per call (internal.print); stderr when absent. */
  print?: (line: string) => void;
}

/** Refuses (eval_budget_exceeded) a result of `n` elements over the call's budget. */
export function checkElements(ctx: BuiltinContext | undefined, n: number | bigint): void {
  const max = ctx?.budget?.builtinElements ?? DEFAULT_BUDGET.builtinElements;
  if (n > max) throw budgetExceeded(`a built-in would produce ${n} elements (at most ${max})`);
}

/** Refuses (eval_budget_exceeded) a result of `n` characters over the call's budget. */
export function checkChars(ctx: BuiltinContext | undefined, n: number | bigint): void {
  const max = ctx?.budget?.builtinChars ?? DEFAULT_BUDGET.builtinChars;
  if (n > max) throw budgetExceeded(`a built-in would produce ${n} characters (at most ${max})`);
}

/**
 * A built-in failure. `eval_type_error` for operands of the wrong type, `eval_builtin_error` for
 * everything else. Messages follow OPA's wording (`operand 1 must be string but got number`);
 * the engine prefixes `name: ` and the location.
 */
export class BuiltinError extends Error {
  constructor(
    readonly code: "eval_type_error" | "eval_builtin_error",
    message: string,
  ) {
    super(message);
  }
}

/**
 * Returns the result, or `undefined` when the call is undefined (e.g. `object.get` never is, but
 * `regex.find_all_string_submatch_n` style lookups or `json.unmarshal` on bad input may be).
 */
export type BuiltinImpl = (args: Value[], ctx: BuiltinContext) => Value | undefined;

export interface BuiltinDef {
  name: string;
  signature: Signature;
  impl: BuiltinImpl;
  /** True for built-ins whose result is not a function of their arguments (time, random, uuid, http). */
  nondeterministic?: boolean;
  /** Infix spelling, for messages (`plus` is `+`). */
  infix?: string;
  /**
   * True for built-ins that are relations in OPA (`walk`): the impl returns an array holding every
   * result, and the engine binds the output to each in turn.
   */
  relation?: boolean;
  /**
   * Deprecated in OPA (capabilities `"deprecated": true`): callable only from Rego v0 modules
   * (`--v0-compatible`), as OPA 1.x does; in v1 modules the name is an undefined function.
   */
  deprecated?: boolean;
}
