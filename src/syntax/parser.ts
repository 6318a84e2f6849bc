// The Rego parser: hand-written recursive descent over the lexer's tokens, one function per
// grammar rule. It follows OPA 1.x's grammar and binding strengths, from loosest to tightest:
// `=`/`:=` (expressions only), `in`, comparisons, `|`, `&`, `+ -`, `* / %`.
//
// Errors are thrown as a ParseFailure and become RegoErrors at the entry points. Where the grammar
// is ambiguous (`[x | y]`, `p if { x }`, `k, v in xs`) the parser tries one reading and backtracks;
// terms are memoised by position (successes and failures), so backtracking never parses one twice.
import type {
  Body,
  CallTerm,
  EveryExpr,
  Expr,
  Import,
  Location,
  Module,
  Package,
  RefTerm,
  Rule,
  RuleHead,
  SetTerm,
  SomeExpr,
  SomeInExpr,
  StringTerm,
  Term,
  VarTerm,
  With,
} from "./ast.ts";
import { internalCall, valuesOf } from "./ast.ts";
import { RegoError, RegoErrors } from "../errors.ts";
import { attachAnnotations } from "./annotations.ts";
import { isKeyword, lex, type TemplatePart, type Token, type TokenKind } from "./lexer.ts";

export interface ParseOptions {
  /** 1 (default) for OPA 1.x syntax; 0 for pre-1.0 modules, where `if` is optional. */
  regoVersion?: 0 | 1;
}

/** Deeper nesting than this is rejected, well before the JavaScript stack could overflow. */
const MAX_DEPTH = 1000;

/** Built-in names of the infix operators. */
const INFIX_OPERATORS: Readonly<Partial<Record<TokenKind, string>>> = {
  "==": "equal",
  "!=": "neq",
  "<": "lt",
  "<=": "lte",
  ">": "gt",
  ">=": "gte",
  "+": "plus",
  "-": "minus",
  "*": "mul",
  "/": "div",
  "%": "rem",
  "&": "and",
  "|": "or",
};
const RELATION_OPERATORS: ReadonlySet<TokenKind> = new Set(["==", "!=", "<", "<=", ">", ">="]);
const ARITH_OPERATORS: ReadonlySet<TokenKind> = new Set(["+", "-"]);
const FACTOR_OPERATORS: ReadonlySet<TokenKind> = new Set(["*", "/", "%"]);
const IMPORT_ROOTS: ReadonlySet<string> = new Set(["data", "input", "future", "rego"]);
const FUTURE_KEYWORDS = ["contains", "every", "if", "in"];
/** Largest decimal exponent accepted for number literals (OPA's limit is about 2^100000). */
const MAX_NUMBER_MAGNITUDE = 30000;

const IF_REQUIRED = "`if` keyword is required before rule body";
const CONTAINS_REQUIRED = "`contains` keyword is required for partial set rules";

export function parseModule(text: string, file: string, opts: ParseOptions = {}): Module {
  return run(text, file, opts, (p) => p.parseModule());
}

/** A query: expressions separated by newlines or `;`. */
export function parseQuery(text: string, file = "query", opts: ParseOptions = {}): Body {
  return run(text, file, opts, (p) => p.parseWholeQuery());
}

/** A single term, such as a conformance case's `input_term`. */
export function parseTerm(text: string, file = "term"): Term {
  return run(text, file, {}, (p) => p.parseWholeTerm());
}

/**
 * Rego v0 knows `if`, `contains`, `in` and `every` only when imported (`import future.keywords`,
 * `import future.keywords.<kw>` or `import rego.v1`); elsewhere they are names, as in OPA, so a
 * v0 library may define a function `contains(arr, x)`. The words not imported become identifiers.
 * Importing `every` also imports `in`. Returns whether the module imports `rego.v1`.
 */
function v0Keywords(tokens: Token[]): boolean {
  const enabled = new Set<string>();
  let regoV1 = false;
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]!.kind !== "import") continue;
    const w = (k: number) => tokens[i + k]?.text;
    if (w(1) === "rego" && w(2) === "." && w(3) === "v1") {
      regoV1 = true;
      FUTURE_KEYWORDS.forEach((k) => enabled.add(k));
    }
    if (w(1) !== "future" || w(2) !== "." || w(3) !== "keywords") continue;
    if (w(4) === "." && tokens[i + 5]) enabled.add(w(5)!);
    else FUTURE_KEYWORDS.forEach((k) => enabled.add(k));
  }
  // `every x in xs` is written with `in`, so importing `every` makes `in` a keyword too (as in OPA).
  if (enabled.has("every")) enabled.add("in");
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!FUTURE_KEYWORDS.includes(t.kind) || enabled.has(t.kind)) continue;
    if (tokens[i - 1]?.text === "." && tokens[i - 2]?.text === "keywords") continue; // the import itself
    tokens[i] = { ...t, kind: "ident", value: t.text };
  }
  return regoV1;
}

/**
 * A parse error, thrown inside the parser; `at` is the index of the token where it happened.
 * Backtracking throws and catches these often, so they are plain objects, not Errors with stacks.
 */
class ParseFailure {
  constructor(
    readonly problems: { message: string; loc: Location }[],
    readonly at: number,
  ) {}

