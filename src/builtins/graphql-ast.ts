// GraphQL documents between graphql-js's AST and the JSON of gqlparser's AST (the Go library OPA
// uses), as OPA returns it: gqlparser's field names, with null, empty and `Position` fields pruned
// away. `toGql*` turns a parsed document into that shape; `fromGql*` reads the shape back (OPA
// accepts these objects wherever it accepts GraphQL text), as Go's json.Unmarshal would: missing
// fields are zero values, unknown ones ignored.
import { Kind, OperationTypeNode, type ConstDirectiveNode, type DefinitionNode, type DirectiveNode, type DocumentNode, type ExecutableDefinitionNode, type FieldDefinitionNode, type InputValueDefinitionNode, type SelectionNode, type TypeNode, type ValueNode, type VariableDefinitionNode } from "graphql";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

/** OPA's pruning: no nulls, no empty arrays or objects (after pruning), no `Position`. */
export function prune(v: Json): Json {
  if (Array.isArray(v)) {
    const out: Json[] = [];
    for (const x of v) {
      if (x === null) continue;
      const p = prune(x);
      if (typeof p === "object" && p !== null && (Array.isArray(p) ? p.length === 0 : Object.keys(p).length === 0)) continue;
      out.push(p);
    }
    return out;
  }
  if (v !== null && typeof v === "object") {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === "Position" || x === null || x === undefined) continue;
      const p = prune(x);
      if (typeof p === "object" && p !== null && (Array.isArray(p) ? p.length === 0 : Object.keys(p).length === 0)) continue;
      out[k] = p;
    }
    return out;
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// graphql-js → gqlparser JSON

const VALUE_KINDS: Partial<Record<Kind, number>> = {
  [Kind.VARIABLE]: 0,
  [Kind.INT]: 1,
  [Kind.FLOAT]: 2,
  [Kind.STRING]: 3,
  [Kind.BOOLEAN]: 5,
  [Kind.NULL]: 6,
  [Kind.ENUM]: 7,
  [Kind.LIST]: 8,
  [Kind.OBJECT]: 9,
};

function value(v: ValueNode | undefined): Json {
  if (!v) return null;
  const kind = v.kind === Kind.STRING && v.block ? 4 : VALUE_KINDS[v.kind]!;
  let raw = "";
  let children: Json = null;
  switch (v.kind) {
    case Kind.VARIABLE:
      raw = v.name.value;
      break;
    case Kind.INT:
    case Kind.FLOAT:
    case Kind.STRING:
    case Kind.ENUM:
      raw = v.value;
      break;
    case Kind.BOOLEAN:
      raw = String(v.value);
      break;
    case Kind.NULL:
      raw = "null";
      break;
    case Kind.LIST:
      children = v.values.map((c) => ({ Name: "", Value: value(c) }));
      break;
    case Kind.OBJECT:
      children = v.fields.map((f) => ({ Name: f.name.value, Value: value(f.value) }));
      break;
  }
  // gqlparser's Value has ExpectedTypeHasDefault (false once parsed; validation may set it), and
  // OPA's AST JSON carries it on every value, as its cases since that field was added expect.
  return { Raw: raw, Children: children, Kind: kind, ExpectedTypeHasDefault: false };
}

function type(t: TypeNode): Obj {
  switch (t.kind) {
    case Kind.NAMED_TYPE:
      return { NamedType: t.name.value, NonNull: false };
    case Kind.LIST_TYPE:
      return { NamedType: "", Elem: type(t.type), NonNull: false };
    case Kind.NON_NULL_TYPE:
      return { ...type(t.type), NonNull: true };
  }
}

const args = (as: readonly { name: { value: string }; value: ValueNode }[] | undefined): Json => (as ?? []).map((a) => ({ Name: a.name.value, Value: value(a.value) }));
const directives = (ds: readonly (DirectiveNode | ConstDirectiveNode)[] | undefined): Json => (ds ?? []).map((d) => ({ Name: d.name.value, Arguments: args(d.arguments), Location: "" }));

