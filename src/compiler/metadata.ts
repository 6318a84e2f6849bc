// Stage "metadata calls": `rego.metadata.rule()` and `rego.metadata.chain()` are folded, at each
// call site, into the constant their rule's annotations make (as OPA's compiler rewrites them), so
// both engines evaluate a plain literal and no engine needs to know which rule is running.
import type { Annotation, Body, Expr, Location, Module, Term } from "../syntax/ast.ts";
import { refName } from "./terms.ts";
import { walkNodes, type RuleDef, type RuleNode } from "./rules.ts";
import type { CompileState } from "./stages.ts";

const RULE = "rego.metadata.rule";
const CHAIN = "rego.metadata.chain";

/** OPA's JSON form of an annotation: known keys only, authors and related resources normalised. */
export function annotationJSON(a: Annotation): Record<string, unknown> {
  const d = a.data;
  const out: Record<string, unknown> = { scope: a.scope };
  if (typeof d.title === "string") out.title = d.title;
  if (d.entrypoint === true) out.entrypoint = true;
  if (typeof d.description === "string") out.description = d.description;
  if (Array.isArray(d.organizations)) out.organizations = d.organizations;
  if (Array.isArray(d.related_resources)) out.related_resources = d.related_resources.map((r) => (typeof r === "string" ? { ref: r } : r));
  if (Array.isArray(d.authors)) out.authors = d.authors.map(author);
  if (Array.isArray(d.schemas)) out.schemas = d.schemas.flatMap(schema);
  if (d.custom !== undefined && d.custom !== null) out.custom = d.custom;
  return out;
}

/** `Name <email>` as {name, email}; a bare name as {name}. */
function author(a: unknown): unknown {
  if (typeof a !== "string") return a;
  const m = /^(.*?)\s*<([^<>]*)>$/.exec(a.trim());
  if (!m) return { name: a.trim() };
  return m[1] ? { name: m[1], email: m[2] } : { email: m[2] };
}

/** A ref's text (`input.x`, `schema.a.b`) as OPA's JSON terms: a var head, then string keys. */
function refJSON(text: string): unknown[] {
  const [head, ...keys] = text.split(".");
  return [{ type: "var", value: head }, ...keys.map((k) => ({ type: "string", value: k }))];
}

/** `- input: schema.x` as {path, schema}; `- input.x: {…}` as {path, definition}. */
function schema(entry: unknown): unknown[] {
  if (entry === null || typeof entry !== "object") return [];
  return Object.entries(entry as Record<string, unknown>).map(([path, v]) =>
    typeof v === "string" ? { path: refJSON(path), schema: refJSON(v) } : { path: refJSON(path), definition: v },
  );
}

/** A JSON value as a constant term. */
function constant(v: unknown, loc: Location): Term {
  if (v === null || v === undefined) return { type: "null", loc };
  if (typeof v === "boolean") return { type: "boolean", value: v, loc };
  if (typeof v === "number" || typeof v === "bigint") return { type: "number", value: String(v), loc };
  if (typeof v === "string") return { type: "string", value: v, loc };
  if (v instanceof Date) return { type: "string", value: v.toISOString(), loc };
  if (Array.isArray(v)) return { type: "array", items: v.map((x) => constant(x, loc)), loc };
  return { type: "object", entries: Object.entries(v as Record<string, unknown>).map(([k, x]) => [{ type: "string", value: k, loc }, constant(x, loc)]), loc };
}

/** What the two calls fold to for one rule definition. */
interface Folded {
  rule: unknown;
  chain: unknown;
}

/** Package and subpackages annotations, by package path. */
function packageAnnotations(modules: Module[]): Map<string, Annotation[]> {
  const out = new Map<string, Annotation[]>();
  for (const m of modules) {
    const a = m.package.annotations;
    if (!a) continue;
    const key = m.package.path.join(".");
    out.set(key, [...(out.get(key) ?? []), a]);
  }
  return out;
}

function folded(d: RuleDef, node: RuleNode, pkg: string[], packages: Map<string, Annotation[]>): Folded {
  const own = d.source.annotations?.scope === "rule" ? d.source.annotations : undefined;
  const chain: unknown[] = [own ? { path: d.path, annotations: annotationJSON(own) } : { path: d.path }];
  const all = [...node.complete, ...node.multi, ...node.object, ...node.functions, node.defaultRule, node.defaultFunction];
  for (const other of all) {
    const a = other?.source.annotations;
    if (a?.scope === "document") chain.push({ path: d.path, annotations: annotationJSON(a) });
  }
  for (let n = pkg.length; n >= 1; n--) {
    const path = pkg.slice(0, n);
    for (const a of packages.get(path.join(".")) ?? []) {
      if ((a.scope === "package" && n === pkg.length) || a.scope === "subpackages") chain.push({ path, annotations: annotationJSON(a) });
    }
  }
  return { rule: own ? annotationJSON(own) : {}, chain };
}

