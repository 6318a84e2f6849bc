// The compiler: parsed modules in, a rule tree of resolved, ordered, checked rules out. The stages
// and their order are listed in stages.ts; this file holds the stages that are not in files of
// their own (names and rules, rule conflicts, calls and `with` targets, safety ordering).
import type { Body, Import, Module, RefTerm, Rule, RuleHead, Term } from "../syntax/ast.ts";
import { RegoError, RegoErrors } from "../errors.ts";
import { lookupBuiltin } from "../builtins/registry.ts";
import { LocalNames, Resolver, type Declaration, type Globals } from "./scope.ts";
import { formatTerm } from "../syntax/format.ts";
import { Safety } from "./safety.ts";
import { Needs } from "./needs.ts";
import { addRule, nodeAt, walkNodes, type RuleDef, type RuleNode } from "./rules.ts";
import { constantValue, dataRef, forEachChild, isConstant, refName, termVars } from "./terms.ts";
import { fits, typeText } from "./types.ts";
import { runStages, type CompileState } from "./stages.ts";
import { rewritePrint } from "./print.ts";
import { rewriteComputedArgs } from "./head-args.ts";

export interface CompiledPolicy {
  root: RuleNode;
  names: LocalNames;
  modules: Module[];
  /** The analysis the stages ordered bodies with (what terms need, what calls output). */
  needs: Needs;
}

export interface CompiledQuery {
  body: Body;
  /** Query locals to report, with the user's names. */
  outputs: { local: string; name: string }[];
}

/** Runs every stage (stages.ts); throws all the errors of all stages, if any. */
export interface CompileOptions {
  /**
   * OPA's strict mode (`opa check --strict`): unused imports, unused function arguments and
   * unused `:=` assignments are errors too.
   */
  strict?: boolean;
}

export function compileModules(written: Module[], opts: CompileOptions = {}): CompiledPolicy {
  const modules = rewriteComputedArgs(rewritePrint(written));
  const s = runStages(modules, undefined, opts);
  throwIfAny(s.errors);
  return { root: s.root, names: s.names, modules, needs: new Needs(s.arityOf!) };
}

/** Runs `check` on one rule definition; a definition it finds wrong is set aside. */
function perRule(s: CompileState, d: RuleDef, check: (d: RuleDef) => void): void {
  if (s.broken.has(d)) return;
  const before = s.errors.length;
  check(d);
  if (s.errors.length > before) s.broken.add(d);
}

/** Stage "resolve": globals (rules of the package, imports), names to locals or refs, rules into the tree. */
export function resolveRules(s: CompileState): void {
  const rulesByPackage = packageRuleNames(s.modules);
  for (const m of s.modules) {
    nodeAt(s.root, m.package.path, true)!.isPackage = true;
    const globals = moduleGlobals(m, rulesByPackage, s.errors);
    const resolver = new Resolver(globals, s.names, s.errors);
    for (const rule of m.rules) {
      const before = s.errors.length;
      const def = resolveRule(rule, m.package.path, resolver, s.errors, s.strict);
      if (!def) continue;
      const existing = nodeAt(s.root, def.path, false);
      if (def.isDefault && (def.kind === "function" ? existing?.defaultFunction : existing?.defaultRule)) {
        s.errors.push(new RegoError("rego_type_error", `multiple default rules data.${def.path.join(".")} found`, def.loc));
        continue;
      }
      addRule(s.root, def);
      if (s.errors.length > before) [def, ...def.elses].forEach((d) => s.broken.add(d));
    }
    if (s.strict) checkUnusedImports(m, resolver.globalsUsed, s.errors);
  }
}

/** Strict mode: an import (of data or input) that no var of the module resolved to. */
function checkUnusedImports(m: Module, used: ReadonlySet<string>, errors: RegoError[]): void {
  for (const imp of m.imports) {
    const name = importName(imp);
    if (name === undefined || used.has(name)) continue;
    errors.push(new RegoError("rego_compile_error", `import ${formatTerm(imp.path)}${imp.alias ? ` as ${imp.alias}` : ""} unused`, imp.loc));
  }
}

/**
 * Locals declared and never referred to again. A `some x` that nothing uses is an error in OPA
 * always; in strict mode so are unused `:=` assignments (arguments: checkUnusedArgs). Vars bound
 * by `some … in` and `every` patterns are not checked (OPA does not either).
 */
function checkUnusedLocals(declarations: Declaration[], errors: RegoError[], strict: boolean): void {
  for (const d of declarations) {
    if (d.uses > 0) continue;
    if (d.kind === "declared") errors.push(new RegoError("rego_compile_error", `declared var ${d.name} unused`, d.loc));
    else if (strict && d.kind === "assigned") errors.push(new RegoError("rego_compile_error", `assigned var ${d.name} unused`, d.loc));
  }
}