function variables(vs: readonly VariableDefinitionNode[] | undefined): Json {
  return (vs ?? []).map((v) => ({ Variable: v.variable.name.value, Type: type(v.type), DefaultValue: value(v.defaultValue), Directives: directives(v.directives), Used: false }));
}

function selections(ss: readonly SelectionNode[] | undefined): Json {
  return (ss ?? []).map((s): Json => {
    switch (s.kind) {
      case Kind.FIELD:
        return { Alias: (s.alias ?? s.name).value, Name: s.name.value, Arguments: args(s.arguments), Directives: directives(s.directives), SelectionSet: selections(s.selectionSet?.selections) };
      case Kind.FRAGMENT_SPREAD:
        return { Name: s.name.value, Directives: directives(s.directives) };
      case Kind.INLINE_FRAGMENT:
        return { TypeCondition: s.typeCondition?.name.value ?? "", Directives: directives(s.directives), SelectionSet: selections(s.selectionSet.selections) };
    }
  });
}

/** A query document (operations and fragments only) in gqlparser's pruned JSON. */
export function toGqlQuery(doc: DocumentNode): Json {
  const ops: Json[] = [];
  const frags: Json[] = [];
  for (const d of doc.definitions) {
    if (d.kind === Kind.OPERATION_DEFINITION) {
      ops.push({ Operation: d.operation, Name: d.name?.value ?? "", VariableDefinitions: variables(d.variableDefinitions), Directives: directives(d.directives), SelectionSet: selections(d.selectionSet.selections) });
    } else if (d.kind === Kind.FRAGMENT_DEFINITION) {
      frags.push({ Name: d.name.value, VariableDefinition: variables(d.variableDefinitions), TypeCondition: d.typeCondition.name.value, Directives: directives(d.directives), SelectionSet: selections(d.selectionSet.selections) });
    }
  }
  return prune({ Operations: ops, Fragments: frags });
}

const DEFINITION_KINDS: Partial<Record<Kind, string>> = {
  [Kind.SCALAR_TYPE_DEFINITION]: "SCALAR",
  [Kind.SCALAR_TYPE_EXTENSION]: "SCALAR",
  [Kind.OBJECT_TYPE_DEFINITION]: "OBJECT",
  [Kind.OBJECT_TYPE_EXTENSION]: "OBJECT",
  [Kind.INTERFACE_TYPE_DEFINITION]: "INTERFACE",
  [Kind.INTERFACE_TYPE_EXTENSION]: "INTERFACE",
  [Kind.UNION_TYPE_DEFINITION]: "UNION",
  [Kind.UNION_TYPE_EXTENSION]: "UNION",
  [Kind.ENUM_TYPE_DEFINITION]: "ENUM",
  [Kind.ENUM_TYPE_EXTENSION]: "ENUM",
  [Kind.INPUT_OBJECT_TYPE_DEFINITION]: "INPUT_OBJECT",
  [Kind.INPUT_OBJECT_TYPE_EXTENSION]: "INPUT_OBJECT",
};

const description = (d: { description?: { value: string } | undefined }): string => d.description?.value ?? "";

function argumentDefs(as: readonly InputValueDefinitionNode[] | undefined): Json {
  return (as ?? []).map((a) => ({ Description: description(a), Name: a.name.value, DefaultValue: value(a.defaultValue), Type: type(a.type), Directives: directives(a.directives) }));
}

function fieldDefs(fs: readonly (FieldDefinitionNode | InputValueDefinitionNode)[] | undefined): Json {
  return (fs ?? []).map((f): Json =>
    f.kind === Kind.FIELD_DEFINITION
      ? { Description: description(f), Name: f.name.value, Arguments: argumentDefs(f.arguments), Type: type(f.type), Directives: directives(f.directives) }
      : { Description: description(f), Name: f.name.value, DefaultValue: value(f.defaultValue), Type: type(f.type), Directives: directives(f.directives) },
  );
}

