// Probes: how the test runner sees which expressions evaluated, for coverage and for naming the
// expression that made a test fail, without a tracing interpreter.
//
// Before compiling, a copy of every module gets a probe expression in front of each expression
// of each body (rules, else branches, `every`, comprehensions) and one at the end of each rule
// body: a string constant such as "__warden_probe__:17", which always holds and binds nothing, so
// the rule means what it meant. The planner turns each into a NotEqualStmt on that string;
// `attachProbes` replaces those statements in the plan IR by "add the number 17 to the result
// set", which the reference interpreter does wherever it runs them. The numbers in an
// evaluation's result set are the probes it reached. (Safety ordering may move an expression
// that needs a later binding after its probe; the probe then fires a little early.)
import { mapSubterms, type Body, type Expr, type Location, type Module, type Rule, type Term } from "../syntax/ast.ts";
import type { Block, Policy, Stmt } from "../ir/ir.ts";
import type { Value } from "../values/value.ts";

const PREFIX = "__warden_probe__:";
/** The tag of a variable's value, printed before the expression it appears in (--var-values). */
export const VAR_TAG = "__warden_var__:";

export interface Probe {
  id: number;
  file: string;
  row: number;
  /** `expr`: the expression `expr` (at `index` of its body) was reached; `head`: the body held. */
  kind: "expr" | "head";
  /** The rule or else branch whose own body holds the probe (`file:row:col`); absent in nested bodies. */
  owner?: string;
  index: number;
}

export interface Instrumented {
  modules: Module[];
  probes: Probe[];
}

export function ruleKey(loc: Location): string {
  return `${loc.file}:${loc.row}:${loc.col}`;
}

/**
 * Copies of the modules with probes in every body. With `varValues`, each expression of a rule's
 * own body is also preceded by `print("__warden_var__:<probe>:x", [x])` for every variable of it
 * that an earlier expression bound (`:=`, `=` with a plain variable, `some … in`): the values a
 * failing expression saw, as the reference interpreter prints them.
 */
export function instrument(modules: Module[], opts: { varValues?: boolean } = {}): Instrumented {
  const probes: Probe[] = [];
  const probe = (loc: Location, kind: Probe["kind"], index: number, owner?: string): Expr => {
    const id = probes.length;
    probes.push({ id, file: loc.file, row: loc.row, kind, index, ...(owner ? { owner } : {}) });
    return { kind: "term", negated: false, with: [], loc, term: { type: "string", value: PREFIX + id, loc } };
  };
  const body = (b: Body, owner?: string): Body => {
    const out: Body = [];
    const bound = new Set<string>();
    b.forEach((e, i) => {
      const p = probe(e.loc, "expr", i, owner);
      if (opts.varValues && owner) {
        const id = probes.length - 1;
        for (const v of varsOf(e)) if (bound.has(v)) out.push(varPrint(`${VAR_TAG}${id}:${v}`, v, e.loc));
        for (const v of bindsOf(e)) bound.add(v);
      }
      out.push(p);
      out.push(expr(e));
    });
    return out;
  };
  const expr = (e: Expr): Expr => {
    const withs = e.with.map((w) => ({ ...w, value: term(w.value) }));
    switch (e.kind) {
      case "term":
        return { ...e, with: withs, term: term(e.term) };
      case "unify":
      case "assign":
        return { ...e, with: withs, left: term(e.left), right: term(e.right) };
      case "somein":
        return { ...e, with: withs, collection: term(e.collection) };
      case "every":
        return { ...e, with: withs, domain: term(e.domain), body: body(e.body) };
      default:
        return e;
    }
  };
  const term = (t: Term): Term => {
    switch (t.type) {
      case "arraycomp":
      case "setcomp":
        return { ...t, term: term(t.term), body: body(t.body) };
      case "objectcomp":
        return { ...t, key: term(t.key), value: term(t.value), body: body(t.body) };
      default:
        return mapSubterms(t, term);
    }
  };
  const rule = (r: Rule): Rule => {
    if (r.default) return r;
    const owner = ruleKey(r.loc);
    const head = { ...r.head, ...(r.head.value ? { value: term(r.head.value) } : {}) };
    const out: Rule = { ...r, head, body: [...body(r.body, owner), probe(r.loc, "head", r.body.length, owner)] };
    if (r.else) out.else = rule(r.else);
    return out;
  };
  return { modules: modules.map((m) => ({ ...m, rules: m.rules.map(rule) })), probes };
}

/** `print(tag, [name])`: the value in an array, so that a string prints quoted. */
function varPrint(tag: string, name: string, loc: Location): Expr {
  const operator: Term = { type: "ref", terms: [{ type: "var", name: "print", loc }], loc } as Term;
  const args: Term[] = [{ type: "string", value: tag, loc }, { type: "array", items: [{ type: "var", name, loc }], loc }];
  return { kind: "term", negated: false, with: [], loc, term: { type: "call", operator: operator as Extract<Term, { type: "ref" }>, args, loc } };
}

/** Every variable an expression names (wildcards aside). */
function varsOf(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((x) => varsOf(x, out));
  else if (node !== null && typeof node === "object") {
    const o = node as Record<string, unknown>;
    if (o.type === "var" && typeof o.name === "string" && !o.name.startsWith("_") && !o.name.startsWith("$")) out.add(o.name);
    for (const [k, v] of Object.entries(o)) if (k !== "loc") varsOf(v, out);
  }
  return out;
}

/** The variables an expression certainly binds, when it holds. */
function bindsOf(e: Expr): Set<string> {
  if (e.kind === "assign") return varsOf(e.left);
  if (e.kind === "unify") return new Set([e.left, e.right].flatMap((t) => (t.type === "var" ? [t.name] : [])));
  if (e.kind === "somein") return varsOf([e.key, e.value]);
  return new Set();
}

/** Turns the probe statements of planned, instrumented modules into result-set additions. */
export function attachProbes(policy: Policy): Policy {
  const ids = new Map<number, number>();
  policy.strings.forEach((s, i) => {
    if (s.startsWith(PREFIX)) ids.set(i, Number(s.slice(PREFIX.length)));
  });
  const rewrite = (b: Block, tmp: number): Block => ({
    stmts: b.stmts.flatMap((s): Stmt[] => {
      if (s.type === "notequal" && s.a.kind === "string" && ids.has(s.a.index)) {
        return [
          { type: "makenumberint", value: ids.get(s.a.index)!, target: tmp },
          { type: "resultsetadd", value: tmp },
        ];
      }
      if (s.type === "block") return [{ ...s, blocks: s.blocks.map((x) => rewrite(x, tmp)) }];
      if (s.type === "scan") return [{ ...s, block: rewrite(s.block, tmp) }];
      return [s];
    }),
  });
  return {
    ...policy,
    funcs: policy.funcs.map((f) => ({ ...f, locals: f.locals + 1, blocks: f.blocks.map((b) => rewrite(b, f.locals)) })),
    plans: policy.plans.map((p) => ({ ...p, locals: p.locals + 1, blocks: p.blocks.map((b) => rewrite(b, p.locals)) })),
  };
}

/** Splits an instrumented evaluation's result set into the probes reached and the real results. */
export function splitResults(results: Value[]): { hits: Set<number>; results: Value[] } {
  const hits = new Set<number>();
  const real: Value[] = [];
  for (const r of results) {
    if (typeof r === "number") hits.add(r);
    else real.push(r);
  }
  return { hits, results: real };
}