/**
 * Strict mode: function arguments no branch of the else chain uses. OPA counts an argument's
 * uses across the whole chain (`f(x, d) { x } else { d }` uses both) and reports each unused one
 * once, at the head of the chain's first rule.
 */
function checkUnusedArgs(branches: Declaration[][], head: RuleHead, errors: RegoError[]): void {
  const used = new Set(branches.flatMap((b) => b.filter((d) => d.uses > 0).map((d) => d.name)));
  for (const d of branches[0] ?? []) {
    if (!used.has(d.name)) errors.push(new RegoError("rego_compile_error", `unused argument ${d.name}. (hint: use _ (wildcard variable) instead)`, head.loc));
  }
}

/** Stage "rule conflicts": kinds, arities and defaults agree at every path. */
export function checkConflicts(s: CompileState): void {
  checkTree(s.root, s.errors);
}

/** Stage "calls and with": every call names a known function with a fitting arity; `with` targets exist. */
export function checkCalls(s: CompileState): void {
  const calls = new CallChecker(s.root, s.errors);
  s.arityOf = calls.arityOf;
  // The rules (else branches included) of v0 modules, which may call deprecated built-ins.
  const v0 = new Set<Rule>();
  for (const m of s.modules) if (m.regoVersion === 0) for (const rule of m.rules) for (let b: Rule | undefined = rule; b; b = b.else) v0.add(b);
  walkNodes(s.root, (n) => forEachDef(n, (d) => perRule(s, d, (x) => calls.rule(x, v0.has(x.source)))));
}

/** Stage "safety": every body ordered so that each expression's inputs are bound before it. */
export function orderBodies(s: CompileState): void {
  const safety = new Safety(s.arityOf ?? new CallChecker(s.root, s.errors).arityOf, (v) => s.names.original.get(v) ?? v, s.errors);
  walkNodes(s.root, (n) => forEachDef(n, (d) => perRule(s, d, (x) => orderRule(x, safety))));
}

/** Compiles a query; `regoVersion` 0 lets it call the built-ins OPA deprecated, as v0 modules may. */
export function compileQuery(policy: CompiledPolicy, body: Body, regoVersion: 0 | 1 = 1): CompiledQuery {
  const errors: RegoError[] = [];
  const resolver = new Resolver(new Map(), policy.names, errors);
  resolver.beginRule();
  const resolved = resolver.body(body);
  throwIfAny(errors);
  const calls = new CallChecker(policy.root, errors);
  calls.v0 = regoVersion === 0;
  resolved.forEach((e) => calls.expr(e));
  throwIfAny(errors);
  const safety = new Safety(calls.arityOf, (v) => policy.names.original.get(v) ?? v, errors);
  const ordered = safety.orderBody(resolved, new Set()).body;
  throwIfAny(errors);
  const outputs: CompiledQuery["outputs"] = [];
  for (const local of resolver.topLocals().values()) {
    const name = policy.names.userName(local);
    if (name !== undefined) outputs.push({ local, name });
  }
  return { body: ordered, outputs };
}

function throwIfAny(errors: RegoError[]): void {
  if (errors.length > 0) throw new RegoErrors(errors);
}

// --- 1. globals ---------------------------------------------------------------------------------

function packageRuleNames(modules: Module[]): Map<string, Set<string>> {
  const byPkg = new Map<string, Set<string>>();
  for (const m of modules) {
    const key = m.package.path.join(".");
    const names = byPkg.get(key) ?? new Set<string>();
    for (const r of m.rules) {
      const head = r.head.ref[0];
      if (head?.type === "var") names.add(head.name);
    }
    byPkg.set(key, names);
  }
  return byPkg;
}

/**
 * The name an import of data or input binds in its module (its alias, else its last key);
 * undefined for rego.v1 and future.keywords (no-ops here) and for a bare `import data` without
 * alias (it binds `data` to itself). An aliased root (`import input as req`) binds its alias.
 */
function importName(imp: Import): string | undefined {
  const head = imp.path.terms[0];
  if (head?.type !== "var" || (head.name !== "data" && head.name !== "input")) return undefined;
  if (imp.path.terms.length === 1) return imp.alias;
  const last = imp.path.terms[imp.path.terms.length - 1]!;
  return imp.alias ?? (last.type === "string" ? last.value : last.type === "var" ? last.name : undefined);
}

