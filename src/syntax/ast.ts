// The Rego abstract syntax tree: plain records with source locations.
// The parser produces it; the compiler rewrites copies of it; nothing here has behaviour.

export interface Location {
  file: string;
  /** 1-based line. */
  row: number;
  /** 1-based column (in UTF-16 code units of the line). */
  col: number;
}

interface Node {
  loc: Location;
}

export interface NullTerm extends Node {
  type: "null";
}
export interface BooleanTerm extends Node {
  type: "boolean";
  value: boolean;
}
/** Numbers keep their source text: OPA reads them as arbitrary-precision decimals. */
export interface NumberTerm extends Node {
  type: "number";
  value: string;
}
export interface StringTerm extends Node {
  type: "string";
  value: string;
  /** True for `raw` strings written with backticks. */
  raw?: boolean;
}
export interface VarTerm extends Node {
  type: "var";
  name: string;
}
/**
 * A reference: `head.a[b]["c"][x]`. `terms[0]` is the head (a var such as `input`, `data` or a
 * local, or a composite/call term as in `[1,2][0]` or `f(x)[0]`); the rest are the keys. A dotted
 * key `.a` is stored as a string term, so `x.a` and `x["a"]` are the same ref.
 */
export interface RefTerm extends Node {
  type: "ref";
  terms: Term[];
}
export interface ArrayTerm extends Node {
  type: "array";
  items: Term[];
}
export interface SetTerm extends Node {
  type: "set";
  items: Term[];
}
export interface ObjectTerm extends Node {
  type: "object";
  entries: [Term, Term][];
}
export interface ArrayComprehension extends Node {
  type: "arraycomp";
  term: Term;
  body: Body;
}
export interface SetComprehension extends Node {
  type: "setcomp";
  term: Term;
  body: Body;
}
export interface ObjectComprehension extends Node {
  type: "objectcomp";
  key: Term;
  value: Term;
  body: Body;
}
/**
 * A call: `count(x)`, `a.b.c(x, y)`. Infix operators are calls too, by their built-in names:
 * `==` equal, `!=` neq, `<` lt, `<=` lte, `>` gt, `>=` gte, `+` plus, `-` minus, `*` mul,
 * `/` div, `%` rem, `&` and, `|` or, `x in xs` internal.member_2, `k, v in xs` internal.member_3.
 * `operator` is the operator name from OPA's AST (a ref of var/string terms).
 */
export interface CallTerm extends Node {
  type: "call";
  operator: RefTerm;
  args: Term[];
  /** True when the call was written as an infix operator (used for messages and formatting). */
  infix?: string;
  /** Set when the call is a template string as the parser rewrote it, in the form it was written. */
  template?: "string" | "raw";
}

export type Term =
  | NullTerm
  | BooleanTerm
  | NumberTerm
  | StringTerm
  | VarTerm
  | RefTerm
  | ArrayTerm
  | SetTerm
  | ObjectTerm
  | ArrayComprehension
  | SetComprehension
  | ObjectComprehension
  | CallTerm;

/**
 * A copy of a ref, call, array, set or object with `f` applied to each direct subterm; other
 * terms as they are. Comprehensions are the caller's to handle (their bodies are scopes).
 */
export function mapSubterms(t: Term, f: (u: Term) => Term): Term {
  switch (t.type) {
    case "ref":
      return { ...t, terms: t.terms.map(f) };
    case "call":
      return { ...t, args: t.args.map(f) };
    case "array":
    case "set":
      return { ...t, items: t.items.map(f) };
    case "object":
      return { ...t, entries: t.entries.map(([k, v]) => [f(k), f(v)] as [Term, Term]) };
    default:
      return t;
  }
}

/**
 * `{v | v = term}`: the set of a term's values over a fresh var `v`. OPA passes print() and
 * template-string arguments so, and an undefined one is an empty set instead of failing.
 */