function typeDefinition(d: DefinitionNode): Obj {
  const n = d as Extract<DefinitionNode, { name: { value: string } }> & Record<string, unknown>;
  const names = (xs: unknown): Json => ((xs as { name: { value: string } }[] | undefined) ?? []).map((x) => x.name.value);
  return {
    Kind: DEFINITION_KINDS[d.kind]!,
    Description: "description" in n ? description(n as { description?: { value: string } }) : "",
    Name: n.name.value,
    Directives: directives(n.directives as DirectiveNode[] | undefined),
    Interfaces: names(n.interfaces),
    Fields: fieldDefs(n.fields as FieldDefinitionNode[] | undefined),
    Types: names(n.types),
    EnumValues: ((n.values as { name: { value: string }; description?: { value: string }; directives?: DirectiveNode[] }[] | undefined) ?? []).map((e) => ({ Description: description(e), Name: e.name.value, Directives: directives(e.directives) })),
    BuiltIn: false,
  };
}

/** A schema document in gqlparser's pruned JSON (its own definitions, without the prelude). */
export function toGqlSchema(doc: DocumentNode): Json {
  const out: Record<string, Json[]> = { Schema: [], SchemaExtension: [], Directives: [], Definitions: [], Extensions: [] };
  for (const d of doc.definitions) {
    switch (d.kind) {
      case Kind.SCHEMA_DEFINITION:
      case Kind.SCHEMA_EXTENSION:
        (d.kind === Kind.SCHEMA_DEFINITION ? out.Schema : out.SchemaExtension)!.push({
          Description: d.kind === Kind.SCHEMA_DEFINITION ? description(d) : "",
          Directives: directives(d.directives),
          OperationTypes: (d.operationTypes ?? []).map((o) => ({ Operation: o.operation, Type: o.type.name.value })),
        });
        break;
      case Kind.DIRECTIVE_DEFINITION:
        out.Directives!.push({ Description: description(d), Name: d.name.value, Arguments: argumentDefs(d.arguments), Locations: d.locations.map((l) => l.value), IsRepeatable: d.repeatable });
        break;
      default:
        if (DEFINITION_KINDS[d.kind]) (d.kind.endsWith("Extension") ? out.Extensions : out.Definitions)!.push(typeDefinition(d));
    }
  }
  return prune(out);
}

// ---------------------------------------------------------------------------------------------
// gqlparser JSON → graphql-js (as Go's json.Unmarshal into gqlparser's structs reads it)

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const text = (v: unknown): string => (typeof v === "string" ? v : "");
const name = (v: unknown) => ({ kind: Kind.NAME, value: text(v) }) as const;

function fromValue(v: unknown): ValueNode | undefined {
  if (!isObj(v)) return undefined;
  const raw = text(v.Raw);
  const children = list(v.Children);
  switch (v.Kind ?? 0) {
    case 0:
      return { kind: Kind.VARIABLE, name: name(raw) };
    case 1:
      return { kind: Kind.INT, value: raw };
    case 2:
      return { kind: Kind.FLOAT, value: raw };
    case 3:
    case 4:
      return { kind: Kind.STRING, value: raw, block: v.Kind === 4 };
    case 5:
      return { kind: Kind.BOOLEAN, value: raw === "true" };
    case 6:
      return { kind: Kind.NULL };
    case 7:
      return { kind: Kind.ENUM, value: raw };
    case 8:
      return { kind: Kind.LIST, values: children.map((c) => fromValue(c.Value)).filter((x): x is ValueNode => x !== undefined) };
    case 9:
      return { kind: Kind.OBJECT, fields: children.map((c) => ({ kind: Kind.OBJECT_FIELD, name: name(c.Name), value: fromValue(c.Value) ?? { kind: Kind.NULL } })) };
    default:
      return undefined;
  }
}

