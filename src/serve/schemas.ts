// The service's request schemas (schemas/serve/*.schema.json), compiled once with ajv next to the
// shared definitions they refer to. Each route validates its body at the door; the governor still
// validates the action requests inside (schemas/action-request.schema.json) and audits what it refuses.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

const SCHEMAS = resolve(dirname(fileURLToPath(import.meta.url)), "../../schemas");

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

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function instance(): Ajv {
  if (ajv) return ajv;
  ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => void;
  addFormats(ajv);
  ajv.addKeyword("tsType");
  for (const f of ["common.schema.json"]) ajv.addSchema(JSON.parse(readFileSync(join(SCHEMAS, f), "utf8")));
  for (const f of readdirSync(join(SCHEMAS, "serve")).filter((n) => n.endsWith(".schema.json")).sort()) {
    ajv.addSchema(JSON.parse(readFileSync(join(SCHEMAS, "serve", f), "utf8")));
  }
  return ajv;
}

/** The problems of a body against a request schema, one line each; empty when it fits. */
export function problems(name: RequestSchema, value: unknown): string[] {
  let v = compiled.get(name);
  if (!v) {
    v = instance().getSchema(`https://warden.dev/schemas/serve/${name}.schema.json`);
    if (!v) throw new Error(`no request schema ${name}`);
    compiled.set(name, v);
  }
  return v(value) ? [] : (v.errors ?? []).map(describe);
}

function describe(e: ErrorObject): string {
  const at = e.instancePath === "" ? "(root)" : e.instancePath;
  if (e.keyword === "additionalProperties") return `${at}: unknown member ${(e.params as { additionalProperty: string }).additionalProperty}`;
  return `${at}: ${e.message ?? e.keyword}`;
}
