// graphql.*: parsing with graphql-js, results in the JSON of gqlparser's AST (OPA's library; see
// graphql-ast.ts), validation with graphql-js's specified rules (gqlparser ports the same rules and
// messages). Errors are worded as OPA words gqlparser's: `<message> in GraphQL string at location
// L:C` for syntax, `... in GraphQL query string ...` for a query the schema rejects.
import { GraphQLError, Kind, buildASTSchema, parse, validate, validateSchema, type DocumentNode, type GraphQLSchema } from "graphql";
import { ObjectValue, fromJSON, toJSON, type Value } from "../values/value.ts";
import { BuiltinError, type BuiltinDef } from "./builtin.ts";
import { ANY_OBJECT, builtinError, fn, str, typeError } from "./args.ts";
import { fromGqlQuery, fromGqlSchema, toGqlQuery, toGqlSchema } from "./graphql-ast.ts";
import { T } from "./types.ts";

/** Tokens one document may hold: parse time stays linear in a bounded input. */
const MAX_TOKENS = 100_000;

/** A document OPA's built-in would refuse: the message is OPA's, ready for the caller. */
class GraphQLFailure extends Error {}

const OPENERS: Record<string, string> = { "}": "{", ")": "(", "]": "[" };

/** graphql-js's syntax message in gqlparser's words: punctuators unquoted, no final period. */
function syntaxMessage(e: GraphQLError, source: string): string {
  let m = e.message.replace(/^Syntax Error: /, "").replace(/\.$/, "");
  m = m.replace(/(?<!String )"(\.\.\.|[!$&()[\]{}|:=@])"/g, "$1");
  m = m.replace(/^Unexpected variable "\$[^"]*" in constant value$/, "Unexpected $");
  if (m === "Unterminated string") m = "Unexpected <Invalid>";
  if (/^Document contains more th/.test(m)) m = `document longer than ${MAX_TOKENS} tokens`;
  const at0 = e.positions?.[0];
  if (m.startsWith("Unexpected description") && at0 !== undefined) {
    // gqlparser names the string token itself.
    const s = /^"((?:[^"\\\n]|\\.)*)"/.exec(source.slice(at0));
    if (s) m = `Unexpected String "${s[1]}"`;
  }
  // gqlparser's lists of one-or-more (`{}`, `()`) report the empty list, not the missing name.
  const found = /^Expected Name, found ([})\]])$/.exec(m);
  const at = e.positions?.[0];
  if (found && at !== undefined && source.slice(0, at).trimEnd().endsWith(OPENERS[found[1]!]!)) m = `expected at least one definition, found ${found[1]}`;
  return m;
}

function located(e: GraphQLError, message: string, what: string): string {
  const loc = e.locations?.[0];
  return loc ? `${message} in ${what} at location ${loc.line}:${loc.column}` : `GraphQL parse error: ${message}`;
}

