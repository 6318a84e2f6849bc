// A module as OPA's AST JSON (Go's encoding/json of ast.Module, without locations): what
// rego.parse_module returns. Terms are {type, value}; expressions {index, terms, negated?, with?},
// where a call is [operator ref, args...], `=` is `eq` and `:=` is `assign`; bodiless rules get
// OPA's `true` body; comments as Go prints ast.Comment ({Location, Text} with Text in base64).
// Annotations are left out: OPA's ParseModule does not process them.
import type { Body, Expr, Import, Module, Rule, RuleHead, Term } from "./ast.ts";
import { compare, parseNumber, type BigNumber, type Value } from "../values/value.ts";

/** JSON, with numbers kept exact (a BigNumber where a JS number cannot hold them). */
type Json = null | boolean | number | BigNumber | string | Json[] | { [k: string]: Json };

const TRUE: Term = { type: "boolean", value: true, loc: { file: "", row: 0, col: 0 } };

function ref(name: string): Json {
  const [head, ...keys] = name.split(".");
  return { type: "ref", value: [{ type: "var", value: head! }, ...keys.map((k) => ({ type: "string", value: k }))] };
}

export function termJSON(t: Term): Json {
  switch (t.type) {
    case "null":
      return { type: "null", value: null };
    case "boolean":
      return { type: "boolean", value: t.value };
    case "number":
      return { type: "number", value: parseNumber(t.value) ?? Number(t.value) };
    case "string":
      return { type: "string", value: t.value };
    case "var":
      return { type: "var", value: t.name };
    case "ref":
      return { type: "ref", value: t.terms.map(termJSON) };
    case "array":
      return { type: "array", value: t.items.map(termJSON) };
    case "set":
      return { type: "set", value: sortedItems(t.items).map(termJSON) };
    case "object":
      return { type: "object", value: t.entries.map(([k, v]) => [termJSON(k), termJSON(v)]) };
    case "call":
      return { type: "call", value: [termJSON(t.operator), ...t.args.map(termJSON)] };
    case "arraycomp":
    case "setcomp":
      return { type: t.type, value: { term: termJSON(t.term), body: bodyJSON(t.body) } };
    case "objectcomp":
      return { type: "objectcomp", value: { key: termJSON(t.key), value: termJSON(t.value), body: bodyJSON(t.body) } };
  }
}

/** A scalar constant's value, or undefined for any other term. */
function scalar(t: Term): Value | undefined {
  switch (t.type) {
    case "null":
      return null;
    case "boolean":
    case "string":
      return t.value;
    case "number":
      return parseNumber(t.value);
    default:
      return undefined;
  }
}

/** A set's members in Rego's order (as Go prints ast.Set) when all are scalars; else as written. */
function sortedItems(items: Term[]): Term[] {
  const values = items.map(scalar);
  if (values.some((v) => v === undefined)) return items;
  return items.map((t, i) => [t, values[i]!] as const).sort((a, b) => compare(a[1], b[1])).map(([t]) => t);
}

/** An expression's `terms`: one term, a call's [operator, args...], or a `some`/`every` declaration. */
function exprTerms(e: Expr): Json {
  switch (e.kind) {
    case "term":
      return e.term.type === "call" ? [termJSON(e.term.operator), ...e.term.args.map(termJSON)] : termJSON(e.term);
    case "unify":
      return [ref("eq"), termJSON(e.left), termJSON(e.right)];
    case "assign":
      return [ref("assign"), termJSON(e.left), termJSON(e.right)];
    case "some":
      return { symbols: e.vars.map(termJSON) };
    case "somein": {
      const args = [...(e.key ? [termJSON(e.key)] : []), termJSON(e.value), termJSON(e.collection)];
      return { symbols: [{ type: "call", value: [ref(e.key ? "internal.member_3" : "internal.member_2"), ...args] }] };
    }
    case "every": {
      return { key: e.key ? termJSON(e.key) : null, value: termJSON(e.value), domain: termJSON(e.domain), body: bodyJSON(e.body) };
    }
  }
}

function exprJSON(e: Expr, index: number): Json {
  const out: { [k: string]: Json } = { index, terms: exprTerms(e) };
  if (e.negated) out.negated = true;
  if (e.with.length) out.with = e.with.map((w) => ({ target: termJSON(w.target), value: termJSON(w.value) }));
  return out;
}

function bodyJSON(body: Body): Json {
  return (body.length ? body : [{ kind: "term", term: TRUE, negated: false, with: [], loc: TRUE.loc } as Expr]).map(exprJSON);
}

function headJSON(h: RuleHead): Json {
  const out: { [k: string]: Json } = {};
  const name = h.ref[0];
  if (h.ref.length === 1 && name?.type === "var") out.name = name.name;
  out.ref = h.ref.map(termJSON);
  if (h.args) out.args = h.args.map(termJSON);
  if (h.key) out.key = termJSON(h.key);
  if (h.value) out.value = termJSON(h.value);
  else if (!h.contains) out.value = termJSON(TRUE);
  if (h.assign) out.assign = true;
  return out;
}

function ruleJSON(r: Rule, head: RuleHead = r.head): Json {
  const out: { [k: string]: Json } = {};
  if (r.default) out.default = true;
  out.head = headJSON(head);
  out.body = bodyJSON(r.body);
  // An else branch carries the rule's name and arguments with its own value.
  if (r.else) out.else = ruleJSON(r.else, { ...r.head, value: r.else.head.value, assign: r.head.assign });
  return out;
}

function importJSON(i: Import): Json {
  const out: { [k: string]: Json } = { path: termJSON(i.path) };
  if (i.alias) out.alias = i.alias;
  return out;
}

export function moduleJSON(m: Module): Json {
  const out: { [k: string]: Json } = {
    package: { path: [{ type: "var", value: "data" }, ...m.package.path.map((p) => ({ type: "string", value: p }))] },
  };
  if (m.imports.length) out.imports = m.imports.map(importJSON);
  if (m.rules.length) out.rules = m.rules.map((r) => ruleJSON(r));
  if (m.comments.length) {
    out.comments = m.comments.map((c) => ({
      Location: { file: c.loc.file, row: c.loc.row, col: c.loc.col },
      Text: Buffer.from(c.text, "utf8").toString("base64"),
    }));
  }
  return out;
}
