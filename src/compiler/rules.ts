// The rule tree: every rule placed at its path below `data`, grouped by kind. The planner walks
// it to turn a reference such as `data.a.b[x]` into calls of the functions that compute rules.
import type { Body, Location, Rule, Term } from "../syntax/ast.ts";

export type RuleKind =
  /** `p := v`, `a.b.c if …`: one value at a ground path. */
  | "complete"
  /** `p contains x`: a set built from every body's key. */
  | "multi"
  /** `p[k] := v`, `a.b[x].c := v`: entries of an object at the ground prefix of the head ref. */
  | "object"
  /** `f(x) := y`. */
  | "function";

/** One definition of a rule, resolved and with its body ordered; `else` branches follow it. */
export interface RuleDef {
  kind: RuleKind;
  /** The ground prefix of the head ref, from the root of data (package path included). */
  path: string[];
  /** For object rules: the head ref's terms after `path` (the first is not a string). */
  keys: Term[];
  /** For functions: argument patterns. */
  args: Term[];
  /** For multi-value rules: the member term. */
  key?: Term;
  /** The value term (`true` when the head has none). */
  value: Term;
  body: Body;
  /** The `else` chain, in order; each branch has its own args (functions), value and body. */
  elses: RuleDef[];
  isDefault: boolean;
  loc: Location;
  source: Rule;
}

export interface RuleNode {
  path: string[];
  /** True if a module declares this package (an empty package is still a document: `{}`). */
  isPackage: boolean;
  complete: RuleDef[];
  defaultRule?: RuleDef;
  multi: RuleDef[];
  object: RuleDef[];
  functions: RuleDef[];
  defaultFunction?: RuleDef;
  children: Map<string, RuleNode>;
}

export function newNode(path: string[]): RuleNode {
  return { path, isPackage: false, complete: [], multi: [], object: [], functions: [], children: new Map() };
}

export function nodeAt(root: RuleNode, path: string[], create: boolean): RuleNode | undefined {
  let n = root;
  for (const [i, k] of path.entries()) {
    let c = n.children.get(k);
    if (!c) {
      if (!create) return undefined;
      c = newNode(path.slice(0, i + 1));
      n.children.set(k, c);
    }
    n = c;
  }
  return n;
}

/**
 * True if the node is part of the data document: every node is (packages, rules, and the
 * intermediate objects of ref heads such as `p.q.r.f(x)`), except a function's own node. A
 * function of no arguments (`f() := 1`) is a document too: OPA reads an empty argument list as
 * none, so the package's document holds `f`'s value.
 */
export function hasDocuments(n: RuleNode): boolean {
  const f0 = n.functions[0] ?? n.defaultFunction;
  const functionOnly = f0 !== undefined && f0.args.length > 0 && n.children.size === 0;
  return !functionOnly || n.isPackage || definesDocument(n);
}

/** True if the node holds rules that define the document at its own path. */
export function definesDocument(n: RuleNode): boolean {
  return n.complete.length > 0 || n.defaultRule !== undefined || n.multi.length > 0 || n.object.length > 0;
}

export function addRule(root: RuleNode, def: RuleDef): void {
  const n = nodeAt(root, def.path, true)!;
  if (def.kind === "function") {
    if (def.isDefault) n.defaultFunction = def;
    else n.functions.push(def);
  } else if (def.kind === "complete") {
    if (def.isDefault) n.defaultRule = def;
    else n.complete.push(def);
  } else if (def.kind === "multi") n.multi.push(def);
  else n.object.push(def);
}

/** Visits every node, parents first. */
export function walkNodes(n: RuleNode, f: (n: RuleNode) => void): void {
  f(n);
  for (const c of n.children.values()) walkNodes(c, f);
}
