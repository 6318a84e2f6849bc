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
import type { Body, Expr, Location, Module, Rule, Term } from "../syntax/ast.ts";
import type { Block, Policy, Stmt } from "../ir/ir.ts";
import type { Value } from "../values/value.ts";

const PREFIX = "__warden_probe__:";

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

/** Copies of the modules with probes in every body. */
export function instrument(modules: Module[]): Instrumented {
  const probes: Probe[] = [];
  const probe = (loc: Location, kind: Probe["kind"], index: number, owner?: string): Expr => {
    const id = probes.length;
    probes.push({ id, file: loc.file, row: loc.row, kind, index, ...(owner ? { owner } : {}) });
    return { kind: "term", negated: false, with: [], loc, term: { type: "string", value: PREFIX + id, loc } };
  };
  const body = (b: Body, owner?: string): Body => {
    const out: Body = [];
    b.forEach((e, i) => {
      out.push(probe(e.loc, "expr", i, owner));
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
      case "ref":
        return { ...t, terms: t.terms.map(term) };
      case "call":
        return { ...t, args: t.args.map(term) };
      case "array":
      case "set":
        return { ...t, items: t.items.map(term) };
      case "object":
        return { ...t, entries: t.entries.map(([k, v]) => [term(k), term(v)] as [Term, Term]) };
      case "arraycomp":
      case "setcomp":
        return { ...t, term: term(t.term), body: body(t.body) };
      case "objectcomp":
        return { ...t, key: term(t.key), value: term(t.value), body: body(t.body) };
      default:
        return t;
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
