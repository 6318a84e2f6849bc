// The compiler as one ordered list of named stages, as OPA's compiler lists its own: read the list
// to learn the compiler. Each stage is a function over the whole state, trusting what the stages
// before it guarantee. Errors are collected across stages: a stage that finds a rule wrong sets
// it aside (`broken`), and the later stages check the rest, so one run reports every error.
import type { Module } from "../syntax/ast.ts";
import type { RegoError } from "../errors.ts";
import { LocalNames } from "./scope.ts";
import { newNode, type RuleDef, type RuleNode } from "./rules.ts";
import type { ArityOf } from "./safety.ts";
import { checkCalls, checkConflicts, orderBodies, resolveRules, type CompileOptions } from "./compile.ts";
import { checkRecursion } from "./recursion.ts";
import { foldMetadataCalls } from "./metadata.ts";

export interface CompileState {
  modules: Module[];
  names: LocalNames;
  /** The rule tree below `data`, filled by "resolve". */
  root: RuleNode;
  errors: RegoError[];
  /** Rule definitions a stage found wrong: later stages leave them out. */
  broken: Set<RuleDef>;
  /** Arity of a call's operator (policy function or built-in), set by "calls and with". */
  arityOf?: ArityOf;
  /** OPA's strict mode: unused imports, arguments and assignments are errors. */
  strict: boolean;
}

export interface Stage {
  name: string;
  /** What the stage guarantees to the ones after it. */
  guarantees: string;
  run(s: CompileState): void;
}

export const STAGES: readonly Stage[] = [
  {
    name: "resolve",
    guarantees: "every var names one local of one body; every rule or import name is a data/input ref; rules are in the tree",
    run: resolveRules,
  },
  {
    name: "metadata calls",
    guarantees: "no rule calls rego.metadata.rule() or rego.metadata.chain(): each call is the constant of its rule's annotations",
    run: foldMetadataCalls,
  },
  {
    name: "rule conflicts",
    guarantees: "one kind of rule per path, one arity per function, at most one default",
    run: checkConflicts,
  },
  {
    name: "calls and with",
    guarantees: "every call names a known function or built-in with a fitting arity; every with target exists",
    run: checkCalls,
  },
  {
    name: "recursion",
    guarantees: "no rule or function depends on itself",
    run: (s) => checkRecursion(s.root, s.errors),
  },
  {
    name: "safety",
    guarantees: "each body is ordered so that every expression's inputs are bound before it; heads are safe",
    run: orderBodies,
  },
];

/** Runs every stage in order over `modules`; the errors are in the returned state. */
export function runStages(modules: Module[], stages: readonly Stage[] = STAGES, opts: CompileOptions = {}): CompileState {
  const s: CompileState = { modules, names: new LocalNames(), root: newNode([]), errors: [], broken: new Set(), strict: opts.strict === true };
  for (const stage of stages) stage.run(s);
  return s;
}
