// Validation at every boundary: each JSON Schema in schemas/ compiled once with ajv. A value that
// does not fit raises SchemaError, whose message names the schema and every offending field.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import type { ActionRequest, Approval, ApprovalDecision, AuditRecord, Decision, DirectoryEntry, RollbackRecord, Ticket } from "./types.ts";

const SCHEMAS = resolve(dirname(fileURLToPath(import.meta.url)), "../../schemas");

/** The schemas by file stem (`action-request`, ...) and the types they describe. */
export interface SchemaTypes {
  "action-request": ActionRequest;
  "approval-decision": ApprovalDecision;
  approval: Approval;
  "audit-record": AuditRecord;
  decision: Decision;
  "directory-entry": DirectoryEntry;
  "rollback-record": RollbackRecord;
  ticket: Ticket;
}
export type SchemaName = keyof SchemaTypes;

export class SchemaError extends Error {
  constructor(
    readonly schema: string,
    /** One line per problem: `/path/to/field: what is wrong`. */
    readonly problems: string[],
  ) {
    super(`invalid ${schema}: ${problems.join("; ")}`);
  }
}

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function instance(): Ajv {
  if (ajv) return ajv;
  ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  // ajv-formats is CommonJS; its default export arrives wrapped under some loaders.
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => void;
  addFormats(ajv);
  // json-schema-to-typescript's annotation for members of any JSON type; no meaning to validation.
  ajv.addKeyword("tsType");
  for (const f of readdirSync(SCHEMAS).filter((n) => n.endsWith(".schema.json")).sort()) {
    ajv.addSchema(JSON.parse(readFileSync(join(SCHEMAS, f), "utf8")), f);
  }
  // The service's request bodies (schemas/serve/), looked up by their $id.
  for (const f of readdirSync(join(SCHEMAS, "serve")).filter((n) => n.endsWith(".schema.json")).sort()) {
    ajv.addSchema(JSON.parse(readFileSync(join(SCHEMAS, "serve", f), "utf8")));
  }
  return ajv;
}

function validatorOf(name: string): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    v = instance().getSchema(name.startsWith("https://") ? name : `${name}.schema.json`);
    if (!v) throw new Error(`no schema named ${name} in ${SCHEMAS}`);
    compiled.set(name, v);
  }
  return v;
}

/** Returns the value typed when it fits the schema; throws SchemaError naming each bad field. */
export function validate<N extends SchemaName>(name: N, value: unknown): SchemaTypes[N] {
  const v = validatorOf(name);
  if (!v(value)) throw new SchemaError(name, describe(v.errors ?? []));
  return value as SchemaTypes[N];
}

/** The problems of a value against a schema named by file stem or $id, one line each; empty when it fits. */
export function schemaProblems(nameOrId: string, value: unknown): string[] {
  const v = validatorOf(nameOrId);
  return v(value) ? [] : describe(v.errors ?? []);
}

/** Validates against a schema the caller supplies (for example a bundle's input schema). */
export function validatorFor(schema: object, label: string): (value: unknown) => void {
  const v = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }).compile(schema);
  return (value) => {
    if (!v(value)) throw new SchemaError(label, describe(v.errors ?? []));
  };
}

function describe(errors: ErrorObject[]): string[] {
  const lines = errors.map((e) => {
    const at = e.instancePath === "" ? "(root)" : e.instancePath;
    if (e.keyword === "required") return `${at === "(root)" ? "" : at}/${(e.params as { missingProperty: string }).missingProperty}: is required`;
    if (e.keyword === "additionalProperties") {
      return `${at === "(root)" ? "" : at}/${(e.params as { additionalProperty: string }).additionalProperty}: is not allowed`;
    }
    return `${at}: ${e.message ?? e.keyword}`;
  });
  return [...new Set(lines)];
}
