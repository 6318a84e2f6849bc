// The service's request schemas (schemas/serve/*.schema.json, compiled with the shared ones in
// src/schemas/validate.ts). Each route validates its body at the door; the governor still
// validates the action requests inside (schemas/action-request.schema.json) and audits what it refuses.
import { schemaProblems } from "../schemas/validate.ts";

export type RequestSchema =
  | "action-proposal"
  | "action-resume"
  | "outcome-report"
  | "approval-verdict"
  | "kill-switch"
  | "data-query"
  | "authzen-evaluation"
  | "authzen-evaluations"
  | "review";

/** The problems of a body against a request schema, one line each; empty when it fits. */
export function problems(name: RequestSchema, value: unknown): string[] {
  return schemaProblems(`https://warden.dev/schemas/serve/${name}.schema.json`, value);
}
