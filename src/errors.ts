// One error type for every stage: a code from OPA's vocabulary, a message, and where it happened.
import type { Location } from "./syntax/ast.ts";

export type ErrorCode =
  | "rego_parse_error"
  | "rego_compile_error"
  | "rego_type_error"
  | "rego_unsafe_var_error"
  | "rego_recursion_error"
  | "eval_conflict_error"
  | "eval_type_error"
  | "eval_builtin_error"
  | "eval_cancel_error"
  | "eval_budget_exceeded"
  | "internal_error";

export class RegoError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly loc?: Location,
  ) {
    super(formatError(code, detail, loc));
    this.name = "RegoError";
  }
}

/** OPA's format, `file:row: code: message`; tools that match OPA's messages rely on it. */
export function formatError(code: ErrorCode, detail: string, loc?: Location): string {
  if (!loc) return `${code}: ${detail}`;
  return `${loc.file}:${loc.row}: ${code}: ${detail}`;
}

/** The form people read in a terminal: `file:row:col: code: message`, which editors can jump to. */
export function displayError(e: RegoError): string {
  if (!e.loc) return `${e.code}: ${e.detail}`;
  return `${e.loc.file}:${e.loc.row}:${e.loc.col}: ${e.code}: ${e.detail}`;
}

/** Several errors found by one stage: stages report all they find, not only the first. */
export class RegoErrors extends Error {
  constructor(readonly errors: RegoError[]) {
    super(
      errors.length === 1
        ? errors[0]!.message
        : `${errors.length} errors occurred:\n${errors.map((e) => e.message).join("\n")}`,
    );
    this.name = "RegoErrors";
  }
}

/**
 * The work one evaluation may do, on every engine (see DESIGN.md, "Bounded"). Exceeding any of
 * them ends that evaluation with `eval_budget_exceeded`; the engine stays usable.
 */
export interface Budget {
  /** Iterations and calls the evaluation may run (loop iterations in WebAssembly and the interpreter). */
  steps: number;
  /** Elements (array items, set members) one built-in call may produce, as numbers.range. */
  builtinElements: number;
  /** Characters one built-in call may produce (string results such as replace or sprintf). */
  builtinChars: number;
}

export const DEFAULT_BUDGET: Readonly<Budget> = Object.freeze({
  steps: 25_000_000,
  builtinElements: 1_000_000,
  builtinChars: 16 * 1024 * 1024,
});

export const BUDGET_EXCEEDED = "eval_budget_exceeded" as const;

/** The error that ends an evaluation over its budget: never made undefined, whatever the mode. */
export function budgetExceeded(what: string, loc?: Location): RegoError {
  return new RegoError(BUDGET_EXCEEDED, what, loc);
}

export function isBudgetExceeded(e: unknown): e is RegoError {
  return e instanceof RegoError && e.code === BUDGET_EXCEEDED;
}
