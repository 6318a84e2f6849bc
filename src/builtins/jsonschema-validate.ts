// JSON Schema validation as gojsonschema (the library behind OPA's json.match_schema) does it, so
// that the errors are the ones OPA reports: the same checks in the same order, the same texts
// (its default locale), and the same choice of which failed branch of an anyOf/oneOf/contains to
// report, by its "score" (each check run +1, each error -2). The schema's validity is checked
// before (ajv, jsonschema.ts); this walks the schema document as it is.
import { GO_FORMATS } from "./jsonschema-formats.ts";
import { compileRE2, test as re2Test } from "./re2.ts";

export interface SchemaError {
  error: string;
  type: string;
  field: string;
  desc: string;
}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Node = boolean | { [k: string]: Json };

/** The drafts gojsonschema knows; any other (or no) `$schema` is its hybrid, which reads all. */
const DRAFTS: Record<string, number> = {
  "http://json-schema.org/draft-04/schema": 4,
  "http://json-schema.org/draft-06/schema": 6,
  "http://json-schema.org/draft-07/schema": 7,
};
const HYBRID = 99;
const ROOT = "(Root)";
/** $refs followed at once, past which a schema is taken to loop. */
const MAX_REF_DEPTH = 256;

class Result {
  errors: SchemaError[] = [];
  score = 0;

  add(path: string[], type: string, desc: string): void {
    const field = path.length === 0 ? ROOT : path.join(".");
    this.errors.push({ error: `${field}: ${desc}`, type, field, desc });
    this.score -= 2;
  }

  merge(other: Result): void {
    this.errors.push(...other.errors);
    this.score += other.score;
  }
}

/**
 * Go's json.Marshal of a decoded document: object keys sorted (so equal values compare equal),
 * and <, >, &, U+2028 and U+2029 escaped in strings, as Go escapes them.
 */
function canonical(v: Json): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") {
    return `{${Object.keys(v).sort().map((k) => `${goString(k)}:${canonical(v[k]!)}`).join(",")}}`;
  }
  return typeof v === "string" ? goString(v) : JSON.stringify(v);
}

function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A number as gojsonschema prints a limit (a big.Float's %v: shortest digits, %e from 1e+06). */
function goFloat(n: number): string {
  if (n === 0) return "0";
  const [mantissa, e] = n.toExponential().split("e") as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  return String(n);
}

function jsonType(v: Json): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

const isObject = (v: unknown): v is { [k: string]: Json } => typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: Json | undefined): number | undefined => (typeof v === "number" ? v : undefined);

export class GoSchemaValidator {
  private readonly draft: number;
  private readonly ids = new Map<string, Node>();
  private refDepth = 0;

