// JSON Schema: json.verify_schema and json.match_schema, with OPA's result shapes: [ok, error text
// or null], and [match, [{error, type, field, desc}]]. Whether a schema is valid is ajv's check
// (drafts 6, 7 and later; `$schema` of another draft is read as draft 7); the errors of a match are
// gojsonschema's (the library OPA uses), from a validator that follows it (jsonschema-validate.ts).
import { Ajv } from "ajv";
import { GoSchemaValidator, type Json, type Node } from "./jsonschema-validate.ts";
import { ObjectValue, fromJSON, toJSON, type Value } from "../values/value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { builtinError, fn, typeError, ANY_OBJECT } from "./args.ts";
import { T } from "./types.ts";

// Formats are gojsonschema's to check (and unknown ones pass): ajv neither checks nor warns.
const ajv = new Ajv({ strict: false, validateSchema: true, validateFormats: false, logger: false });
const compiled = new Map<string, GoSchemaValidator>();

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

/** Checks the schema with ajv (which throws what is wrong with it), then builds its validator. */
function compile(schema: object): GoSchemaValidator {
  const key = JSON.stringify(schema);
  let v = compiled.get(key);
  if (!v) {
    checkTypeNames(schema);
    const s = emptyEnums(schema) as Record<string, unknown>;
    // ajv knows draft 7's meta-schema only; gojsonschema reads other drafts' schemas alike.
    if (typeof s.$schema === "string" && !/^https?:\/\/json-schema\.org\/draft-07\/schema#?$/.test(s.$schema)) delete s.$schema;
    // Compiled as a schema of its own (so that `$ref: "#"` finds its root), then forgotten: an
    // `$id` must not outlive the call.
    try {
      ajv.compile(s);
    } finally {
      ajv.removeSchema(s);
    }
    v = new GoSchemaValidator(schema as Node);
    if (compiled.size > 256) compiled.clear();
    compiled.set(key, v);
  }
  return v;
}

/** What OPA answers for an operand that is neither a string of JSON nor an object. */
const WRONG_TYPE = "wrong type, expected string or object";

function verifySchema([schema]: Value[]): Value {
  if (typeof schema === "string" && !isJSON(schema)) return [false, "jsonschema: invalid JSON string"];
  if (typeof schema !== "string" && !(schema instanceof ObjectValue)) return [false, `jsonschema: ${WRONG_TYPE}`];
  try {
    compile(schemaOf(schema, 0));
    return [true, null];
  } catch (e) {
    if (e instanceof Error && !(e as { code?: unknown }).code) return [false, `jsonschema: ${e.message}`];
    throw e;
  }
}

function isJSON(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

function matchSchema([doc, schema]: Value[]): Value {
  const document = typeof doc === "string" ? parseDocument(doc) : toJSON(doc!);
  let validator: GoSchemaValidator;
  try {
    validator = compile(schemaOf(schema!, 1));
  } catch (e) {
    const message = (e as Error).message;
    throw builtinError(message.startsWith("has a primitive type") ? message : `invalid JSON schema: ${message}`);
  }
  let errors;
  try {
    errors = validator.validate(document as Json);
  } catch (e) {
    throw builtinError((e as Error).message); // a $ref that does not resolve, or loops
  }
  return [errors.length === 0, errors.map((e) => fromJSON(e))];
}

function parseDocument(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    throw builtinError("invalid JSON document");
  }
}

const SCHEMA = T.union(T.string, ANY_OBJECT);
const MATCH_ERROR: import("./types.ts").Type = { kind: "object", fields: { desc: T.string, error: T.string, field: T.string, type: T.string } };

export const JSON_SCHEMA: BuiltinDef[] = [
  { name: "json.verify_schema", signature: fn([SCHEMA], T.tuple(T.boolean, T.union(T.null, T.string))), impl: verifySchema },
  { name: "json.match_schema", signature: fn([SCHEMA, SCHEMA], T.tuple(T.boolean, T.arrayOf(MATCH_ERROR))), impl: matchSchema },
];
