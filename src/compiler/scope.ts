// Stage: resolve names. Guarantees for the next stages: every var term names exactly one local of
// one body (renamed `name$N`, unique across the compilation, `_` wildcards each their own), and
// every reference to a rule or import is a `data...`/`input...` ref (or a call operator ref).
import { mapSubterms, type Body, type Expr, type Location, type RefTerm, type Term, type VarTerm, type With } from "../syntax/ast.ts";
import { RegoError } from "../errors.ts";
import { exprTerms, forEachChild, refName, refTerm, varTerm } from "./terms.ts";
import { lookupBuiltin } from "../builtins/registry.ts";

const isBuiltinName = (name: string) => lookupBuiltin(name) !== undefined;

/** What a bare name means in a module: a rule of its package or an import. */
export type Globals = ReadonlyMap<string, RefTerm>;

const ROOTS = new Set(["input", "data"]);

/** Allocates unique local names and remembers which user name each one stands for. */
export class LocalNames {
  private n = 0;
  readonly original = new Map<string, string>();
  fresh(name: string): string {
    const unique = `${name}$${++this.n}`;
    this.original.set(unique, name);
    return unique;
  }
  /** The user's name for a local, or undefined for generated and wildcard locals. */
  userName(local: string): string | undefined {
    const name = this.original.get(local);
    return name === undefined || name.startsWith("_") || name.startsWith("$") ? undefined : name;
  }
}

class Scope {
  readonly declared = new Map<string, string>();
  /** Undeclared names used in this body, mapped to their locals. */
  readonly implicit = new Map<string, string>();
  /** Names of the undeclared vars at this body's top level (closures may refer to them). */
  topLevel = new Set<string>();
  constructor(readonly parent: Scope | null) {}

