// What a module's opa_abort says, as the SDK throws it: a string in OPA's error format,
// `file:row: code: message` (the location is optional).
import { RegoError, type ErrorCode } from "../errors.ts";

/** The coded, located error an abort text describes; undefined for text in no known format. */
export function parseAbort(text: string): RegoError | undefined {
  const m = /^(?:(.+?):(\d+): )?([a-z_]+_error|eval_budget_exceeded): (.*)$/s.exec(text);
  if (!m) return undefined;
  const loc = m[1] ? { file: m[1], row: Number(m[2]), col: 1 } : undefined;
  return new RegoError(m[3] as ErrorCode, m[4]!, loc);
}