function fromType(t: unknown): TypeNode {
  const o = isObj(t) ? t : {};
  const inner: TypeNode = isObj(o.Elem) ? { kind: Kind.LIST_TYPE, type: fromType(o.Elem) } : { kind: Kind.NAMED_TYPE, name: name(o.NamedType) };
  return o.NonNull === true ? { kind: Kind.NON_NULL_TYPE, type: inner } : inner;
}

const fromArgs = (v: unknown) => list(v).map((a) => ({ kind: Kind.ARGUMENT, name: name(a.Name), value: fromValue(a.Value) ?? { kind: Kind.NULL } }) as const);
const fromDirectives = (v: unknown) => list(v).map((d) => ({ kind: Kind.DIRECTIVE, name: name(d.Name), arguments: fromArgs(d.Arguments) }) as never);

function fromVariables(v: unknown): VariableDefinitionNode[] {
  return list(v).map((d) => ({ kind: Kind.VARIABLE_DEFINITION, variable: { kind: Kind.VARIABLE, name: name(d.Variable) }, type: fromType(d.Type), defaultValue: fromValue(d.DefaultValue) as never, directives: fromDirectives(d.Directives) }));
}

function fromSelections(v: unknown): { kind: Kind.SELECTION_SET; selections: SelectionNode[] } {
  const selections = list(v).map((s): SelectionNode => {
    // gqlparser tells the three apart by their fields: a field has an alias, a spread a name.
    if ("Alias" in s) {
      const sub = list(s.SelectionSet);
      return { kind: Kind.FIELD, alias: text(s.Alias) && s.Alias !== s.Name ? name(s.Alias) : undefined, name: name(s.Name), arguments: fromArgs(s.Arguments), directives: fromDirectives(s.Directives), selectionSet: sub.length > 0 ? fromSelections(sub) : undefined };
    }
    if ("Name" in s) return { kind: Kind.FRAGMENT_SPREAD, name: name(s.Name), directives: fromDirectives(s.Directives) };
    return { kind: Kind.INLINE_FRAGMENT, typeCondition: text(s.TypeCondition) ? { kind: Kind.NAMED_TYPE, name: name(s.TypeCondition) } : undefined, directives: fromDirectives(s.Directives), selectionSet: fromSelections(s.SelectionSet) };
  });
  return { kind: Kind.SELECTION_SET, selections };
}

const OPERATIONS: Record<string, OperationTypeNode> = { query: OperationTypeNode.QUERY, mutation: OperationTypeNode.MUTATION, subscription: OperationTypeNode.SUBSCRIPTION };

export function fromGqlQuery(o: Obj): DocumentNode {
  const defs: ExecutableDefinitionNode[] = [];
  for (const op of list(o.Operations)) {
    defs.push({
      kind: Kind.OPERATION_DEFINITION,
      operation: OPERATIONS[text(op.Operation)] ?? OperationTypeNode.QUERY,
      name: text(op.Name) ? name(op.Name) : undefined,
      variableDefinitions: fromVariables(op.VariableDefinitions),
      directives: fromDirectives(op.Directives),
      selectionSet: fromSelections(op.SelectionSet),
    });
  }
  for (const f of list(o.Fragments)) {
    defs.push({ kind: Kind.FRAGMENT_DEFINITION, name: name(f.Name), variableDefinitions: fromVariables(f.VariableDefinition), typeCondition: { kind: Kind.NAMED_TYPE, name: name(f.TypeCondition) }, directives: fromDirectives(f.Directives), selectionSet: fromSelections(f.SelectionSet) });
  }
  return { kind: Kind.DOCUMENT, definitions: defs };
}

const describe = (v: unknown) => (text(v) ? { kind: Kind.STRING, value: text(v) } : undefined) as never;

function fromArgumentDefs(v: unknown): InputValueDefinitionNode[] {
  return list(v).map((a) => ({ kind: Kind.INPUT_VALUE_DEFINITION, description: describe(a.Description), name: name(a.Name), type: fromType(a.Type), defaultValue: fromValue(a.DefaultValue) as never, directives: fromDirectives(a.Directives) }));
}

