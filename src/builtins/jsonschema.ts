// JSON Schema: json.verify_schema and json.match_schema. Validation by ajv (drafts 6, 7 and
// later; `$schema` of draft 4 is read as draft 7), with OPA's result shapes: [ok, error text or
// null], and [match, [{error, type, field, desc}]] where the error types and descriptions follow
// gojsonschema's (the library OPA uses) for the common keywords; others keep ajv's message.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { fromJSON, toJSON, type Value } from "../values/value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { builtinError, fn, typeError, ANY_OBJECT } from "./args.ts";
import { T } from "./types.ts";

const ajv = new Ajv({ strict: false, allErrors: true, verbose: true, validateSchema: true, addUsedSchema: false });
const compiled = new Map<string, ValidateFunction>();

/** The schema operand: an object, or a string holding its JSON. */
function schemaOf(v: Value, pos: number): object {
  if (typeof v === "string") {
    try {
      const s = JSON.parse(v) as unknown;
      if (typeof s === "object" && s !== null) return s;
      if (typeof s === "boolean") return s as unknown as object;
    } catch {
      // reported below
    }
    throw builtinError("invalid JSON schema: not a JSON document");
  }
  const plain = toJSON(v);
  if (typeof plain !== "object" || plain === null || Array.isArray(plain)) throw typeError(pos + 1, v, "string", "object");
  return plain;
}

const GO_TYPES = ["array", "boolean", "integer", "number", "null", "object", "string"];
const DATA_KEYWORDS = new Set(["enum", "const", "default", "examples", "example"]);

/** gojsonschema's check of `type` keywords, which it runs as it reads a schema (ajv's meta-schema
 * error for the same fault reads differently): the first unknown type name, in OPA's words. */
function checkTypeNames(schema: unknown): void {
  if (Array.isArray(schema)) {
    for (const s of schema) checkTypeNames(s);
    return;
  }
  if (typeof schema !== "object" || schema === null) return;
  for (const [k, v] of Object.entries(schema as Record<string, unknown>)) {
    if (DATA_KEYWORDS.has(k)) continue;
    if (k === "type" && (typeof v === "string" || Array.isArray(v))) {
      for (const t of typeof v === "string" ? [v] : v) {
        if (typeof t === "string" && !GO_TYPES.includes(t)) {
          throw new Error(`has a primitive type that is NOT VALID -- given: /${t}/ Expected valid values are:[${GO_TYPES.join(" ")}]`);
        }
      }
      continue;
    }
    checkTypeNames(v);
  }
}

/** `enum: []` matches nothing in gojsonschema; ajv refuses it, so it becomes `not: {}`. */
function emptyEnums(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(emptyEnums);
  if (typeof schema !== "object" || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema as Record<string, unknown>)) out[k] = DATA_KEYWORDS.has(k) ? v : emptyEnums(v);
  if (Array.isArray(out.enum) && out.enum.length === 0) {
    delete out.enum;
    out.allOf = [...(Array.isArray(out.allOf) ? out.allOf : []), { not: {} }];
  }
  return out;
}

function compile(schema: object): ValidateFunction {
  const key = JSON.stringify(schema);
  let f = compiled.get(key);
  if (!f) {
    checkTypeNames(schema);
    const s = emptyEnums(schema) as Record<string, unknown>;
    if (typeof s.$schema === "string" && /draft-0[46]/.test(s.$schema)) delete s.$schema; // read as draft 7
    f = ajv.compile(s);
    if (compiled.size > 256) compiled.clear();
    compiled.set(key, f);
  }
  return f;
}

function verifySchema([schema]: Value[]): Value {
  try {
    compile(schemaOf(schema!, 0));
    return [true, null];
  } catch (e) {
    if (e instanceof Error && !(e as { code?: unknown }).code) return [false, `jsonschema: ${e.message}`];
    throw e;
  }
}

function matchSchema([doc, schema]: Value[]): Value {
  const document = typeof doc === "string" ? parseDocument(doc) : toJSON(doc!);
  let validate: ValidateFunction;
  try {
    validate = compile(schemaOf(schema!, 1));
  } catch (e) {
    const message = (e as Error).message;
    throw builtinError(message.startsWith("has a primitive type") ? message : `invalid JSON schema: ${message}`);
  }
  if (validate(document)) return [true, []];
  return [false, (validate.errors ?? []).map((e) => fromJSON(resultError(e)))];
}

function parseDocument(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    throw builtinError("invalid JSON document");
  }
}

/** gojsonschema's field names: `(root)`, `a.b`, `items.0`. */
function fieldOf(path: string, extra?: string): string {
  const parts = path.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (extra !== undefined) parts.push(extra);
  return parts.length === 0 ? "(root)" : parts.join(".");
}

function goType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function resultError(e: ErrorObject): { error: string; type: string; field: string; desc: string } {
  const p = e.params as Record<string, unknown>;
  let field = fieldOf(e.instancePath);
  let type = e.keyword;
  let desc = e.message ?? e.keyword;
  switch (e.keyword) {
    case "type":
      type = "invalid_type";
      desc = `Invalid type. Expected: ${String(p.type).split(",").join(", ")}, given: ${goType(e.data)}`;
      break;
    case "required":
      desc = `${String(p.missingProperty)} is required`;
      break;
    case "enum":
      desc = `${field} must be one of the following: ${(p.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(", ")}`;
      break;
    case "const":
      desc = `${field} does not match: ${JSON.stringify(p.allowedValue)}`;
      break;
    case "additionalProperties":
      type = "additional_property_not_allowed";
      desc = `Additional property ${String(p.additionalProperty)} is not allowed`;
      break;
    case "minimum":
      type = "number_gte";
      desc = `Must be greater than or equal to ${String(p.limit)}`;
      break;
    case "maximum":
      type = "number_lte";
      desc = `Must be less than or equal to ${String(p.limit)}`;
      break;
    case "minLength":
      type = "string_gte";
      desc = `String length must be greater than or equal to ${String(p.limit)}`;
      break;
    case "maxLength":
      type = "string_lte";
      desc = `String length must be less than or equal to ${String(p.limit)}`;
      break;
    case "pattern":
      desc = `Does not match pattern '${String(p.pattern)}'`;
      break;
    case "minItems":
      type = "array_min_items";
      desc = `Array must have at least ${String(p.limit)} items`;
      break;
    case "maxItems":
      type = "array_max_items";
      desc = `Array must have at most ${String(p.limit)} items`;
      break;
  }
  if (field === "") field = "(root)";
  return { error: `${field}: ${desc}`, type, field, desc };
}

const SCHEMA = T.union(T.string, ANY_OBJECT);
const MATCH_ERROR: import("./types.ts").Type = { kind: "object", fields: { desc: T.string, error: T.string, field: T.string, type: T.string } };

export const JSON_SCHEMA: BuiltinDef[] = [
  { name: "json.verify_schema", signature: fn([SCHEMA], T.tuple(T.boolean, T.union(T.null, T.string))), impl: verifySchema },
  { name: "json.match_schema", signature: fn([SCHEMA, SCHEMA], T.tuple(T.boolean, T.arrayOf(MATCH_ERROR))), impl: matchSchema },
];