function moduleGlobals(m: Module, rulesByPackage: Map<string, Set<string>>, errors: RegoError[]): Globals {
  const globals = new Map<string, RefTerm>();
  const imported = new Map<string, RefTerm>();
  for (const name of rulesByPackage.get(m.package.path.join(".")) ?? []) {
    globals.set(name, dataRef([...m.package.path, name], m.package.loc));
  }
  for (const imp of m.imports) {
    const alias = importName(imp);
    if (!alias) continue;
    const earlier = imported.get(alias);
    if (earlier) {
      errors.push(new RegoError("rego_compile_error", `import must not shadow import ${refName(earlier)}`, imp.loc));
      continue;
    }
    imported.set(alias, imp.path);
    // An import wins over a rule of the package with the same name, as in OPA.
    globals.set(alias, imp.path);
  }
  return globals;
}

// --- 2. resolve ---------------------------------------------------------------------------------

const TRUE = (loc: Term["loc"]): Term => ({ type: "boolean", value: true, loc });

function resolveRule(rule: Rule, pkg: string[], r: Resolver, errors: RegoError[], strict: boolean): RuleDef | undefined {
  const head = rule.head;
  const name = head.ref[0];
  if (name?.type !== "var") {
    errors.push(new RegoError("rego_parse_error", "rule name must be a variable", rule.loc));
    return undefined;
  }
  const path = [...pkg, name.name];
  let i = 1;
  for (; i < head.ref.length; i++) {
    const t = head.ref[i]!;
    if (t.type !== "string") break;
    path.push(t.value);
  }
  const rest = head.ref.slice(i);
  // `p[q] contains r` is an object rule whose leaves are sets: its `key` is the member.
  const kind: RuleDef["kind"] = head.args ? "function" : rest.length > 0 ? "object" : head.contains ? "multi" : "complete";
  const branch = (b: Rule, args: Term[] | undefined): RuleDef => {
    const resolvedArgs = r.beginRule(args ?? []);
    const body = r.body(b.body);
    const def: RuleDef = {
      kind,
      path,
      keys: rest.map((t) => r.headTerm(t)),
      args: resolvedArgs,
      key: b.head.key && r.headTerm(b.head.key),
      value: r.headTerm(b.head.value ?? TRUE(b.head.loc)),
      body,
      elses: [],
      isDefault: b.default,
      loc: b.loc,
      source: b,
    };
    // Each branch of an else chain is checked on its own, as OPA checks it; arguments are shared.
    const declarations = r.ruleDeclarations();
    checkUnusedLocals(declarations, errors, strict);
    argDeclarations.push(declarations.filter((d) => d.kind === "argument"));
    return def;
  };
  const argDeclarations: Declaration[][] = [];
  const def = branch(rule, head.args);
  for (let e = rule.else; e; e = e.else) def.elses.push(branch(e, head.args));
  if (strict) checkUnusedArgs(argDeclarations, head, errors);
  return def;
}

// --- 3. tree ------------------------------------------------------------------------------------

function checkTree(root: RuleNode, errors: RegoError[]): void {
  walkNodes(root, (n) => {
    const kinds = new Set<string>();
    if (n.complete.length || n.defaultRule) kinds.add("complete");
    if (n.multi.length) kinds.add("multi");
    if (n.functions.length || n.defaultFunction) kinds.add("function");
    const first = n.complete[0] ?? n.multi[0] ?? n.functions[0] ?? n.defaultRule ?? n.defaultFunction;
    const where = "data." + n.path.join(".");
    if (kinds.size > 1 && first) {
      errors.push(new RegoError("rego_type_error", `conflicting rules ${where} found`, first.loc));
    }
    if ((kinds.has("complete") || kinds.has("multi") || kinds.has("function")) && first) {
      for (const c of n.children.values()) {
        let inner: RuleDef | undefined;
        walkNodes(c, (d) => (inner ??= d.complete[0] ?? d.multi[0] ?? d.functions[0] ?? d.object[0]));
        if (inner) errors.push(new RegoError("rego_type_error", `rule ${where} conflicts with rule data.${inner.path.join(".")}`, inner.loc));
      }
    }
    const arities = new Set([...n.functions, ...(n.defaultFunction ? [n.defaultFunction] : [])].map((f) => f.args.length));
    if (arities.size > 1) {
      errors.push(new RegoError("rego_type_error", `conflicting rules ${where} found`, (n.functions[0] ?? n.defaultFunction)!.loc));
    }
    if (n.defaultRule && n.complete.length === 0 && n.object.length > 0) {
      errors.push(new RegoError("rego_type_error", `conflicting rules ${where} found`, n.defaultRule.loc));
    }
  });
}

export function forEachDef(n: RuleNode, f: (d: RuleDef) => void): void {
  const all = [...n.complete, ...n.multi, ...n.object, ...n.functions];
  if (n.defaultRule) all.push(n.defaultRule);
  if (n.defaultFunction) all.push(n.defaultFunction);
  for (const d of all) {
    f(d);
    d.elses.forEach(f);
  }
}