const KIND_NODES: Record<string, [Kind, Kind]> = {
  SCALAR: [Kind.SCALAR_TYPE_DEFINITION, Kind.SCALAR_TYPE_EXTENSION],
  OBJECT: [Kind.OBJECT_TYPE_DEFINITION, Kind.OBJECT_TYPE_EXTENSION],
  INTERFACE: [Kind.INTERFACE_TYPE_DEFINITION, Kind.INTERFACE_TYPE_EXTENSION],
  UNION: [Kind.UNION_TYPE_DEFINITION, Kind.UNION_TYPE_EXTENSION],
  ENUM: [Kind.ENUM_TYPE_DEFINITION, Kind.ENUM_TYPE_EXTENSION],
  INPUT_OBJECT: [Kind.INPUT_OBJECT_TYPE_DEFINITION, Kind.INPUT_OBJECT_TYPE_EXTENSION],
};

function fromDefinition(d: Obj, extension: boolean): DefinitionNode | undefined {
  const kinds = KIND_NODES[text(d.Kind)];
  if (!kinds) return undefined;
  const kind = kinds[extension ? 1 : 0];
  const input = text(d.Kind) === "INPUT_OBJECT";
  const named = (v: unknown) => (Array.isArray(v) ? v : []).map((x) => ({ kind: Kind.NAMED_TYPE, name: name(x) }));
  return {
    kind,
    ...(extension ? {} : { description: describe(d.Description) }),
    name: name(d.Name),
    directives: fromDirectives(d.Directives),
    interfaces: named(d.Interfaces),
    types: named(d.Types),
    values: list(d.EnumValues).map((e) => ({ kind: Kind.ENUM_VALUE_DEFINITION, description: describe(e.Description), name: name(e.Name), directives: fromDirectives(e.Directives) })),
    fields: list(d.Fields).map((f) =>
      input
        ? { kind: Kind.INPUT_VALUE_DEFINITION, description: describe(f.Description), name: name(f.Name), type: fromType(f.Type), defaultValue: fromValue(f.DefaultValue), directives: fromDirectives(f.Directives) }
        : { kind: Kind.FIELD_DEFINITION, description: describe(f.Description), name: name(f.Name), arguments: fromArgumentDefs(f.Arguments), type: fromType(f.Type), directives: fromDirectives(f.Directives) },
    ),
  } as never;
}

export function fromGqlSchema(o: Obj): DocumentNode {
  const defs: DefinitionNode[] = [];
  const schemaDef = (s: Obj, extension: boolean): DefinitionNode =>
    ({
      kind: extension ? Kind.SCHEMA_EXTENSION : Kind.SCHEMA_DEFINITION,
      ...(extension ? {} : { description: describe(s.Description) }),
      directives: fromDirectives(s.Directives),
      operationTypes: list(s.OperationTypes).map((t) => ({ kind: Kind.OPERATION_TYPE_DEFINITION, operation: OPERATIONS[text(t.Operation)] ?? OperationTypeNode.QUERY, type: { kind: Kind.NAMED_TYPE, name: name(t.Type) } })),
    }) as never;
  for (const s of list(o.Schema)) defs.push(schemaDef(s, false));
  for (const s of list(o.SchemaExtension)) defs.push(schemaDef(s, true));
  for (const d of list(o.Directives)) {
    defs.push({
      kind: Kind.DIRECTIVE_DEFINITION,
      description: describe(d.Description),
      name: name(d.Name),
      arguments: fromArgumentDefs(d.Arguments),
      repeatable: d.IsRepeatable === true,
      locations: (Array.isArray(d.Locations) ? d.Locations : []).map((l) => name(l)),
    });
  }
  for (const d of list(o.Definitions)) {
    const n = fromDefinition(d, false);
    if (n) defs.push(n);
  }
  for (const d of list(o.Extensions)) {
    const n = fromDefinition(d, true);
    if (n) defs.push(n);
  }
  return { kind: Kind.DOCUMENT, definitions: defs };
}