  lookup(name: string): string | undefined {
    for (let s: Scope | null = this; s; s = s.parent) {
      const d = s.declared.get(name) ?? s.implicit.get(name);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  /** True if an enclosing body uses `name` undeclared, so a closure's `name` is that one. */
  enclosingUses(name: string): Scope | null {
    for (let s = this.parent; s; s = s.parent) if (s.topLevel.has(name)) return s;
    return null;
  }
}

/** How a local came to be: what the unused-var checks report it as. */
export type DeclarationKind = "argument" | "assigned" | "declared" | "pattern";

/** A local the rule being resolved declares, and how often it was referred to after that. */
export interface Declaration {
  kind: DeclarationKind;
  name: string;
  loc: Location;
  uses: number;
}

export class Resolver {
  constructor(
    private readonly globals: Globals,
    readonly names: LocalNames,
    private readonly errors: RegoError[],
  ) {}

  private scope = new Scope(null);
  /** The declarations since beginRule, by local (for the unused-var checks). */
  private declarations = new Map<string, Declaration>();
  /** The global names (imports, rules of the package) that some var resolved to. */
  readonly globalsUsed = new Set<string>();

  /** The declarations of the rule resolved since beginRule, each with its use count. */
  ruleDeclarations(): Declaration[] {
    return [...this.declarations.values()];
  }

  /** Declares the vars of function arguments (patterns bound at entry) in a fresh rule scope. */
  beginRule(args: Term[] = []): Term[] {
    this.scope = new Scope(null);
    this.declarations = new Map();
    const declare = (t: Term): Term => {
      if (t.type === "var") {
        // A var repeated among the arguments is one var: the arguments must agree (f(x, x)).
        const seen = t.name !== "_" ? this.scope.declared.get(t.name) : undefined;
        if (seen !== undefined) this.used(seen);
        return seen !== undefined ? varTerm(seen, t.loc) : this.declare(t, "argument");
      }
      return this.mapChildren(t, declare);
    };
    return args.map(declare);
  }

  /** Resolves a rule or query body in the current scope (the head is resolved separately). */
  body(body: Body): Body {
    this.scope.topLevel = topLevelNames(body);
    return body.flatMap((e) => {
      const resolved = this.expr(e);
      if (!resolved.negated) return [resolved];
      const { before, expr } = this.callsOutOfNegation(resolved);
      return [...before, ...this.outOfNegation(expr)];
    });
  }

  /**
   * OPA's compiler (expandExpr, stage RewriteExprTerms) evaluates every call nested in an
   * expression's operands first, in an expression of its own, and for a negated expression that
   * is outside the negation: `not "a" in object.keys(f(x))` fails the body when f(x) is undefined.
   * The expression's own call stays negated; comprehensions keep their calls (closures).
   */
  private callsOutOfNegation(e: Expr): { before: Expr[]; expr: Expr } {
    const before: Expr[] = [];
    const expand = (t: Term): Term => {
      switch (t.type) {
        case "call": {
          const call = { ...t, args: t.args.map(expand) };
          const v = varTerm(this.names.fresh("$neg"), t.loc);
          before.push({ kind: "unify", left: v, right: call, negated: false, with: e.with, loc: t.loc });
          return v;
        }
        case "arraycomp":
        case "setcomp":
        case "objectcomp":
          return t;
        default:
          return mapSubterms(t, expand);
      }
    };
    const operands = (t: Term): Term => (t.type === "call" ? { ...t, args: t.args.map(expand) } : expand(t));
    let expr: Expr = e;
    if (e.kind === "term") expr = { ...e, term: operands(e.term) };
    else if (e.kind === "unify") expr = { ...e, left: expand(e.left), right: expand(e.right) };
    return { before, expr };
  }

  /**
   * As OPA's compiler does (stage RewriteDynamicTerms), the dynamic terms of a negated expression
   * are evaluated before it, in expressions of their own: the refs among the arguments of a call,
   * of a built-in as of one of the policy's functions (`not f(input.x)` is `t = input.x; not f(t)`,
   * `not startswith(xs[0], "a")` likewise), and the refs used as keys of a ref (`not obj[input.k]`).
   * So an undefined argument fails the body rather than making the negation true.
   */
  private outOfNegation(e: Expr): Expr[] {
    const before: Expr[] = [];
    const hoist = (t: Term): Term => {
      const v = varTerm(this.names.fresh("$neg"), t.loc);
      before.push({ kind: "unify", left: v, right: t, negated: false, with: e.with, loc: t.loc });
      return v;
    };
    const keys = (t: RefTerm): RefTerm => ({ ...t, terms: [t.terms[0]!, ...t.terms.slice(1).map(dynamic)] });
    // OPA's rewriteDynamics: a ref (its keys first) becomes a local; composites and calls are
    // rewritten inside; other terms (vars, scalars, comprehensions) stay.
    const dynamic = (t: Term): Term => {
      if (t.type === "ref") return hoist(keys(t));
      if (t.type === "var" && t.name === "input") return hoist(t);
      if (t.type === "call") return { ...t, args: t.args.map(dynamic) };
      if (t.type === "array" || t.type === "set") return { ...t, items: t.items.map(dynamic) };
      if (t.type === "object") return { ...t, entries: t.entries.map(([k, v]) => [dynamic(k), dynamic(v)] as [Term, Term]) };
      return t;
    };
    // The sides of a unification (and of `a == b`, which OPA's stage RewriteEquals makes one) keep
    // their own ref, `not input.x == 1` holds when input.x is undefined; its keys, and the refs
    // inside a composite side, move out.
    const side = (t: Term): Term => (t.type === "ref" ? keys(t) : t.type === "var" ? t : dynamic(t));
    const isEquals = (t: Extract<Term, { type: "call" }>) => refName(t.operator) === "equal" && t.args.length === 2;
    const inTerm = (t: Term): Term => {
      if (t.type !== "call") return side(t);
      return { ...t, args: t.args.map(isEquals(t) ? side : dynamic) };
    };
    let out: Expr = e;
    if (e.kind === "term") out = { ...e, term: inTerm(e.term) };
    else if (e.kind === "unify") out = { ...e, left: side(e.left), right: side(e.right) };
    return [...before, out];
  }

  /** Resolves a term of the head (key, value, ref keys) after the body, in the body's scope. */
  headTerm(t: Term): Term {
    return this.term(t);
  }

  /** Names of this scope's top-level locals (for query results). */
  topLocals(): Map<string, string> {
    return new Map([...this.scope.implicit, ...this.scope.declared]);
  }

  private expr(e: Expr): Expr {
    const withs = e.with.map((w) => this.with(w));
    switch (e.kind) {
      case "term":
        return { ...e, term: this.term(e.term), with: withs };
      case "unify":
        return { ...e, left: this.term(e.left), right: this.term(e.right), with: withs };
      case "assign": {
        const right = this.term(e.right);
        const left = this.declarePattern(e.left, "assigned");
        return { ...e, left, right, with: withs };
      }
      case "some":
        return { ...e, vars: e.vars.map((v) => this.declare(v, "declared")), with: withs };
      case "somein": {
        const collection = this.term(e.collection);
        const key = e.key && this.declarePattern(e.key, "pattern");
        const value = this.declarePattern(e.value, "pattern");
        return { ...e, key, value, collection, with: withs };
      }
      case "every": {
        const domain = this.term(e.domain);
        const outer = this.scope;
        this.scope = new Scope(outer);
        const key = e.key && this.declare(e.key, "pattern");
        const value = this.declare(e.value, "pattern");
        const body = this.body(e.body);
        this.scope = outer;
        return { ...e, key, value, domain, body, with: withs };
      }
    }
  }

  private with(w: With): With {
    const target = w.target;
    const head = target.terms[0]!;
    let resolved: RefTerm = target;
    if (head.type === "var" && !ROOTS.has(head.name)) resolved = this.operator(target);
    return { ...w, target: resolved, value: this.withValue(w.value) };
  }

  /** A with-value may name a built-in (`with count as my_count`): keep it a name, not a local. */
  private withValue(t: Term): Term {
    if (t.type === "var" && isBuiltinName(t.name) && this.scope.lookup(t.name) === undefined && !this.globals.has(t.name)) return t;
    if (t.type === "ref" && isBuiltinName(refName(t) ?? "")) return t;
    return this.term(t);
  }

  private term(t: Term): Term {
    switch (t.type) {
      case "var":
        return this.useVar(t);
      case "ref": {
        const head = t.terms[0]!;
        const rest = t.terms.slice(1).map((k) => this.term(k));
        if (head.type === "var") {
          const resolved = this.useVar(head);
          if (resolved.type === "ref") return refTerm([...resolved.terms, ...rest], t.loc);
          return refTerm([resolved, ...rest], t.loc);
        }
        return refTerm([this.term(head), ...rest], t.loc);
      }
      case "call":
        return { ...t, operator: this.operator(t.operator), args: t.args.map((a) => this.term(a)) };
      case "arraycomp":
      case "setcomp":
        return this.inClosure(t.body, (body) => {
          const [term, lifted] = this.liftHead(this.term(t.term));
          return { ...t, term, body: [...body, ...lifted] };
        });
      case "objectcomp":
        return this.inClosure(t.body, (body) => {
          const [key, liftedKey] = this.liftHead(this.term(t.key));
          const [value, liftedValue] = this.liftHead(this.term(t.value));
          return { ...t, key, value, body: [...body, ...liftedKey, ...liftedValue] };
        });
      default:
        return this.mapChildren(t, (c) => this.term(c));
    }
  }

  /**
   * OPA's RewriteComprehensionTerms: a comprehension head term that must be evaluated (a ref, a
   * call or a comprehension in it) becomes `$head = term` at the end of the body, so that the
   * vars its refs iterate over can bind the body's (`[o[k] | a = k; startswith(a, "x")]`).
   */
  private liftHead(t: Term): [Term, Expr[]] {
    if (!requiresEval(t)) return [t, []];
    const v = varTerm(this.names.fresh("$head"), t.loc);
    return [v, [{ kind: "unify", left: v, right: t, negated: false, with: [], loc: t.loc }]];
  }

  /**
   * A comprehension: its body is a new scope, and its head terms (which `rebuild` resolves) are
   * resolved inside that scope, after the body that binds them.
   */
  private inClosure<T extends Term>(body: Body, rebuild: (body: Body) => T): T {
    const outer = this.scope;
    this.scope = new Scope(outer);
    const resolved = this.body(body);
    const out = rebuild(resolved);
    this.scope = outer;
    return out;
  }

  /** A call operator: a function of this package or import becomes a data ref; built-ins stay. */
  private operator(op: RefTerm): RefTerm {
    const head = op.terms[0]!;
    if (head.type !== "var") return op;
    if (this.scope.lookup(head.name) !== undefined) return op;
    const g = this.globals.get(head.name);
    if (!g) return op;
    this.globalsUsed.add(head.name);
    return refTerm([...g.terms, ...op.terms.slice(1)], op.loc);
  }

  private useVar(v: VarTerm): Term {
    if (ROOTS.has(v.name)) return v;
    if (v.name === "_") return varTerm(this.names.fresh("_"), v.loc);
    const local = this.scope.lookup(v.name);
    if (local !== undefined) {
      this.used(local);
      return varTerm(local, v.loc);
    }
    const g = this.globals.get(v.name);
    if (g) {
      this.globalsUsed.add(v.name);
      return g.terms.length === 1 ? g.terms[0]! : refTerm(g.terms, v.loc);
    }
    // A closure's undeclared var is the enclosing body's var of that name, if it has one.
    const owner = this.scope.enclosingUses(v.name) ?? this.scope;
    const fresh = this.names.fresh(v.name);
    owner.implicit.set(v.name, fresh);
    return varTerm(fresh, v.loc);
  }

  private used(local: string): void {
    const d = this.declarations.get(local);
    if (d) d.uses++;
  }

  private declare(v: VarTerm, kind: DeclarationKind): VarTerm {
    if (v.name === "_") return varTerm(this.names.fresh("_"), v.loc);
    if (ROOTS.has(v.name)) {
      this.errors.push(new RegoError("rego_compile_error", `variables must not shadow ${v.name} (use a different variable name)`, v.loc));
      return v;
    }
    if (this.scope.declared.has(v.name)) {
      this.errors.push(new RegoError("rego_compile_error", `var ${v.name} assigned above`, v.loc));
    } else if (this.scope.implicit.has(v.name)) {
      this.errors.push(new RegoError("rego_compile_error", `var ${v.name} referenced above`, v.loc));
    }
    const fresh = this.names.fresh(v.name);
    this.scope.declared.set(v.name, fresh);
    this.declarations.set(fresh, { kind, name: v.name, loc: v.loc, uses: 0 });
    return varTerm(fresh, v.loc);
  }

  /** The left of `:=` and the patterns of `some … in`: vars declared, other terms resolved. */
  private declarePattern(t: Term, kind: DeclarationKind): Term {
    if (t.type === "var") return this.declare(t, kind);
    if (t.type === "array") return { ...t, items: t.items.map((i) => this.declarePattern(i, kind)) };
    if (t.type === "object") return { ...t, entries: t.entries.map(([k, v]) => [this.term(k), this.declarePattern(v, kind)]) };
    return this.term(t);
  }

  private mapChildren(t: Term, f: (c: Term) => Term): Term {
    switch (t.type) {
      case "array":
      case "set":
        return { ...t, items: t.items.map(f) };
      case "object":
        return { ...t, entries: t.entries.map(([k, v]) => [f(k), f(v)] as [Term, Term]) };
      case "ref":
        return { ...t, terms: t.terms.map(f) };
      case "call":
        return { ...t, args: t.args.map(f) };
      default:
        return t;
    }
  }
}

/** The undeclared var names a body uses at its own level (closures excluded). */
function topLevelNames(body: Body): Set<string> {
  const names = new Set<string>();
  const visit = (t: Term) => {
    if (t.type === "var") names.add(t.name);
    else forEachChild(t, visit);
  };
  for (const e of body) {
    if (e.kind === "some" || e.kind === "every") continue;
    if (e.kind === "assign" || e.kind === "somein") {
      // declared vars are not "used undeclared"; their other terms are
      if (e.kind === "assign") visit(e.right);
      else visit(e.collection);
      continue;
    }
    exprTerms(e).forEach(visit);
  }
  for (const e of body) for (const w of e.with) if (w.value.type === "var" && isBuiltinName(w.value.name)) names.delete(w.value.name);
  // A name the body declares with `some` or `:=` is that declaration's var from there on: a
  // closure before it that uses the name has its own var, as in OPA (which renames declared vars).
  for (const e of body) {
    if (e.kind === "some") for (const v of e.vars) names.delete(v.name);
    if (e.kind === "somein") for (const p of e.key ? [e.key, e.value] : [e.value]) patternNames(p).forEach((n) => names.delete(n));
    if (e.kind === "assign") patternNames(e.left).forEach((n) => names.delete(n));
  }
  return names;
}

/** OPA's requiresEval: whether a term has a ref, a call or a comprehension in it. */
function requiresEval(t: Term): boolean {
  if (t.type === "ref" || t.type === "call" || t.type === "arraycomp" || t.type === "setcomp" || t.type === "objectcomp") return true;
  let found = false;
  forEachChild(t, (c) => {
    found ||= requiresEval(c);
  });
  return found;
}

/** The var names a `some … in` or `:=` pattern declares. */
function patternNames(t: Term): string[] {
  if (t.type === "var") return [t.name];
  if (t.type === "array") return t.items.flatMap(patternNames);
  if (t.type === "object") return t.entries.flatMap(([, v]) => patternNames(v));
  return [];
}