  constructor(private readonly root: Node) {
    const declared = isObject(root) && typeof root.$schema === "string" ? root.$schema.replace(/#$/, "") : "";
    this.draft = DRAFTS[declared] ?? HYBRID;
    this.collectIds(root);
  }

  validate(doc: Json): SchemaError[] {
    const r = new Result();
    this.node(this.root, doc, r, []);
    return r.errors;
  }

  private collectIds(s: Json): void {
    if (Array.isArray(s)) return s.forEach((x) => this.collectIds(x));
    if (!isObject(s)) return;
    const id = s.$id ?? s.id;
    if (typeof id === "string") this.ids.set(id.replace(/#$/, ""), s);
    for (const [k, v] of Object.entries(s)) if (k !== "enum" && k !== "const") this.collectIds(v);
  }

  /** A `$ref`: a JSON pointer into the document, or one into a schema named by its `$id`. */
  private resolve(ref: string): Node {
    const hash = ref.indexOf("#");
    const base = hash < 0 ? ref : ref.slice(0, hash);
    let target: Json | undefined = base === "" ? this.root : this.ids.get(base);
    const pointer = hash < 0 ? "" : decodeURIComponent(ref.slice(hash + 1));
    for (const part of pointer.split("/").slice(1)) {
      const key = part.replace(/~1/g, "/").replace(/~0/g, "~");
      target = Array.isArray(target) ? target[Number(key)] : isObject(target) ? target[key] : undefined;
    }
    if (target === undefined && pointer === "" && this.ids.has(ref)) target = this.ids.get(ref);
    if (typeof target !== "boolean" && !isObject(target)) throw new Error(`invalid JSON schema: cannot resolve $ref ${ref}`);
    return target;
  }

  private sub(s: Node, doc: Json, path: string[]): Result {
    const r = new Result();
    this.node(s, doc, r, path);
    return r;
  }

  /** validateRecursive: boolean schemas, $ref, then the type check and the keyword groups. */
  private node(s: Node, doc: Json, r: Result, path: string[]): void {
    if (typeof s === "boolean") {
      if (!s) r.add(path, "false", "False always fails validation");
      return;
    }
    if (typeof s.$ref === "string") {
      // A schema whose $refs loop without consuming the document (`{"$ref": "#"}`) never ends.
      if (++this.refDepth > MAX_REF_DEPTH) throw new Error(`invalid JSON schema: $ref ${s.$ref} refers to itself`);
      try {
        return this.node(this.resolve(s.$ref), doc, r, path);
      } finally {
        this.refDepth--;
      }
    }
    const types = typeof s.type === "string" ? [s.type] : Array.isArray(s.type) ? (s.type as string[]) : [];
    const given = jsonType(doc);
    const fits = types.length === 0 || types.includes(given) || (given === "integer" && types.includes("number"));
    if (!fits) {
      r.add(path, "invalid_type", `Invalid type. Expected: ${types.length > 1 ? `[${types.join(",")}]` : types[0]}, given: ${given}`);
      return;
    }
    this.combinators(s, doc, r, path);
    if (Array.isArray(doc)) this.array(s, doc, r, path);
    else if (isObject(doc)) this.object(s, doc, r, path);
    else if (typeof doc === "number") this.number(s, doc, r, path);
    this.common(s, doc, r, path);
    if (typeof doc === "string") this.string(s, doc, r, path);
    if (isObject(doc)) this.properties(s, doc, r, path);
    r.score++;
  }

  /** validateSchema: anyOf, oneOf, allOf, not, dependencies, if/then/else. */
  private combinators(s: { [k: string]: Json }, doc: Json, r: Result, path: string[]): void {
    if (Array.isArray(s.anyOf) && s.anyOf.length > 0) {
      let best: Result | undefined;
      let ok = false;
      for (const branch of s.anyOf as Node[]) {
        const res = this.sub(branch, doc, path);
        ok = res.errors.length === 0;
        if (ok) break;
        if (!best || res.score > best.score) best = res;
      }
      if (!ok) {
        r.add(path, "number_any_of", "Must validate at least one schema (anyOf)");
        if (best) r.merge(best);
      }
    }
    if (Array.isArray(s.oneOf) && s.oneOf.length > 0) {
      let best: Result | undefined;
      let valid = 0;
      for (const branch of s.oneOf as Node[]) {
        const res = this.sub(branch, doc, path);
        if (res.errors.length === 0) valid++;
        else if (valid === 0 && (!best || res.score > best.score)) best = res;
      }
      if (valid !== 1) {
        r.add(path, "number_one_of", "Must validate one and only one schema (oneOf)");
        if (valid === 0 && best) r.merge(best);
      }
    }
    if (Array.isArray(s.allOf) && s.allOf.length > 0) {
      let valid = 0;
      for (const branch of s.allOf as Node[]) {
        const res = this.sub(branch, doc, path);
        if (res.errors.length === 0) valid++;
        r.merge(res);
      }
      if (valid !== s.allOf.length) r.add(path, "number_all_of", "Must validate all the schemas (allOf)");
    }
    if (s.not !== undefined && (typeof s.not === "boolean" || isObject(s.not))) {
      if (this.sub(s.not, doc, path).errors.length === 0) r.add(path, "number_not", "Must not validate the schema (not)");
    }
    if (isObject(s.dependencies) && isObject(doc)) this.dependencies(s.dependencies, doc, r, path);
    if (this.draft >= 7 && s.if !== undefined && (typeof s.if === "boolean" || isObject(s.if))) this.conditional(s, doc, r, path);
    r.score++;
  }

  private dependencies(deps: { [k: string]: Json }, doc: { [k: string]: Json }, r: Result, path: string[]): void {
    for (const key of Object.keys(doc)) {
      const dep = deps[key];
      if (Array.isArray(dep)) {
        for (const other of dep) if (typeof other === "string" && !(other in doc)) r.add(path, "missing_dependency", `Has a dependency on ${other}`);
      } else if (dep !== undefined && (typeof dep === "boolean" || isObject(dep))) this.node(dep, doc, r, path);
    }
  }

  private conditional(s: { [k: string]: Json }, doc: Json, r: Result, path: string[]): void {
    const holds = this.sub(s.if as Node, doc, path).errors.length === 0;
    const [branch, type, desc] = holds
      ? [s.then, "condition_then", 'Must validate "then" as "if" was valid']
      : [s.else, "condition_else", 'Must validate "else" as "if" was not valid'];
    if (branch === undefined || (typeof branch !== "boolean" && !isObject(branch))) return;
    const res = this.sub(branch, doc, path);
    if (res.errors.length === 0) return;
    r.add(path, type, desc);
    r.merge(res);
  }

  /** validateArray: items, additionalItems, minItems, maxItems, uniqueItems, contains. */
  private array(s: { [k: string]: Json }, doc: Json[], r: Result, path: string[]): void {
    if (typeof s.items === "boolean" || isObject(s.items)) {
      doc.forEach((v, i) => r.merge(this.sub(s.items as Node, v, [...path, String(i)])));
    } else if (Array.isArray(s.items) && s.items.length > 0) {
      const items = s.items as Node[];
      for (let i = 0; i < items.length && i < doc.length; i++) r.merge(this.sub(items[i]!, doc[i]!, [...path, String(i)]));
      if (items.length < doc.length) {
        if (s.additionalItems === false) r.add(path, "array_no_additional_items", "No additional items allowed on array");
        else if (isObject(s.additionalItems)) {
          for (let i = items.length; i < doc.length; i++) r.merge(this.sub(s.additionalItems, doc[i]!, [...path, String(i)]));
        }
      }
    }
    const min = num(s.minItems);
    if (min !== undefined && doc.length < min) r.add(path, "array_min_items", `Array must have at least ${String(min)} items`);
    const max = num(s.maxItems);
    if (max !== undefined && doc.length > max) r.add(path, "array_max_items", `Array must have at most ${String(max)} items`);
    if (s.uniqueItems === true) {
      const seen = new Map<string, number>();
      doc.forEach((v, j) => {
        const key = canonical(v);
        const i = seen.get(key);
        if (i !== undefined) r.add(path, "unique", `array items[${i},${j}] must be unique`);
        seen.set(key, j);
      });
    }
    if (this.draft >= 6 && (typeof s.contains === "boolean" || isObject(s.contains))) this.contains(s.contains, doc, r, path);
    r.score++;
  }

  private contains(schema: Node, doc: Json[], r: Result, path: string[]): void {
    let best: Result | undefined;
    for (const [i, v] of doc.entries()) {
      const res = this.sub(schema, v, [...path, String(i)]);
      if (res.errors.length === 0) return;
      if (!best || res.score > best.score) best = res;
    }
    r.add(path, "contains", "At least one of the items must match");
    if (best) r.merge(best);
  }

  /** validateObject: minProperties, maxProperties, required, additional and pattern properties, propertyNames. */
  private object(s: { [k: string]: Json }, doc: { [k: string]: Json }, r: Result, path: string[]): void {
    const keys = Object.keys(doc);
    const min = num(s.minProperties);
    if (min !== undefined && keys.length < min) r.add(path, "array_min_properties", `Must have at least ${String(min)} properties`);
    const max = num(s.maxProperties);
    if (max !== undefined && keys.length > max) r.add(path, "array_max_properties", `Must have at most ${String(max)} properties`);
    for (const req of Array.isArray(s.required) ? s.required : []) {
      if (typeof req !== "string") continue;
      if (req in doc) r.score++;
      else r.add(path, "required", `${req} is required`);
    }
    const declared = isObject(s.properties) ? s.properties : {};
    for (const key of keys) {
      const byPattern = this.patternProperties(s, key, doc[key]!, r, path);
      if (key in declared || byPattern) continue;
      if (s.additionalProperties === false) r.add(path, "additional_property_not_allowed", `Additional property ${key} is not allowed`);
      else if (isObject(s.additionalProperties)) r.merge(this.sub(s.additionalProperties, doc[key]!, [...path, key]));
    }
    if (this.draft >= 6 && (typeof s.propertyNames === "boolean" || isObject(s.propertyNames))) {
      for (const key of keys) {
        const res = this.sub(s.propertyNames, key, path);
        if (res.errors.length === 0) continue;
        r.add(path, "invalid_property_name", `Property name of "${key}" does not match`);
        r.merge(res);
      }
    }
    r.score++;
  }

  private patternProperties(s: { [k: string]: Json }, key: string, value: Json, r: Result, path: string[]): boolean {
    if (!isObject(s.patternProperties)) return false;
    let matched = false;
    for (const [pattern, schema] of Object.entries(s.patternProperties)) {
      if (!re2Test(compileRE2(pattern), key)) continue;
      matched = true;
      r.merge(this.sub(schema as Node, value, [...path, key]));
    }
    if (matched) r.score++;
    return matched;
  }

  /** The property children, after the object's own checks (gojsonschema's order). */
  private properties(s: { [k: string]: Json }, doc: { [k: string]: Json }, r: Result, path: string[]): void {
    if (!isObject(s.properties)) return;
    for (const [key, schema] of Object.entries(s.properties)) {
      if (key in doc) this.node(schema as Node, doc[key]!, r, [...path, key]);
    }
  }

  /** validateNumber: multipleOf, maximum, exclusiveMaximum, minimum, exclusiveMinimum. */
  private number(s: { [k: string]: Json }, n: number, r: Result, path: string[]): void {
    const multiple = num(s.multipleOf);
    if (multiple !== undefined && !Number.isInteger(n / multiple)) r.add(path, "multiple_of", `Must be a multiple of ${goFloat(multiple)}`);
    // Draft 4's boolean exclusiveMaximum/exclusiveMinimum make maximum/minimum exclusive.
    const [max, xmax] = s.exclusiveMaximum === true ? [undefined, num(s.maximum)] : [num(s.maximum), num(s.exclusiveMaximum)];
    if (max !== undefined && n > max) r.add(path, "number_lte", `Must be less than or equal to ${goFloat(max)}`);
    if (xmax !== undefined && n >= xmax) r.add(path, "number_lt", `Must be less than ${goFloat(xmax)}`);
    const [min, xmin] = s.exclusiveMinimum === true ? [undefined, num(s.minimum)] : [num(s.minimum), num(s.exclusiveMinimum)];
    if (min !== undefined && n < min) r.add(path, "number_gte", `Must be greater than or equal to ${goFloat(min)}`);
    if (xmin !== undefined && n <= xmin) r.add(path, "number_gt", `Must be greater than ${goFloat(xmin)}`);
    r.score++;
  }

  /** validateCommon: const, enum, format. */
  private common(s: { [k: string]: Json }, doc: Json, r: Result, path: string[]): void {
    const field = path.length === 0 ? ROOT : path.join(".");
    if (this.draft >= 6 && "const" in s && canonical(doc) !== canonical(s.const!)) {
      r.add(path, "const", `${field} does not match: ${canonical(s.const!)}`);
    }
    if (Array.isArray(s.enum)) {
      const allowed = s.enum.map(canonical);
      if (!allowed.includes(canonical(doc))) r.add(path, "enum", `${field} must be one of the following: ${allowed.length ? allowed.join(", ") : "(none)"}`);
    }
    const check = typeof s.format === "string" ? GO_FORMATS[s.format] : undefined;
    if (check && typeof doc === "string" && !check(doc)) r.add(path, "format", `Does not match format '${String(s.format)}'`);
    r.score++;
  }

  /** validateString: minLength, maxLength (in characters), pattern (Go's regexp). */
  private string(s: { [k: string]: Json }, str: string, r: Result, path: string[]): void {
    const length = [...str].length;
    const min = num(s.minLength);
    if (min !== undefined && length < min) r.add(path, "string_gte", `String length must be greater than or equal to ${String(min)}`);
    const max = num(s.maxLength);
    if (max !== undefined && length > max) r.add(path, "string_lte", `String length must be less than or equal to ${String(max)}`);
    if (typeof s.pattern === "string" && !re2Test(compileRE2(s.pattern), str)) r.add(path, "pattern", `Does not match pattern '${s.pattern}'`);
    r.score++;
  }
}
