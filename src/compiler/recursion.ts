// Stage: recursion. Guarantees for the next stages: no rule or function depends on itself, through
// any chain of references (`data...` refs and calls of the policy's functions), as OPA requires.
//
// A ref is followed down the rule tree: a string key selects a child; any other key may select
// every child (except the one holding the rule being checked: `data.pkg[k].deny` inside data.pkg
// does not depend on itself through that key, as in OPA and the planner); a node that defines a
// document, or the end of the ref, is a dependency on every rule at or under that node.
import type { Body, Expr, Term } from "../syntax/ast.ts";
import { RegoError } from "../errors.ts";
import { exprTerms } from "./terms.ts";
import { walkNodes, type RuleDef, type RuleNode } from "./rules.ts";

/** Reports each cycle once, at the first rule of the cycle met in tree order. */
export function checkRecursion(root: RuleNode, errors: RegoError[]): void {
  const deps = new Map<RuleNode, Set<RuleNode>>();
  walkNodes(root, (n) => {
    if (!definesRules(n)) return;
    const out = new Set<RuleNode>();
    for (const d of defsOf(n)) for (const t of defTerms(d)) refsIn(t, (ref) => dependencies(root, n, ref, out));
    deps.set(n, out);
  });

  const state = new Map<RuleNode, "active" | "done">();
  const reported = new Set<RuleNode>();
  const stack: RuleNode[] = [];
  const visit = (n: RuleNode): void => {
    state.set(n, "active");
    stack.push(n);
    for (const m of deps.get(n) ?? []) {
      const s = state.get(m);
      if (s === "active") {
        const cycle = stack.slice(stack.indexOf(m));
        if (!cycle.some((c) => reported.has(c))) {
          cycle.forEach((c) => reported.add(c));
          const names = [...cycle, m].map((c) => "data." + c.path.join("."));
          const loc = defsOf(m)[0]?.loc;
          errors.push(new RegoError("rego_recursion_error", `rule ${names[0]} is recursive: ${names.join(" -> ")}`, loc));
        }
      } else if (s === undefined) visit(m);
    }
    stack.pop();
    state.set(n, "done");
  };
  walkNodes(root, (n) => {
    if (deps.has(n) && !state.has(n)) visit(n);
  });
}

function definesRules(n: RuleNode): boolean {
  return defsOf(n).length > 0;
}

function defsOf(n: RuleNode): RuleDef[] {
  const all = [...n.complete, ...n.multi, ...n.object, ...n.functions];
  if (n.defaultRule) all.push(n.defaultRule);
  if (n.defaultFunction) all.push(n.defaultFunction);
  return all.flatMap((d) => [d, ...d.elses]);
}

function defTerms(d: RuleDef): Term[] {
  return [...d.keys, ...d.args, ...(d.key ? [d.key] : []), d.value, ...bodyTerms(d.body)];
}

function bodyTerms(body: Body): Term[] {
  return body.flatMap((e: Expr) => [...exprTerms(e), ...(e.kind === "every" ? bodyTerms(e.body) : [])]);
}

/** Calls `f` with the terms of every `data` ref in `t` (call operators included), closures too. */
function refsIn(t: Term, f: (terms: Term[]) => void): void {
  switch (t.type) {
    case "ref": {
      const head = t.terms[0];
      if (head?.type === "var" && head.name === "data") f(t.terms);
      t.terms.forEach((k) => refsIn(k, f));
      return;
    }
    case "call":
      refsIn(t.operator, f);
      t.args.forEach((a) => refsIn(a, f));
      return;
    case "array":
    case "set":
      t.items.forEach((i) => refsIn(i, f));
      return;
    case "object":
      for (const [k, v] of t.entries) {
        refsIn(k, f);
        refsIn(v, f);
      }
      return;
    case "arraycomp":
    case "setcomp":
      refsIn(t.term, f);
      bodyTerms(t.body).forEach((x) => refsIn(x, f));
      return;
    case "objectcomp":
      refsIn(t.key, f);
      refsIn(t.value, f);
      bodyTerms(t.body).forEach((x) => refsIn(x, f));
      return;
    default:
      return;
  }
}

/** Adds to `out` the rule nodes `data` + terms[1..] may read, seen from the rules of `self`. */
function dependencies(root: RuleNode, self: RuleNode, terms: Term[], out: Set<RuleNode>): void {
  const follow = (node: RuleNode, i: number): void => {
    if (definesRules(node) || i === terms.length) {
      walkNodes(node, (n) => {
        if (definesRules(n)) out.add(n);
      });
      return;
    }
    const key = terms[i]!;
    if (key.type === "string") {
      const child = node.children.get(key.value);
      if (child) follow(child, i + 1);
      return;
    }
    if (isScalar(key)) return; // rules have string names: other constants select base data only
    for (const child of node.children.values()) {
      if (within(self, child)) continue;
      follow(child, i + 1);
    }
  };
  follow(root, 1);
}

const isScalar = (t: Term) => t.type === "number" || t.type === "boolean" || t.type === "null";

/** Whether `n` is `ancestor` or below it. */
function within(n: RuleNode, ancestor: RuleNode): boolean {
  return ancestor.path.length <= n.path.length && ancestor.path.every((p, i) => p === n.path[i]);
}