/** The document, or a GraphQLFailure worded as OPA's. Empty text is an empty document, as in gqlparser. */
function parseText(source: string): DocumentNode {
  try {
    const doc = parse(source, { allowLegacyFragmentVariables: true, maxTokens: MAX_TOKENS, noLocation: false });
    return doc;
  } catch (e) {
    if (e instanceof GraphQLError) {
      // graphql-js insists on one definition; gqlparser reads a blank document as empty.
      if (/^Syntax Error: Unexpected <EOF>\.$/.test(e.message) && e.positions?.[0] !== undefined && source.slice(0, e.positions[0]).replace(/#[^\n\r]*/g, "").replace(/[\s,\ufeff]/g, "") === "") {
        return { kind: Kind.DOCUMENT, definitions: [] };
      }
      throw new GraphQLFailure(located(e, syntaxMessage(e, source), "GraphQL string"));
    }
    if (e instanceof RangeError) throw new GraphQLFailure("GraphQL parse error: document nested too deeply");
    throw e;
  }
}

/** `Unexpected Name "type"` for a definition of the wrong sort (gqlparser's two parsers are separate). */
function onlyDefinitions(doc: DocumentNode, source: string, executable: boolean): DocumentNode {
  for (const d of doc.definitions) {
    const isExecutable = d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION;
    if (isExecutable === executable) continue;
    const start = d.loc?.start ?? 0;
    const word = /^[_A-Za-z][_0-9A-Za-z]*/.exec(source.slice(start))?.[0];
    const line = source.slice(0, start).split(/\r\n|\r|\n/);
    const where = `${line.length}:${line[line.length - 1]!.length + 1}`;
    throw new GraphQLFailure(`${word ? `Unexpected Name "${word}"` : `Unexpected ${source[start]}`} in GraphQL string at location ${where}`);
  }
  return doc;
}

const parseQuery = (source: string): DocumentNode => onlyDefinitions(parseText(source), source, true);
const parseSchema = (source: string): DocumentNode => onlyDefinitions(parseText(source), source, false);

/** A query operand: GraphQL text or gqlparser's AST object. */
function queryOperand(v: Value, pos: number): DocumentNode {
  if (typeof v === "string") return parseQuery(v);
  if (v instanceof ObjectValue) return fromGqlQuery(toJSON(v) as Record<string, never>);
  throw typeError(pos, v, "string", "object");
}

function schemaOperand(v: Value, pos: number): DocumentNode {
  if (typeof v === "string") return parseSchema(v);
  if (v instanceof ObjectValue) return fromGqlSchema(toJSON(v) as Record<string, never>);
  throw typeError(pos, v, "string", "object");
}

/**
 * gqlparser lets a schema extend a type it never defines (federation schemas do): the first
 * extension of such a type stands in for its definition.
 */
function extensionsAsDefinitions(doc: DocumentNode): DocumentNode {
  const defined = new Set<string>();
  for (const d of doc.definitions) if (d.kind.endsWith("TypeDefinition") && "name" in d && d.name) defined.add(d.name.value);
  const definitions = doc.definitions.map((d) => {
    if (!d.kind.endsWith("TypeExtension") || !("name" in d) || !d.name || defined.has(d.name.value)) return d;
    defined.add(d.name.value);
    return { ...d, kind: d.kind.replace(/Extension$/, "Definition") } as unknown as typeof d;
  });
  return { ...doc, definitions };
}

/** The schema built and checked as gqlparser's ValidateSchemaDocument would; a root Query type is optional. */
function buildSchema(doc: DocumentNode): GraphQLSchema {
  let schema: GraphQLSchema;
  try {
    schema = buildASTSchema(extensionsAsDefinitions(doc));
  } catch (e) {
    if (e instanceof Error) throw new GraphQLFailure(`Error in gqlparser SchemaDocument to Schema conversion: ${e.message.replace(/\.$/, "")}`);
    throw e;
  }
  const errors = validateSchema(schema).filter((e) => !/^Query root type must be provided/.test(e.message));
  if (errors.length > 0) throw new GraphQLFailure(`Error in gqlparser SchemaDocument to Schema conversion: ${errors[0]!.message.replace(/\.$/, "")}`);
  return schema;
}

function validateQuery(schema: GraphQLSchema, query: DocumentNode): void {
  if (query.definitions.length === 0) return;
  let errors: readonly GraphQLError[];
  try {
    errors = validate(schema, query);
  } catch (e) {
    // validate() asserts a valid schema first; a schema without a query root fails here.
    if (e instanceof Error) throw new GraphQLFailure(e.message.replace(/\.$/, ""));
    throw e;
  }
  if (errors.length > 0) throw new GraphQLFailure(located(errors[0]!, errors[0]!.message.replace(/\.$/, ""), "GraphQL query string"));
}

/** Runs `f`, turning a GraphQLFailure into OPA's built-in error. */
function reporting<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof GraphQLFailure) throw builtinError(e.message);
    throw e;
  }
}

/** Runs `f`, answering `fallback` for a GraphQLFailure (and, as OPA does, for operands of the wrong type). */
function orElse<T>(fallback: T, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof GraphQLFailure || (e instanceof BuiltinError && e.code === "eval_type_error")) return fallback;
    throw e;
  }
}

function graphqlParse([q, s]: Value[]): Value {
  return reporting(() => {
    const query = queryOperand(q!, 1);
    const schemaDoc = schemaOperand(s!, 2);
    const schema = buildSchema(schemaDoc);
    validateQuery(schema, query);
    return [fromJSON(toGqlQuery(query)), fromJSON(toGqlSchema(schemaDoc))];
  });
}

function parseAndVerify([q, s]: Value[]): Value {
  return orElse<Value>([false, new ObjectValue(), new ObjectValue()], () => {
    const query = queryOperand(q!, 1);
    const schemaDoc = schemaOperand(s!, 2);
    validateQuery(buildSchema(schemaDoc), query);
    return [true, fromJSON(toGqlQuery(query)), fromJSON(toGqlSchema(schemaDoc))];
  });
}

function isValid([q, s]: Value[]): Value {
  return orElse(false, () => {
    const query = queryOperand(q!, 1);
    validateQuery(buildSchema(schemaOperand(s!, 2)), query);
    return true;
  });
}

function schemaIsValid([s]: Value[]): Value {
  return orElse(false, () => {
    buildSchema(schemaOperand(s!, 1));
    return true;
  });
}

const TEXT_OR_AST = T.union(T.string, ANY_OBJECT);

export const GRAPHQL: BuiltinDef[] = [
  { name: "graphql.parse", signature: fn([TEXT_OR_AST, TEXT_OR_AST], T.tuple(ANY_OBJECT, ANY_OBJECT)), impl: graphqlParse },
  { name: "graphql.parse_and_verify", signature: fn([TEXT_OR_AST, TEXT_OR_AST], T.tuple(T.boolean, ANY_OBJECT, ANY_OBJECT)), impl: parseAndVerify },
  { name: "graphql.parse_query", signature: fn([T.string], ANY_OBJECT), impl: (args) => reporting(() => fromJSON(toGqlQuery(parseQuery(str(args, 0))))) },
  { name: "graphql.parse_schema", signature: fn([T.string], ANY_OBJECT), impl: (args) => reporting(() => fromJSON(toGqlSchema(parseSchema(str(args, 0))))) },
  { name: "graphql.is_valid", signature: fn([TEXT_OR_AST, TEXT_OR_AST], T.boolean), impl: isValid },
  { name: "graphql.schema_is_valid", signature: fn([TEXT_OR_AST], T.boolean), impl: schemaIsValid },
];