export function valuesOf(term: Term, v: string, withs: With[] = []): SetComprehension {
  const x: Term = { type: "var", name: v, loc: term.loc };
  return { type: "setcomp", term: x, body: [{ kind: "unify", negated: false, with: withs, left: x, right: term, loc: term.loc }], loc: term.loc };
}

/** A call of the built-in `internal.<name>` with one array argument. */
export function internalCall(name: string, items: Term[], loc: Location): CallTerm {
  const operator: RefTerm = { type: "ref", terms: [{ type: "var", name: "internal", loc }, { type: "string", value: name, loc }], loc };
  return { type: "call", operator, args: [{ type: "array", items, loc }], loc };
}


export interface With extends Node {
  /** `input...`, `data...`, or a function/built-in name ref. */
  target: RefTerm;
  value: Term;
}

interface ExprBase extends Node {
  negated: boolean;
  with: With[];
}
/** A bare term used as an expression: `x`, `input.allowed`, `count(x) > 1`, `f(x)`. */
export interface TermExpr extends ExprBase {
  kind: "term";
  term: Term;
}
/** `left = right` (unification). */
export interface UnifyExpr extends ExprBase {
  kind: "unify";
  left: Term;
  right: Term;
}
/** `left := right` (declaration and assignment of fresh local variables). */
export interface AssignExpr extends ExprBase {
  kind: "assign";
  left: Term;
  right: Term;
}
/** `some x, y` (declares local variables). */
export interface SomeExpr extends ExprBase {
  kind: "some";
  vars: VarTerm[];
}
/** `some v in xs` / `some k, v in xs` (key and value may be patterns). */
export interface SomeInExpr extends ExprBase {
  kind: "somein";
  key?: Term;
  value: Term;
  collection: Term;
}
/** `every v in xs { body }` / `every k, v in xs { body }`. */
export interface EveryExpr extends ExprBase {
  kind: "every";
  key?: VarTerm;
  value: VarTerm;
  domain: Term;
  body: Body;
}

export type Expr = TermExpr | UnifyExpr | AssignExpr | SomeExpr | SomeInExpr | EveryExpr;
export type Body = Expr[];

export interface RuleHead extends Node {
  /**
   * The rule's name and path: `p` is `[var p]`; `a.b[x].c` is `[var a, string b, var x, string c]`.
   * For a partial set rule `p contains x`, the ref is `[var p]` and `key` is `x`.
   */
  ref: Term[];
  /** Function arguments (present only for functions, possibly empty: `f() := 1`). */
  args?: Term[];
  /** The member of a multi-value (partial set) rule: `p contains key`. */
  key?: Term;
  /** The value; absent when written without one (`p if …` means `p := true`). */
  value?: Term;
  /** True for `:=` heads, false for `=` heads or no operator. */
  assign: boolean;
  /** True for `contains` heads (and v0 `p[x] { … }` partial sets). */
  contains: boolean;
}

export interface Rule extends Node {
  head: RuleHead;
  /** Empty for rules without a body (`p := 1`): such a body is `true`. */
  body: Body;
  default: boolean;
  /** The next `else` of the chain, if any. Its head has `value` (default true) and optional `args`. */
  else?: Rule;
  annotations?: Annotation;
}

export interface Package extends Node {
  /** Path below `data`: `package a.b` is `["a", "b"]`. */
  path: string[];
  annotations?: Annotation;
}

export interface Import extends Node {
  /** `data.x.y`, `input.z`, `rego.v1`, `future.keywords.in`... */
  path: RefTerm;
  alias?: string;
}

/** A `# METADATA` block: its YAML parsed, plus the scope it applies to. */
export interface Annotation extends Node {
  scope: "package" | "rule" | "document" | "subpackages";
  /** The parsed YAML document (title, description, entrypoint, custom, ...). */
  data: Record<string, unknown>;
}

export interface Comment extends Node {
  text: string;
}

export interface Module {
  file: string;
  package: Package;
  imports: Import[];
  rules: Rule[];
  comments: Comment[];
  annotations: Annotation[];
  /** Which Rego dialect the module was parsed as. */
  regoVersion: 0 | 1;
}