  toErrors(): RegoErrors {
    return new RegoErrors(this.problems.map((p) => new RegoError("rego_parse_error", p.message, p.loc)));
  }
}

function run<T>(text: string, file: string, opts: ParseOptions, f: (p: Parser) => T): T {
  const { tokens, comments } = lex(text, file);
  const version = opts.regoVersion ?? 1;
  // A v0 module that imports rego.v1 must also be valid v1: its rules take the v1 syntax (OPA's
  // RegoV0CompatV1), while the module stays v0 for the rest (e.g. the deprecated built-ins).
  const ruleSyntax = version === 0 && !v0Keywords(tokens) ? 0 : 1;
  const parser = new Parser(tokens, comments, file, version, ruleSyntax);
  try {
    return f(parser);
  } catch (e) {
    if (e instanceof ParseFailure) throw e.toErrors();
    // The depth limit keeps recursion far below the default stack size; this covers hosts
    // that run with a much smaller stack.
    if (e instanceof RangeError && /call stack/i.test(e.message)) throw parser.depthError().toErrors();
    throw e;
  }
}

class Parser {
  private pos = 0;
  private depth = 0;
  /** Terms parsed at a token index (with the index after them), or the failure found there. */
  private readonly termCache = new Map<number, { term: Term; end: number } | ParseFailure>();

  constructor(
    private readonly tokens: Token[],
    private readonly comments: Module["comments"],
    private readonly file: string,
    private readonly regoVersion: 0 | 1,
    /** The rule syntax: 1 (`if` and `contains` required) in v1 and in v0 modules importing rego.v1. */
    private readonly ruleSyntax: 0 | 1,
    /** Numbers the variables of template strings' comprehensions, shared with the parsers of their expressions. */
    private readonly templateVars = { next: 0 },
  ) {}

  // ---- entry points ----

  /** module = package { import | rule } */
  parseModule(): Module {
    const pkg = this.parsePackage();
    const imports: Import[] = [];
    const rules: Rule[] = [];
    while (!this.is("eof")) {
      if (this.is("import")) imports.push(this.parseImport());
      else rules.push(...this.parseRules());
    }
    const { annotations, errors } = attachAnnotations(this.comments, pkg, rules);
    if (errors.length > 0) throw new RegoErrors(errors);
    return {
      file: this.file,
      package: pkg,
      imports,
      rules,
      comments: this.comments,
      annotations,
      regoVersion: this.regoVersion,
    };
  }

  parseWholeQuery(): Body {
    if (this.is("eof")) this.errorAt(this.tok.loc, "empty query");
    return this.parseQuery("eof");
  }

  parseWholeTerm(): Term {
    const term = this.parseMembership(true);
    if (!this.is("eof")) this.fail("expected end of term");
    return term;
  }

  depthError(): ParseFailure {
    return new ParseFailure([{ message: "max parsing recursion depth exceeded", loc: this.tok.loc }], this.pos);
  }

  // ---- token helpers ----

  private get tok(): Token {
    return this.tokens[this.pos]!;
  }

  private is(kind: TokenKind): boolean {
    return this.tokens[this.pos]!.kind === kind;
  }

  /** The current token is `kind` and written right after the previous one (`x[`, `f(`, `a.`). */
  private isAdjacent(kind: TokenKind): boolean {
    const t = this.tokens[this.pos]!;
    return t.kind === kind && !t.spaceBefore;
  }

  private advance(): Token {
    const t = this.tokens[this.pos]!;
    if (t.kind !== "eof") this.pos++;
    return t;
  }

  private accept(kind: TokenKind): boolean {
    if (!this.is(kind)) return false;
    this.pos++;
    return true;
  }

  private expect(kind: TokenKind, note: string): Token {
    if (!this.is(kind)) this.fail(note);
    return this.advance();
  }

  /** Fails at the current token: `unexpected } token: <note>`, as OPA words it. */
  private fail(note?: string): never {
    const t = this.tok;
    if (t.kind === "illegal") this.errorAt(t.loc, t.value);
    const message = `unexpected ${describe(t)}`;
    this.errorAt(t.loc, note ? `${message}: ${note}` : message);
  }

  private errorAt(loc: Location, message: string): never {
    throw new ParseFailure([{ message, loc }], this.pos);
  }