// --- 4. calls -----------------------------------------------------------------------------------

class CallChecker {
  constructor(
    private readonly root: RuleNode,
    private readonly errors: RegoError[],
  ) {}

  readonly arityOf = (op: RefTerm): number | undefined => {
    const name = refName(op);
    if (name === null) return undefined;
    if (name.startsWith("data.")) {
      const n = nodeAt(this.root, name.split(".").slice(1), false);
      const f = n?.functions[0] ?? n?.defaultFunction;
      return f?.args.length;
    }
    return lookupBuiltin(name)?.signature.args.length;
  };

  /** Whether the code being checked is Rego v0, which may call deprecated built-ins. */
  v0 = false;

  rule(d: RuleDef, v0 = false): void {
    this.v0 = v0;
    d.body.forEach((e) => this.expr(e));
    [...d.keys, d.value, ...(d.key ? [d.key] : []), ...d.args].forEach((t) => this.term(t));
  }

  expr(e: Body[number]): void {
    switch (e.kind) {
      case "term":
        // Only a call standing alone as an expression may take an output argument.
        if (e.term.type === "call") this.call(e.term, true);
        else this.term(e.term);
        break;
      case "unify":
      case "assign":
        this.term(e.left);
        this.term(e.right);
        break;
      case "somein":
        if (e.key) this.term(e.key);
        this.term(e.value);
        this.term(e.collection);
        break;
      case "every":
        this.term(e.domain);
        e.body.forEach((x) => this.expr(x));
        break;
      case "some":
        break;
    }
    for (const w of e.with) {
      this.withTarget(w.target);
      this.term(w.value);
    }
  }

  private withTarget(target: RefTerm): void {
    const name = refName(target);
    const head = target.terms[0];
    const root = head?.type === "var" && (head.name === "input" || head.name === "data");
    if (root || (name !== null && this.arityOf(target) !== undefined)) return;
    this.errors.push(new RegoError("rego_type_error", "with keyword target must reference existing input, data, or a function", target.loc));
  }

  private term(t: Term): void {
    if (t.type === "call") return this.call(t, false);
    if (t.type === "arraycomp" || t.type === "setcomp") {
      this.term(t.term);
      t.body.forEach((e) => this.expr(e));
    } else if (t.type === "objectcomp") {
      this.term(t.key);
      this.term(t.value);
      t.body.forEach((e) => this.expr(e));
    } else forEachChild(t, (c) => this.term(c));
  }

  private call(t: Extract<Term, { type: "call" }>, statement: boolean): void {
    t.args.forEach((a) => this.term(a));
    const name = refName(t.operator) ?? "<call>";
    const arity = this.v0 || !lookupBuiltin(name)?.deprecated ? this.arityOf(t.operator) : undefined;
    if (arity === undefined) {
      const known = name.startsWith("data.") && nodeAt(this.root, name.split(".").slice(1), false);
      const what = known ? `${name} is not a function` : `undefined function ${name}`;
      this.errors.push(new RegoError("rego_type_error", what, t.loc));
      return;
    }
    if (t.args.length !== arity && !(statement && t.args.length === arity + 1)) {
      this.errors.push(new RegoError("rego_type_error", `function ${name} has arity ${arity}, got ${t.args.length} arguments`, t.loc));
      return;
    }
    this.constantArgTypes(t, name);
  }

  /** Arguments written as constants must fit the built-in's declared types. */
  private constantArgTypes(t: Extract<Term, { type: "call" }>, name: string): void {
    const def = lookupBuiltin(name);
    if (!def) return;
    for (const [i, a] of t.args.entries()) {
      const want = def.signature.args[i];
      if (!want || !isConstant(a)) continue;
      if (!fits(constantValue(a), want)) {
        this.errors.push(new RegoError("rego_type_error", `${name}: invalid argument(s): operand ${i + 1} must be ${typeText(want)}`, a.loc));
        return;
      }
    }
  }
}

// --- 5. safety ----------------------------------------------------------------------------------

function orderRule(d: RuleDef, safety: Safety): void {
  const bound = new Set<string>();
  for (const a of d.args) termVars(a, bound);
  const r = safety.orderBody(d.body, bound);
  d.body = r.body;
  safety.checkHead([...d.keys, d.value, ...(d.key ? [d.key] : [])], r.bound);
  d.keys = d.keys.map((k) => safety.orderTermClosures(k, r.bound));
  d.value = safety.orderTermClosures(d.value, r.bound);
  if (d.key) d.key = safety.orderTermClosures(d.key, r.bound);
}