/** `xs` mapped by `f`; `xs` itself when no element changed, so untouched rules allocate nothing. */
function mapped<T>(xs: T[], f: (x: T) => T): T[] {
  let out: T[] | undefined;
  for (const [i, x] of xs.entries()) {
    const y = f(x);
    if (y !== x && !out) out = xs.slice(0, i);
    if (out) out.push(y);
  }
  return out ?? xs;
}

/** `t` with the two calls replaced by their constants: a copy where anything below changed, else `t`. */
function foldTerm(t: Term, f: Folded): Term {
  const fold = (x: Term) => foldTerm(x, f);
  switch (t.type) {
    case "call": {
      const name = t.args.length === 0 ? refName(t.operator) : null;
      if (name === RULE) return constant(f.rule, t.loc);
      if (name === CHAIN) return constant(f.chain, t.loc);
      const args = mapped(t.args, fold);
      return args === t.args ? t : { ...t, args };
    }
    case "ref": {
      const terms = mapped(t.terms, fold);
      return terms === t.terms ? t : { ...t, terms };
    }
    case "array":
    case "set": {
      const items = mapped(t.items, fold);
      return items === t.items ? t : { ...t, items };
    }
    case "object": {
      const entries = mapped(t.entries, (e) => {
        const [k, v] = [fold(e[0]), fold(e[1])];
        return k === e[0] && v === e[1] ? e : ([k, v] as [Term, Term]);
      });
      return entries === t.entries ? t : { ...t, entries };
    }
    case "arraycomp":
    case "setcomp": {
      const [term, body] = [fold(t.term), foldBody(t.body, f)];
      return term === t.term && body === t.body ? t : { ...t, term, body };
    }
    case "objectcomp": {
      const [key, value, body] = [fold(t.key), fold(t.value), foldBody(t.body, f)];
      return key === t.key && value === t.value && body === t.body ? t : { ...t, key, value, body };
    }
    default:
      return t;
  }
}

function foldExpr(e: Expr, f: Folded): Expr {
  const fold = (x: Term) => foldTerm(x, f);
  const w = mapped(e.with, (x) => {
    const value = fold(x.value);
    return value === x.value ? x : { ...x, value };
  });
  const same = w === e.with;
  switch (e.kind) {
    case "term": {
      const term = fold(e.term);
      return same && term === e.term ? e : { ...e, with: w, term };
    }
    case "unify":
    case "assign": {
      const [left, right] = [fold(e.left), fold(e.right)];
      return same && left === e.left && right === e.right ? e : { ...e, with: w, left, right };
    }
    case "somein": {
      const [key, value, collection] = [e.key && fold(e.key), fold(e.value), fold(e.collection)];
      return same && key === e.key && value === e.value && collection === e.collection ? e : { ...e, with: w, key, value, collection };
    }
    case "every": {
      const [domain, body] = [fold(e.domain), foldBody(e.body, f)];
      return same && domain === e.domain && body === e.body ? e : { ...e, with: w, domain, body };
    }
    case "some":
      return e;
  }
}

function foldBody(body: Body, f: Folded): Body {
  return mapped(body, (e) => foldExpr(e, f));
}

function foldDef(d: RuleDef, f: Folded): void {
  const fold = (x: Term) => foldTerm(x, f);
  d.keys = mapped(d.keys, fold);
  d.args = mapped(d.args, fold);
  if (d.key) d.key = fold(d.key);
  d.value = fold(d.value);
  d.body = foldBody(d.body, f);
}

/** Stage "metadata calls", over the resolved rule tree (the definitions are the compiler's copies). */
export function foldMetadataCalls(s: CompileState): void {
  const packages = packageAnnotations(s.modules);
  const packageOf = new Map<object, string[]>();
  for (const m of s.modules) for (const r of m.rules) packageOf.set(r, m.package.path);
  walkNodes(s.root, (node) => {
    const defs = [...node.complete, ...node.multi, ...node.object, ...node.functions, node.defaultRule, node.defaultFunction];
    for (const d of defs) {
      if (!d) continue;
      // An else branch is part of its rule: it sees the rule's annotations. Computed on first use.
      let cached: Folded | undefined;
      const get = () => (cached ??= folded(d, node, packageOf.get(d.source) ?? [], packages));
      const f: Folded = { get rule() { return get().rule; }, get chain() { return get().chain; } };
      foldDef(d, f);
      d.elses.forEach((e) => foldDef(e, f));
    }
  });
}
