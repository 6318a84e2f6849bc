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