  /** Runs `f`, one nesting level deeper. */
  private nested<T>(f: () => T): T {
    if (this.depth >= MAX_DEPTH) throw this.depthError();
    this.depth++;
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  /** Runs `f`; on a parse failure, rewinds to where it started and returns the failure. */
  private attempt<T>(f: () => T): T | ParseFailure {
    const start = this.pos;
    try {
      return f();
    } catch (e) {
      if (!(e instanceof ParseFailure)) throw e;
      this.pos = start;
      return e;
    }
  }

  // ---- package and imports ----

  /** package = "package" ref */
  private parsePackage(): Package {
    const loc = this.tok.loc;
    if (!this.is("package")) {
      this.errorAt(loc, this.is("eof") ? "empty module" : "package expected");
    }
    this.advance();
    if (!this.is("ident")) this.fail("expected package path");
    return { loc, path: pathNames(this.parsePath("package")) };
  }

  /** The path of a package or import: a var followed by string keys (`a.b["c"]`). */
  private parsePath(what: "package" | "import"): RefTerm {
    const term = this.parseTerm();
    if (term.type === "var") return { type: "ref", terms: [term], loc: term.loc };
    if (term.type !== "ref") this.errorAt(term.loc, `unexpected ${valueName(term)} token: expected ${what} path`);
    for (const key of term.terms.slice(1)) {
      if (key.type !== "string") this.errorAt(key.loc, `unexpected ${valueName(key)} token: expecting string`);
    }
    return term;
  }

  /** import = "import" ref [ "as" var ] */
  private parseImport(): Import {
    const loc = this.advance().loc;
    if (!this.is("ident")) this.fail("expected import path");
    const path = this.parsePath("import");
    const names = pathNames(path);
    if (!IMPORT_ROOTS.has(names[0]!)) {
      this.errorAt(path.loc, `unexpected import path, must begin with one of: {data, future, input, rego}, got: ${names[0]}`);
    }
    let alias: string | undefined;
    if (this.accept("as")) {
      if (!this.is("ident")) this.fail("expected var");
      alias = this.advance().text;
    }
    this.checkImport(names, alias, path.loc);
    return alias === undefined ? { loc, path } : { loc, path, alias };
  }

  /** `future.keywords[.kw]` and `rego.v1` are the only imports of their roots; others must not end in a keyword. */
  private checkImport(names: string[], alias: string | undefined, loc: Location): void {
    const [root, second] = names;
    if (root === "future") {
      if (second !== "keywords" || names.length > 3) this.errorAt(loc, "invalid import, must be `future.keywords`");
      if (alias !== undefined) this.errorAt(loc, "`future` imports cannot be aliased");
      const kw = names[2];
      if (kw !== undefined && !FUTURE_KEYWORDS.includes(kw)) {
        this.errorAt(loc, `unexpected keyword, must be one of [${FUTURE_KEYWORDS.join(" ")}]`);
      }
    } else if (root === "rego") {
      if (second !== "v1" || names.length > 2) this.errorAt(loc, `invalid import \`${names.join(".")}\`, must be \`rego.v1\``);
      if (alias !== undefined && this.regoVersion === 0) this.errorAt(loc, "`rego` imports cannot be aliased");
    } else if (alias === undefined && isKeyword(names[names.length - 1]!)) {
      this.errorAt(loc, `unexpected import path, must not end with a keyword, got: ${names[names.length - 1]}`);
    }
  }

  // ---- rules ----

  /**
   * rule = [ "default" ] rule-head [ rule-body { else } ]
   * Returns several rules only for the old form with several bodies, `p { a } { b }`.
   */
  private parseRules(): Rule[] {
    const loc = this.tok.loc;
    if (this.accept("default")) return [this.parseDefaultRule(loc)];
    if (!this.is("ident")) this.fail(ruleStartNote(this.tok));
    const head = this.parseRuleHead();
    this.applyPartialSetShorthand(head, loc);

    if (!this.is("if") && !this.is("{")) return [this.ruleWithoutBody(head, loc)];
    const rule: Rule = { loc, head, body: this.parseRuleBody(loc), default: false };
    if (this.is("else")) {
      this.checkElseAllowed(head);
      rule.else = this.parseElse(head);
    }
    const rules = [rule];
    while (this.is("{")) {
      if (rule.else) this.fail("expected else keyword");
      const bodyLoc = this.tok.loc;
      rules.push({ loc: bodyLoc, head: { ...head, loc: bodyLoc }, body: this.parseBraces(), default: false });
    }
    return rules;
  }

  /** default-rule = "default" rule-head — with a constant value, and plain variables as arguments. */
  private parseDefaultRule(loc: Location): Rule {
    if (!this.is("ident")) this.fail(ruleStartNote(this.tok));
    const head = this.parseRuleHead();
    if (head.value === undefined) this.errorAt(loc, "illegal default rule (must have a value)");
    const nonConstant = findNonConstant(head.value);
    if (nonConstant) this.errorAt(loc, `illegal default rule (value cannot contain ${nonConstant})`);
    const seen = new Set<string>();
    for (const arg of head.args ?? []) {
      if (arg.type !== "var") this.errorAt(loc, `illegal default rule (arguments cannot contain ${valueName(arg)})`);
      if (seen.has(arg.name)) this.errorAt(loc, `illegal default rule (arguments cannot be repeated ${arg.name})`);
      if (arg.name !== "_") seen.add(arg.name);
    }
    return { loc, head, body: [], default: true };
  }

  /**
   * rule-head = rule-ref [ "(" args ")" ] [ "contains" term | ( "=" | ":=" ) term ]
   * rule-ref  = var { "." var | "[" term "]" }
   */
  private parseRuleHead(): RuleHead {
    const loc = this.tok.loc;
    const ref: Term[] = [this.parseVar()];
    for (;;) {
      if (this.isAdjacent(".")) {
        this.advance();
        ref.push(this.parseDotKey());
      } else if (this.isAdjacent("[")) {
        this.advance();
        ref.push(this.parseMembership(true));
        this.expect("]", "expected ]");
      } else {
        break;
      }
    }
    const head: RuleHead = { loc, ref, assign: false, contains: false };
    if (this.isAdjacent("(")) {
      this.advance();
      head.args = this.parseTermList(")", []);
    }
    if (this.is("contains")) {
      if (head.args) this.fail(`the contains keyword can only be used with multi-value rule definitions (e.g., ${refText(ref)} contains <VALUE> { ... })`);
      this.advance();
      head.contains = true;
      head.key = this.parseMembership(true);
    } else if (this.is(":=") || this.is("=")) {
      head.assign = this.advance().kind === ":=";
      head.value = this.parseMembership(true);
    }
    return head;
  }

  /**
   * Pre-1.0 Rego wrote partial sets as `p[x] { … }` (also `p.q { … }`, the set `p` holding "q"):
   * a two-part ref, no value, no `if`. Rego v1 requires `contains` there instead.
   */
  private applyPartialSetShorthand(head: RuleHead, loc: Location): void {
    if (head.contains || head.args || head.value !== undefined || head.ref.length !== 2 || this.is("if")) return;
    if (this.ruleSyntax === 1) {
      const problems = [{ message: CONTAINS_REQUIRED, loc }];
      if (this.is("{")) problems.unshift({ message: IF_REQUIRED, loc });
      throw new ParseFailure(problems, this.pos);
    }
    head.contains = true;
    head.key = head.ref[1];
    head.ref = [head.ref[0]!];
  }

  /** `p := 1`, `p contains x`, `f(x)` (true): rules whose body is `true`. */
  private ruleWithoutBody(head: RuleHead, loc: Location): Rule {
    if (head.value === undefined && !head.contains && !head.args) {
      if (!this.is("eof") && !this.tok.newlineBefore) this.fail();
      this.errorAt(loc, `${head.ref.length === 1 ? "var" : "ref"} cannot be used for rule name`);
    }
    return { loc, head, body: [], default: false };
  }

  /** rule-body = "if" ( "{" query "}" | literal ) | "{" query "}" (pre-1.0 only) */
  private parseRuleBody(ruleLoc: Location): Body {
    if (this.accept("if")) return this.parseIfBody();
    if (this.ruleSyntax === 1) this.errorAt(ruleLoc, IF_REQUIRED);
    return this.parseBraces();
  }

  /**
   * After `if`: a braced query or a single literal. Like OPA, `{ … }` is first read as a literal,
   * so `if {"a": 1}.a` works; a set literal there (`if { x }`) is a braced query instead.
   */
  private parseIfBody(): Body {
    if (!this.is("{")) return [this.parseLiteral()];
    const start = this.pos;
    const literal = this.attempt(() => this.parseLiteral());
    if (literal instanceof ParseFailure || (literal.kind === "term" && literal.term.type === "set")) {
      this.pos = start;
      return this.parseBraces();
    }
    return [literal];
  }

  /** Else cannot pick between values of different documents or members of a set. */
  private checkElseAllowed(head: RuleHead): void {
    if (head.contains) this.fail("else keyword cannot be used on multi-value rules");
    if (head.ref.slice(1).some((t) => !isGround(t))) {
      this.fail("else keyword cannot be used on rules with variables in head");
    }
  }

  /** else = "else" [ ( "=" | ":=" ) term ] [ rule-body ] — without a value, the value is true. */
  private parseElse(head: RuleHead): Rule {
    const loc = this.advance().loc;
    let value: Term = { type: "boolean", value: true, loc };
    let assign = false;
    if (this.is(":=") || this.is("=")) {
      assign = this.advance().kind === ":=";
      value = this.parseMembership(true);
    } else if (!this.is("if") && !this.is("{")) {
      this.fail("expected else value term or rule body");
    }
    const elseHead: RuleHead = { loc, ref: head.ref, value, assign, contains: false };
    if (head.args) elseHead.args = head.args;
    const rule: Rule = { loc, head: elseHead, body: [], default: false };
    if (this.is("if") || this.is("{")) {
      rule.body = this.parseRuleBody(loc);
      if (this.is("else")) rule.else = this.parseElse(head);
    }
    return rule;
  }

  // ---- bodies ----

  /** "{" query "}" */
  private parseBraces(): Body {
    this.expect("{", "expected {");
    const body = this.nested(() => this.parseQuery("}"));
    this.advance();
    return body;
  }

  /** query = literal { ( ";" | newline ) literal }, up to (not including) `end`. */
  private parseQuery(end: "}" | "]" | "eof"): Body {
    if (this.is(end)) this.errorAt(this.tok.loc, "found empty body");
    const body: Body = [];
    for (;;) {
      body.push(this.parseLiteral());
      if (this.accept(";")) continue;
      if (this.is(end)) return body;
      if (!this.tok.newlineBefore) this.fail(`expected \\n or ; or ${end}`);
    }
  }

  /** literal = ( some-decl | every | [ "not" ] expr ) { with-modifier } */
  private parseLiteral(): Expr {
    if (this.is("some")) return this.parseSomeDecl();
    if (this.is("every")) return this.parseEvery();
    const loc = this.tok.loc;
    const negated = this.accept("not");
    if (negated && this.is("some")) this.fail("illegal negation of 'some'");
    if (negated && this.is("every")) this.fail("illegal negation of 'every'");
    const expr = this.parseExpr(loc, negated);
    expr.with = this.parseWithModifiers();
    return expr;
  }

  /** expr = term [ ( "=" | ":=" ) term ] — where term includes infix calls and `in`. */
  private parseExpr(loc: Location, negated: boolean): Expr {
    const left = this.parseMembership(true);
    if (this.is(":=") || this.is("=")) {
      const kind = this.advance().kind === ":=" ? "assign" : "unify";
      const right = this.parseMembership(true);
      return { kind, loc, negated, with: [], left, right };
    }
    return { kind: "term", loc, negated, with: [], term: left };
  }

  /** with-modifier = "with" ref "as" term */
  private parseWithModifiers(): With[] {
    const withs: With[] = [];
    while (this.is("with")) {
      const loc = this.advance().loc;
      if (!this.is("ident")) this.fail("expected ident");
      const target = this.parseTerm();
      if (target.type !== "var" && target.type !== "ref") this.errorAt(target.loc, "expected with target path");
      this.expect("as", "expected as keyword");
      const value = this.parseMembership(true);
      const ref: RefTerm = target.type === "ref" ? target : { type: "ref", terms: [target], loc: target.loc };
      withs.push({ loc, target: ref, value });
    }
    return withs;
  }

  /**
   * some-decl = "some" term [ "," term ] "in" term | "some" var { "," var }
   * Read as a membership first; anything else is re-read as a list of variables. A membership
   * that fails after its first token is reported as is: a list of variables would fail too, later
   * and less clearly.
   */
  private parseSomeDecl(): SomeExpr | SomeInExpr {
    const loc = this.advance().loc;
    const start = this.pos;
    const membership = this.attempt(() => this.parseMembership(true));
    if (membership instanceof ParseFailure && membership.at !== start) throw membership;
    if (!(membership instanceof ParseFailure) && isMembership(membership)) {
      const [a, b, c] = membership.args as [Term, Term, Term | undefined];
      const decl: SomeInExpr = c
        ? { kind: "somein", loc, negated: false, with: [], key: a, value: b, collection: c }
        : { kind: "somein", loc, negated: false, with: [], value: a, collection: b };
      decl.with = this.parseWithModifiers();
      return decl;
    }
    this.pos = start;
    const vars: VarTerm[] = [];
    do {
      if (!this.is("ident")) this.fail("expected var");
      vars.push(this.parseVar());
    } while (this.accept(","));
    return { kind: "some", loc, negated: false, with: [], vars };
  }

  /** every = "every" var [ "," var ] "in" term "{" query "}" */
  private parseEvery(): EveryExpr {
    const loc = this.advance().loc;
    const membership = this.parseMembership(true);
    if (!isMembership(membership)) this.fail("expected `x[, y] in xs { ... }` expression");
    const [a, b, c] = membership.args as [Term, Term, Term | undefined];
    const [key, value, domain] = c ? [a, b, c] : [undefined, a, b];
    if (value.type !== "var") this.errorAt(value.loc, "expected value to be a variable");
    if (key && key.type !== "var") this.errorAt(key.loc, "expected key to be a variable");
    if (!this.is("{")) this.fail("missing body");
    const body = this.parseBraces();
    const every: EveryExpr = { kind: "every", loc, negated: false, with: [], value, domain, body };
    if (key) every.key = key as VarTerm;
    every.with = this.parseWithModifiers();
    return every;
  }

  // ---- infix terms, loosest first ----

  /**
   * membership = relation [ "," relation ] { "in" relation }
   * `k, v in xs` is only read where a comma cannot mean anything else (`keyValue`): not in
   * collections or call arguments.
   */
  private parseMembership(keyValue: boolean): Term {
    let lhs = this.parseRelation();
    if (keyValue && this.is(",")) {
      const comma = this.pos;
      this.advance();
      const value = this.attempt(() => this.parseRelation());
      if (!(value instanceof ParseFailure) && this.is("in")) {
        const op = this.advance();
        lhs = memberCall(op, [lhs, value, this.parseRelation()]);
      } else {
        this.pos = comma;
      }
    }
    while (this.is("in")) {
      const op = this.advance();
      lhs = memberCall(op, [lhs, this.parseRelation()]);
    }
    return lhs;
  }

  /** relation = or { ( "==" | "!=" | "<" | "<=" | ">" | ">=" ) or } */
  private parseRelation(): Term {
    let lhs = this.parseOr();
    while (RELATION_OPERATORS.has(this.tok.kind)) lhs = infixCall(this.advance(), lhs, this.parseOr());
    return lhs;
  }

  /** or = and { "|" and } */
  private parseOr(): Term {
    let lhs = this.parseAnd();
    while (this.is("|")) lhs = infixCall(this.advance(), lhs, this.parseAnd());
    return lhs;
  }

  /** and = arith { "&" arith } */
  private parseAnd(): Term {
    let lhs = this.parseArith();
    while (this.is("&")) lhs = infixCall(this.advance(), lhs, this.parseArith());
    return lhs;
  }

  /** arith = factor { ( "+" | "-" ) factor } */
  private parseArith(): Term {
    let lhs = this.parseFactor();
    while (ARITH_OPERATORS.has(this.tok.kind)) lhs = infixCall(this.advance(), lhs, this.parseFactor());
    return lhs;
  }

  /** factor = term { ( "*" | "/" | "%" ) term } */
  private parseFactor(): Term {
    let lhs = this.parseTerm();
    while (FACTOR_OPERATORS.has(this.tok.kind)) lhs = infixCall(this.advance(), lhs, this.parseTerm());
    return lhs;
  }

  // ---- terms ----

  /**
   * A template string, as OPA's parser rewrites it: `$"a{x}b"` is the call
   * `internal.template_string(["a", {__template_0 | __template_0 = x}, "b"])`. Each expression
   * becomes the set of its values, so an undefined one is an empty set (written `<undefined>`)
   * rather than failing; `with` modifiers stay on it.
   */
  private templateString(parts: TemplatePart[], form: "string" | "raw", loc: Location): Term {
    const items = parts.map((part): Term => {
      if ("text" in part) return { type: "string", value: part.text, loc };
      const sub = new Parser(part.tokens, [], this.file, this.regoVersion, this.ruleSyntax, this.templateVars);
      const expr = sub.nested(() => sub.parseLiteral());
      if (!sub.is("eof")) sub.fail("expected }");
      if (expr.kind !== "term" || expr.negated) this.errorAt(expr.loc, "template expression must be a term");
      return valuesOf(expr.term, `__template_${this.templateVars.next++}`, expr.with);
    });
    return { ...internalCall("template_string", items, loc), template: form };
  }

  /** term = primary { "." var | "[" term "]" | "(" args ")" } (memoised by position) */
  private parseTerm(): Term {
    const start = this.pos;
    const cached = this.termCache.get(start);
    if (cached instanceof ParseFailure) throw cached;
    if (cached) {
      this.pos = cached.end;
      return cached.term;
    }
    const opener = this.tok.kind;
    try {
      const term = this.nested(() => this.parseRef(this.parsePrimary()));
      // Only bracketed terms can nest deeply; re-reading anything else again costs little.
      if (opener === "[" || opener === "{" || opener === "(") this.termCache.set(start, { term, end: this.pos });
      return term;
    } catch (e) {
      if (e instanceof ParseFailure) this.termCache.set(start, e);
      throw e;
    }
  }

  /** primary = scalar | var | array | set | object | comprehension | "(" membership ")" */
  private parsePrimary(): Term {
    const t = this.tok;
    switch (t.kind) {
      case "null":
        this.advance();
        return { type: "null", loc: t.loc };
      case "true":
      case "false":
        this.advance();
        return { type: "boolean", value: t.kind === "true", loc: t.loc };
      case "number":
      case "-":
      case ".":
        return this.parseNumber();
      case "string":
        this.advance();
        return { type: "string", value: t.value, loc: t.loc };
      case "rawstring":
        this.advance();
        return { type: "string", value: t.value, raw: true, loc: t.loc };
      case "template":
        this.advance();
        return this.templateString(t.parts!, t.text.startsWith("$`") ? "raw" : "string", t.loc);
      case "ident":
      case "contains": // a keyword only in rule heads; elsewhere the built-in `contains`
        return this.parseVar();
      case "[":
        return this.parseArray();
      case "{":
        return this.parseSetOrObject();
      case "(":
        return this.parseParens();
      default:
        this.fail();
    }
  }

  private parseVar(): VarTerm {
    const t = this.advance();
    return { type: "var", name: t.text, loc: t.loc };
  }

  /** number = [ "-" ] ( digits [ "." digits ] | "." digits ) [ exponent ] — only literals take a sign. */
  private parseNumber(): Term {
    const loc = this.tok.loc;
    let prefix = "";
    if (this.accept("-")) {
      prefix = "-";
      if (!this.is("number") && !this.is(".")) this.fail("expected number");
    }
    if (this.accept(".")) {
      prefix += ".";
      if (!this.is("number")) this.fail("expected number");
      if (/[.]/.test(this.tok.text)) this.fail("invalid float");
    }
    const digits = this.tok.text;
    const isFraction = prefix.endsWith(".");
    if (!isFraction && digits.length > 1 && digits[0] === "0" && !/^0[.eE]/.test(digits)) {
      this.fail("expected number without leading zero");
    }
    if (Math.abs(decimalMagnitude(isFraction ? `.${digits}` : digits)) > MAX_NUMBER_MAGNITUDE) {
      this.errorAt(this.tok.loc, "number too big");
    }
    this.advance();
    return { type: "number", value: prefix + digits, loc };
  }

  /** "(" membership ")" — parentheses only group; the term keeps its own location. */
  private parseParens(): Term {
    this.advance();
    const term = this.parseMembership(true);
    if (!this.is(")")) this.errorAt(this.tok.loc, "non-terminated expression");
    this.advance();
    return term;
  }

  /** The string key after a `.`: any word, keywords included (`input.if`), written right after it. */
  private parseDotKey(): Term {
    const t = this.tok;
    if (t.spaceBefore || !(t.kind === "ident" || isKeyword(t.kind))) this.fail("expected ident");
    this.advance();
    return { type: "string", value: t.text, loc: t.loc };
  }

  /** Ref and call suffixes written right after a term: `x.a`, `x[0]`, `f(x)`, `f(x)[0]`. */
  private parseRef(head: Term): Term {
    if (!this.isAdjacent(".") && !this.isAdjacent("[") && !this.isAdjacent("(")) return head;
    if (!REF_HEADS.has(head.type)) this.errorAt(head.loc, `illegal ref (head cannot be ${valueName(head)})`);
    let terms: Term[] = [head];
    for (;;) {
      if (this.isAdjacent(".")) {
        this.advance();
        terms.push(this.parseDotKey());
      } else if (this.isAdjacent("[")) {
        this.advance();
        terms.push(this.parseMembership(true));
        this.expect("]", "expected ]");
      } else if (this.isAdjacent("(")) {
        terms = [this.parseCall({ type: "ref", terms, loc: head.loc })];
      } else {
        return terms.length === 1 ? terms[0]! : { type: "ref", terms, loc: head.loc };
      }
    }
  }

  /** call = ref "(" [ term { "," term } [ "," ] ] ")" — `set()` is the empty set. */
  private parseCall(operator: RefTerm): CallTerm | SetTerm {
    this.advance();
    const args = this.parseTermList(")", []);
    const [op] = operator.terms;
    if (args.length === 0 && operator.terms.length === 1 && op!.type === "var" && op!.name === "set") {
      return { type: "set", items: [], loc: operator.loc };
    }
    return { type: "call", operator, args, loc: operator.loc };
  }

  /** array = "[" [ term { "," term } [ "," ] ] "]" | "[" term "|" query "]" */
  private parseArray(): Term {
    const loc = this.advance().loc;
    if (this.accept("]")) return { type: "array", items: [], loc };
    // OPA accepts a leading comma (`[, x]`) for compatibility; it rules out a comprehension.
    const mayBeComprehension = !this.accept(",");
    const start = this.pos;
    // A single term first: `[x | y]` is a comprehension, not an array holding `x | y`.
    const head = this.parseTerm();
    if (this.accept("]")) return { type: "array", items: [head], loc };
    if (this.accept(",")) return { type: "array", items: this.parseTermList("]", [head]), loc };
    if (this.is("|") && mayBeComprehension) {
      this.advance();
      const body = this.attempt(() => this.parseComprehensionBody("]"));
      if (!(body instanceof ParseFailure)) return { type: "arraycomp", term: head, body, loc };
      // `[x | y, z]` is an array after all; any other failure is a real error.
      if (this.tokens[body.at]!.kind !== ",") throw body;
    }
    this.pos = start;
    return { type: "array", items: this.parseTermList("]", []), loc };
  }

  /** The query of a comprehension, and its closing bracket. */
  private parseComprehensionBody(end: "]" | "}"): Body {
    const body = this.nested(() => this.parseQuery(end));
    this.advance();
    return body;
  }

  /**
   * set = "{" term { "," term } [ "," ] "}" | "{" term "|" query "}"
   * object = "{" [ term ":" term { "," term ":" term } [ "," ] ] "}" | "{" term ":" term "|" query "}"
   * `{}` is the empty object; the empty set is written `set()`.
   */
  private parseSetOrObject(): Term {
    const loc = this.advance().loc;
    if (this.accept("}")) return { type: "object", entries: [], loc };
    const mayBeComprehension = !this.accept(",");
    const start = this.pos;
    const head = this.parseTerm();
    if (this.is("}") || this.is(",") || (this.is("|") && mayBeComprehension)) {
      return this.parseSetRest(loc, start, head, mayBeComprehension);
    }
    if (this.is(":")) return this.parseObjectRest(loc, head, mayBeComprehension);
    // The first item is an infix term (`{a + 1}`, `{x == y: 1}`): read it again as one.
    this.pos = start;
    const item = this.parseMembership(false);
    if (this.is("}") || this.is(",")) return this.parseSetRest(loc, start, item, false);
    if (this.is(":")) return this.parseObjectRest(loc, item, mayBeComprehension);
    this.fail("non-terminated set");
  }

  /** The rest of a set (or set comprehension) after its first item. */
  private parseSetRest(loc: Location, start: number, head: Term, mayBeComprehension: boolean): Term {
    if (this.accept("}")) return { type: "set", items: [head], loc };
    if (this.accept(",")) return { type: "set", items: this.parseTermList("}", [head]), loc };
    if (mayBeComprehension) {
      this.advance();
      const body = this.attempt(() => this.parseComprehensionBody("}"));
      if (!(body instanceof ParseFailure)) return { type: "setcomp", term: head, body, loc };
      if (this.tokens[body.at]!.kind !== ",") throw body;
    }
    this.pos = start;
    return { type: "set", items: this.parseTermList("}", []), loc };
  }

  /** The rest of an object (or object comprehension) after its first key and the colon. */
  private parseObjectRest(loc: Location, key: Term, mayBeComprehension: boolean): Term {
    this.advance();
    const start = this.pos;
    if (mayBeComprehension) {
      // A single term first, so that `{k: v | body}` is a comprehension.
      const value = this.parseTerm();
      if (this.is("}") || this.is(",")) return this.parseObjectFinish(loc, key, value);
      if (this.is("|")) {
        this.advance();
        const body = this.attempt(() => this.parseComprehensionBody("}"));
        if (!(body instanceof ParseFailure)) return { type: "objectcomp", key, value, body, loc };
        // `{k: v | y, …}` is an object after all; any other failure is a real error.
        if (this.tokens[body.at]!.kind !== ",") throw body;
      }
      this.pos = start;
    }
    const value = this.parseMembership(false);
    if (this.is("}") || this.is(",")) return this.parseObjectFinish(loc, key, value);
    this.fail("non-terminated object");
  }

  /** Completes an object after its first entry, at the `}` or `,` following it. */
  private parseObjectFinish(loc: Location, key: Term, value: Term): Term {
    const entries: [Term, Term][] = [[key, value]];
    if (this.accept(",")) {
      while (!this.is("}")) {
        const k = this.parseMembership(false);
        this.expect(":", 'expected ":"');
        entries.push([k, this.parseMembership(false)]);
        if (!this.is("}")) this.expect(",", 'expected "," or "}"');
      }
    }
    this.advance();
    return { type: "object", entries, loc };
  }

  /** Comma-separated terms up to and including `end`; a trailing comma is allowed. */
  private parseTermList(end: "]" | "}" | ")", items: Term[]): Term[] {
    while (!this.is(end)) {
      items.push(this.parseMembership(false));
      if (!this.is(end)) this.expect(",", `expected "," or "${end}"`);
    }
    this.advance();
    return items;
  }
}

// ---- helpers ----

const REF_HEADS: ReadonlySet<Term["type"]> = new Set([
  "var",
  "array",
  "object",
  "set",
  "arraycomp",
  "setcomp",
  "objectcomp",
  "call",
]);

/** How OPA names a token in `unexpected … token` messages. */
function describe(t: Token): string {
  switch (t.kind) {
    case "ident":
    case "number":
    case "string":
    case "eof":
      return `${t.kind} token`;
    case "rawstring":
      return "string token";
    default:
      return isKeyword(t.kind) ? `${t.kind} keyword` : `${t.kind} token`;
  }
}

function ruleStartNote(t: Token): string {
  if (t.kind === "else") return "else must follow a rule body";
  if (t.kind === "package") return "a module has only one package declaration";
  if (isKeyword(t.kind)) return "keywords cannot be used as rule names";
  return "expected rule";
}

/** How OPA names a value's type in messages. */
function valueName(t: Term): string {
  switch (t.type) {
    case "arraycomp":
      return "arraycomprehension";
    case "setcomp":
      return "setcomprehension";
    case "objectcomp":
      return "objectcomprehension";
    default:
      return t.type;
  }
}

/** The names along a path checked by `parsePath`: a var, then strings. */
function pathNames(path: RefTerm): string[] {
  return path.terms.map((t) => (t.type === "var" ? t.name : (t as StringTerm).value));
}

function refText(ref: Term[]): string {
  return ref.map((t, i) => (t.type === "var" && i === 0 ? t.name : t.type === "string" ? `.${t.value}` : "[…]")).join("");
}

function operatorRef(names: string[], loc: Location): RefTerm {
  const terms = names.map((n, i): Term => (i === 0 ? { type: "var", name: n, loc } : { type: "string", value: n, loc }));
  return { type: "ref", terms, loc };
}

function infixCall(op: Token, lhs: Term, rhs: Term): CallTerm {
  const name = INFIX_OPERATORS[op.kind]!;
  return { type: "call", operator: operatorRef([name], op.loc), args: [lhs, rhs], infix: op.kind, loc: lhs.loc };
}

function memberCall(op: Token, args: Term[]): CallTerm {
  const name = args.length === 3 ? "member_3" : "member_2";
  return { type: "call", operator: operatorRef(["internal", name], op.loc), args, infix: "in", loc: args[0]!.loc };
}

function isMembership(t: Term): t is CallTerm {
  return t.type === "call" && t.infix === "in";
}

/** True when a term contains no variables (outside comprehensions, which close over theirs). */
function isGround(t: Term): boolean {
  switch (t.type) {
    case "var":
      return false;
    case "ref":
      return t.terms.every(isGround);
    case "call":
      return t.args.every(isGround);
    case "array":
    case "set":
      return t.items.every(isGround);
    case "object":
      return t.entries.every(([k, v]) => isGround(k) && isGround(v));
    default:
      return true;
  }
}

/** The first var, ref or call in a default rule's value (comprehensions are allowed), if any. */
function findNonConstant(t: Term): string | undefined {
  switch (t.type) {
    case "var":
    case "ref":
    case "call":
      return t.type;
    case "array":
    case "set":
      return firstDefined(t.items, findNonConstant);
    case "object":
      return firstDefined(t.entries, ([k, v]) => findNonConstant(k) ?? findNonConstant(v));
    default:
      return undefined;
  }
}

function firstDefined<T>(xs: T[], f: (x: T) => string | undefined): string | undefined {
  for (const x of xs) {
    const r = f(x);
    if (r !== undefined) return r;
  }
  return undefined;
}

/** The decimal exponent of a number literal's leading digit (`123` is 3, `0.01` is -1, `1e5` is 6). */
function decimalMagnitude(text: string): number {
  const e = text.search(/[eE]/);
  const mantissa = e < 0 ? text : text.slice(0, e);
  const exponent = e < 0 ? 0 : Number(text.slice(e + 1));
  const dot = mantissa.indexOf(".");
  const intDigits = dot < 0 ? mantissa.length : dot;
  const firstNonZero = mantissa.replace(".", "").search(/[1-9]/);
  if (firstNonZero < 0) return 0;
  return intDigits - firstNonZero + exponent;
}
