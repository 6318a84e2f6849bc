// Canonical formatting of Rego (`warden fmt`), as `opa fmt` does it: Rego v1 syntax (`if`,
// `contains`), tabs for indentation, one blank line between rules, imports sorted, at most one
// blank line kept inside bodies, comments kept where they were.
//
// The printer works from the AST and the source text. Every output line that starts a construct
// (package, import, rule, body expression, element of a multi-line collection) remembers the
// source row it came from. Comments alone on their line are written before the first construct
// that follows them in the source (or before the `}` of the block they were in); comments after
// code on a line are appended to the output line holding that code. Formatting never drops a
// comment: one the printer could not place goes at the end of the file.
import type { Body, Comment, Expr, Import, Module, Package, RefTerm, Rule, RuleHead, Term } from "./ast.ts";
import { lex } from "./lexer.ts";
import { parseModule } from "./parser.ts";

export interface FormatOptions {
  /** The dialect of the input: 1 (default) or 0; the output is always Rego v1. */
  regoVersion?: 0 | 1;
}

/** Formats a Rego source file; throws RegoErrors when it does not parse. */
export function formatSource(text: string, file = "input.rego", opts: FormatOptions = {}): string {
  const module = parseModule(text, file, { regoVersion: opts.regoVersion ?? 1 });
  return formatModule(module, text);
}

/** Formats a parsed module; `text` (its source) tells where blank lines and comments were. */
export function formatModule(m: Module, text: string): string {
  const out = new Out(m.comments, text);
  new Printer(out, true).module(m);
  return out.finish();
}

/** One expression on one line, as it would appear in a body (used in test failure reports). */
export function formatExpr(e: Expr): string {
  const out = new Out([], "");
  out.start(0);
  new Printer(out, false).expr(e, Infinity);
  return out.finish().trimEnd();
}

/** One term on one line. */
export function formatTerm(t: Term): string {
  const out = new Out([], "");
  out.start(0);
  new Printer(out, false).term(t, 0);
  return out.finish().trimEnd();
}

// ---- output lines and comments ----

interface Line {
  indent: number;
  text: string;
  /** The source row of the construct this line starts, if it starts one. */
  row?: number;
  trailing: string[];
}

/** Output lines, with comments woven in by source row. */
class Out {
  private readonly lines: Line[] = [];
  private readonly ownLine: Comment[] = [];
  private readonly trailing: Comment[] = [];
  private next = 0;
  /** Source rows holding a token or a comment; the others are blank. */
  private readonly used = new Set<number>();

  constructor(comments: Comment[], text: string) {
    const { tokens } = text === "" ? { tokens: [] } : lex(text, "fmt");
    const firstCol = new Map<number, number>();
    for (const t of tokens) {
      if (t.kind === "eof") continue;
      const rows = t.text.split("\n").length;
      for (let r = t.loc.row; r < t.loc.row + rows; r++) this.used.add(r);
      if (!firstCol.has(t.loc.row)) firstCol.set(t.loc.row, t.loc.col);
    }
    for (const c of comments) {
      this.used.add(c.loc.row);
      const codeCol = firstCol.get(c.loc.row);
      if (codeCol !== undefined && codeCol < c.loc.col) this.trailing.push(c);
      else this.ownLine.push(c);
    }
    this.ownLine.sort((a, b) => a.loc.row - b.loc.row);
  }

  private get last(): Line | undefined {
    return this.lines[this.lines.length - 1];
  }

  /** A blank line, unless the output is empty, already ends with one or with a block opener. */
  blank(): void {
    const last = this.last;
    if (!last || last.text === "" || /[[{(|]$/.test(last.text)) return;
    this.lines.push({ indent: 0, text: "", trailing: [] });
  }

  private blankInSource(row: number): boolean {
    return row > 1 && !this.used.has(row - 1);
  }

  /**
   * Starts a new output line at `indent`. With a source row: the comments before that row are
   * written first, and a blank line before it in the source is kept (`blank` forces one).
   */
  start(indent: number, row?: number, opts: { blank?: boolean } = {}): void {
    if (row !== undefined) {
      const forced = opts.blank ?? false;
      const wrote = this.commentsBefore(row, indent, forced);
      if ((forced && !wrote) || this.blankInSource(row)) this.blank();
    }
    this.lines.push({ indent, text: "", row, trailing: [] });
  }

  /** Writes the own-line comments before `row` (indented deeper than `minCol`) at `indent`. */
  commentsBefore(row: number, indent: number, forceBlank = false, minCol = 0): boolean {
    let wrote = false;
    while (this.next < this.ownLine.length && this.ownLine[this.next]!.loc.row < row) {
      const c = this.ownLine[this.next]!;
      if (c.loc.col <= minCol) break;
      if ((!wrote && forceBlank) || this.blankInSource(c.loc.row)) this.blank();
      this.lines.push({ indent, text: `#${c.text}`, row: c.loc.row, trailing: [] });
      this.next++;
      wrote = true;
    }
    return wrote;
  }

  write(s: string): void {
    this.last!.text += s;
  }

  finish(): string {
    // Comments left over: after the last construct.
    while (this.next < this.ownLine.length) {
      const c = this.ownLine[this.next++]!;
      if (this.blankInSource(c.loc.row)) this.blank();
      this.lines.push({ indent: 0, text: `#${c.text}`, row: c.loc.row, trailing: [] });
    }
    for (const c of this.trailing) {
      let best: Line | undefined;
      for (const l of this.lines) if (l.row !== undefined && l.row <= c.loc.row && (!best || l.row >= best.row!)) best = l;
      if (best) best.trailing.push(c.text);
      else this.lines.push({ indent: 0, text: `#${c.text}`, trailing: [] });
    }
    const text = this.lines
      .map((l) => (l.text === "" && l.trailing.length === 0 ? "" : "\t".repeat(l.indent) + l.text + l.trailing.map((t) => ` #${t}`).join("")))
      .join("\n");
    return text.replace(/\n+$/, "") + "\n";
  }

  get indent(): number {
    return this.last?.indent ?? 0;
  }
}

// ---- precedence ----

/** Binding strength of infix operators, loosest first (as the parser reads them). */
const PREC: Readonly<Record<string, number>> = {
  in: 1,
  "==": 2,
  "!=": 2,
  "<": 2,
  "<=": 2,
  ">": 2,
  ">=": 2,
  "|": 3,
  "&": 4,
  "+": 5,
  "-": 5,
  "*": 6,
  "/": 6,
  "%": 6,
};
/** Only a primary term (with its ref and call suffixes) may stand here. */
const PRIMARY = 7;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

// ---- the printer ----

class Printer {
  constructor(
    private readonly out: Out,
    /** Whether collections and bodies written over several lines stay multi-line. */
    private readonly multiline: boolean,
  ) {}

  module(m: Module): void {
    this.out.start(0, m.package.loc.row);
    this.out.write(packageText(m.package));
    const imports = [...m.imports].sort((a, b) => cmp(importText(a), importText(b)));
    imports.forEach((imp, i) => {
      this.out.start(0, imp.loc.row, { blank: i === 0 });
      this.out.write(importText(imp));
    });
    m.rules.forEach((r, i) => {
      const nextRow = m.rules[i + 1]?.loc.row ?? Infinity;
      this.rule(r, nextRow);
    });
  }

  rule(r: Rule, limit: number): void {
    this.out.start(0, r.loc.row, { blank: true });
    if (r.default) this.out.write("default ");
    this.head(r.head);
    // Chains of else read best with every body in braces.
    const chained = r.else !== undefined;
    this.ruleBody(r, r.head, limit, chained);
    for (let e = r.else; e; e = e.else) {
      this.out.write(" else");
      if (!isImplicitTrue(e)) {
        this.out.write(e.head.assign ? " := " : " = ");
        this.term(e.head.value!, 0, true);
      }
      this.ruleBody(e, e.head, limit, true);
    }
  }

  private head(h: RuleHead): void {
    this.out.write(refHeadText(h.ref, (t) => this.inline(t, 0)));
    if (h.args) {
      this.out.write("(");
      this.list(h.args);
      this.out.write(")");
    }
    if (h.contains) {
      this.out.write(" contains ");
      this.term(h.key!, 0, true);
    } else if (h.value !== undefined) {
      this.out.write(h.assign ? " := " : " = ");
      this.term(h.value, 0, true);
    }
  }

  /** ` if expr`, ` if { … }` or nothing for a rule without a body. */
  private ruleBody(r: Rule, h: RuleHead, limit: number, braces: boolean): void {
    if (r.body.length === 0) return;
    const [only] = r.body;
    const headEnd = Math.max(h.loc.row, lastRow(h.value), lastRow(h.key));
    if (!braces && r.body.length === 1 && only!.loc.row <= headEnd && this.oneLiner(only!)) {
      this.out.write(" if ");
      this.expr(only!, limit);
      return;
    }
    this.out.write(" if {");
    this.block(r.body, limit, r.loc.col);
    this.out.write("}");
  }

  /** An expression that can follow `if` without braces: one line, not starting with `{`. */
  private oneLiner(e: Expr): boolean {
    if (e.kind === "every") return false;
    if (e.kind === "term" && !e.negated && startsWithBrace(e.term)) return false;
    return !this.multiline || !spansRows(e);
  }

  /** The expressions of a body, one per line, then the line of the closing bracket. */
  private block(body: Body, limit: number, openerCol: number): void {
    const indent = this.out.indent + 1;
    body.forEach((e, i) => {
      this.out.start(indent, e.loc.row);
      this.expr(e, body[i + 1]?.loc.row ?? limit);
    });
    this.out.commentsBefore(limit, indent, false, openerCol);
    this.out.start(indent - 1);
  }

  expr(e: Expr, limit: number): void {
    if (e.negated) this.out.write("not ");
    switch (e.kind) {
      case "term":
        this.term(e.term, 0, true);
        break;
      case "unify":
      case "assign":
        this.term(e.left, 0);
        this.out.write(e.kind === "assign" ? " := " : " = ");
        this.term(e.right, 0);
        break;
      case "some":
        this.out.write(`some ${e.vars.map((v) => v.name).join(", ")}`);
        break;
      case "somein":
        this.out.write("some ");
        if (e.key) {
          this.term(e.key, 2);
          this.out.write(", ");
        }
        this.term(e.value, 2);
        this.out.write(" in ");
        this.term(e.collection, 2);
        break;
      case "every":
        this.out.write("every ");
        if (e.key) this.out.write(`${e.key.name}, `);
        this.out.write(`${e.value.name} in `);
        this.term(e.domain, 2);
        this.out.write(" {");
        if (this.multiline) {
          this.block(e.body, limit, e.loc.col);
        } else {
          this.out.write(" ");
          this.inlineBody(e.body);
          this.out.write(" ");
        }
        this.out.write("}");
        break;
    }
    const indent = this.out.indent;
    let row = e.loc.row;
    for (const w of e.with) {
      // A `with` written on a line of its own stays there, indented one more level.
      if (this.multiline && w.loc.row > row) {
        this.out.start(indent + 1, w.loc.row);
        this.out.write(`with ${this.inline(w.target, PRIMARY)} as `);
      } else this.out.write(` with ${this.inline(w.target, PRIMARY)} as `);
      row = w.loc.row;
      this.term(w.value, 0);
    }
  }

  private inlineBody(body: Body): void {
    body.forEach((e, i) => {
      if (i > 0) this.out.write("; ");
      this.expr(e, Infinity);
    });
  }

  /**
   * A template string as it was written, from the call the parser made of it: literal text
   * escaped for its form (braces as `\{` and `\}`), each `{expression}` on one line.
   */
  private templateString(t: Extract<Term, { type: "call" }>): string {
    const raw = t.template === "raw";
    const items = t.args[0]!.type === "array" ? t.args[0]!.items : [];
    const parts = items.map((item) => {
      if (item.type === "string") {
        const text = raw ? item.value : JSON.stringify(item.value).slice(1, -1);
        return text.replace(/[{}]/g, (c) => `\\${c}`);
      }
      const e = item.type === "setcomp" ? item.body[0] : undefined;
      if (e?.kind !== "unify") return "";
      const out = new Out([], "");
      out.start(0);
      new Printer(out, false).expr({ kind: "term", negated: false, with: e.with, term: e.right, loc: e.loc }, Infinity);
      return `{${out.finish().replace(/\n$/, "")}}`;
    });
    return raw ? `$\`${parts.join("")}\`` : `$"${parts.join("")}"`;
  }

  /** A term as a string on one line. */
  private inline(t: Term, minPrec: number): string {
    const out = new Out([], "");
    out.start(0);
    new Printer(out, false).term(t, minPrec);
    return out.finish().replace(/\n$/, "");
  }

  /**
   * Writes a term where operators binding less than `minPrec` need parentheses. `top` marks the
   * places where `k, v in xs` may stand bare (a whole expression, a rule value).
   */
  term(t: Term, minPrec: number, top = false): void {
    const w = (s: string) => this.out.write(s);
    switch (t.type) {
      case "null":
        return w("null");
      case "boolean":
        return w(String(t.value));
      case "number":
        return w(t.value);
      case "string":
        return w(t.raw ? `\`${t.value}\`` : JSON.stringify(t.value));
      case "var":
        return w(t.name);
      case "ref":
        return this.ref(t);
      case "array":
        if (t.items.length === 0) return w("[]");
        return this.collection("[", "]", t.loc.row, t.items.map((x) => () => this.item(x)), t.items.map((x) => x.loc.row));
      case "set":
        if (t.items.length === 0) return w("set()");
        return this.collection("{", "}", t.loc.row, t.items.map((x) => () => this.item(x)), t.items.map((x) => x.loc.row));
      case "object":
        if (t.entries.length === 0) return w("{}");
        return this.collection(
          "{",
          "}",
          t.loc.row,
          t.entries.map(([k, v]) => () => {
            this.item(k);
            w(": ");
            this.item(v);
          }),
          t.entries.map(([k]) => k.loc.row),
        );
      case "arraycomp":
        return this.comprehension("[", "]", t.loc.row, () => this.term(t.term, PRIMARY), t.body);
      case "setcomp":
        return this.comprehension("{", "}", t.loc.row, () => this.term(t.term, PRIMARY), t.body);
      case "objectcomp":
        return this.comprehension(
          "{",
          "}",
          t.loc.row,
          () => {
            this.term(t.key, PRIMARY);
            w(": ");
            this.term(t.value, PRIMARY);
          },
          t.body,
        );
      case "call": {
        if (t.template) return w(this.templateString(t));
        if (!t.infix) {
          w(`${this.operatorName(t.operator)}(`);
          this.list(t.args);
          return w(")");
        }
        const prec = PREC[t.infix]!;
        const keyValue = t.args.length === 3;
        const parens = prec < minPrec || (keyValue && !top);
        if (parens) w("(");
        if (keyValue) {
          this.term(t.args[0]!, 2);
          w(", ");
          this.term(t.args[1]!, 2);
          w(" in ");
          this.term(t.args[2]!, 2);
        } else {
          this.term(t.args[0]!, prec);
          w(` ${t.infix} `);
          this.term(t.args[1]!, prec + 1);
        }
        if (parens) w(")");
        return;
      }
    }
  }

  /** An element of a collection: `|` needs parentheses there (`[a | b]` is a comprehension). */
  private item(t: Term): void {
    if (t.type === "call" && t.infix === "|") {
      this.out.write("(");
      this.term(t, 0);
      this.out.write(")");
    } else this.term(t, 1);
  }

  private list(items: Term[]): void {
    items.forEach((x, i) => {
      if (i > 0) this.out.write(", ");
      this.term(x, 1);
    });
  }

  private collection(open: string, close: string, row: number, items: (() => void)[], rows: number[]): void {
    const multi = this.multiline && rows.some((r) => r > row);
    this.out.write(open);
    if (!multi) {
      items.forEach((f, i) => {
        if (i > 0) this.out.write(", ");
        f();
      });
      return this.out.write(close);
    }
    const indent = this.out.indent + 1;
    items.forEach((f, i) => {
      this.out.start(indent, rows[i]);
      f();
      this.out.write(",");
    });
    this.out.start(indent - 1);
    this.out.write(close);
  }

  private comprehension(open: string, close: string, row: number, head: () => void, body: Body): void {
    this.out.write(open);
    head();
    this.out.write(" |");
    if (this.multiline && body.some((e) => e.loc.row > row)) {
      const indent = this.out.indent + 1;
      for (const e of body) {
        this.out.start(indent, e.loc.row);
        this.expr(e, Infinity);
      }
      this.out.start(indent - 1);
    } else {
      this.out.write(" ");
      new Printer(this.out, false).inlineBody(body);
    }
    this.out.write(close);
  }

  private ref(r: RefTerm): void {
    const [head, ...keys] = r.terms;
    if (head!.type === "var") this.out.write(head!.name);
    else this.term(head!, PRIMARY);
    for (const k of keys) {
      if (k.type === "string" && !k.raw && IDENT.test(k.value)) this.out.write(`.${k.value}`);
      else {
        this.out.write("[");
        this.term(k, 0, true);
        this.out.write("]");
      }
    }
  }

  private operatorName(op: RefTerm): string {
    return op.terms.map((t, i) => (t.type === "var" ? t.name : t.type === "string" && i > 0 ? `.${t.value}` : this.inline(t, PRIMARY))).join("");
  }
}

// ---- helpers ----

function packageText(p: Package): string {
  return `package ${p.path.map((s, i) => (i === 0 ? s : IDENT.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`)).join("")}`;
}

function importText(imp: Import): string {
  const path = imp.path.terms
    .map((t, i) => (t.type === "var" ? t.name : t.type === "string" ? (i > 0 && IDENT.test(t.value) ? `.${t.value}` : `[${JSON.stringify(t.value)}]`) : ""))
    .join("");
  return `import ${path}${imp.alias !== undefined ? ` as ${imp.alias}` : ""}`;
}

function refHeadText(ref: Term[], term: (t: Term) => string): string {
  return ref
    .map((t, i) => {
      if (i === 0 && t.type === "var") return t.name;
      if (t.type === "string" && IDENT.test(t.value)) return `.${t.value}`;
      return `[${term(t)}]`;
    })
    .join("");
}

/** An `else` written without a value (its value is `true`, located at the `else` keyword). */
function isImplicitTrue(e: Rule): boolean {
  const v = e.head.value;
  return v?.type === "boolean" && v.value && !e.head.assign && v.loc.row === e.loc.row && v.loc.col === e.loc.col;
}

function startsWithBrace(t: Term): boolean {
  if (t.type === "set" || t.type === "object" || t.type === "setcomp" || t.type === "objectcomp") return true;
  if (t.type === "ref") return startsWithBrace(t.terms[0]!);
  if (t.type === "call" && t.infix) return startsWithBrace(t.args[0]!);
  return false;
}

/** The last source row a term's parts start on (0 for no term). */
function lastRow(t: Term | undefined): number {
  if (!t) return 0;
  let max = t.loc.row;
  forEachSubterm(t, (s) => (max = Math.max(max, lastRow(s))));
  return max;
}

function spansRows(e: Expr): boolean {
  let rows = false;
  const visit = (t: Term) => {
    if (t.loc.row !== e.loc.row) rows = true;
    forEachSubterm(t, visit);
  };
  switch (e.kind) {
    case "term":
      visit(e.term);
      break;
    case "unify":
    case "assign":
      visit(e.left);
      visit(e.right);
      break;
    case "somein":
      if (e.key) visit(e.key);
      visit(e.value);
      visit(e.collection);
      break;
    default:
      break;
  }
  for (const w of e.with) {
    if (w.loc.row !== e.loc.row) rows = true;
    visit(w.value);
  }
  return rows;
}

function forEachSubterm(t: Term, f: (t: Term) => void): void {
  switch (t.type) {
    case "ref":
      t.terms.forEach(f);
      break;
    case "array":
    case "set":
      t.items.forEach(f);
      break;
    case "object":
      t.entries.forEach(([k, v]) => (f(k), f(v)));
      break;
    case "call":
      t.args.forEach(f);
      break;
    case "arraycomp":
    case "setcomp":
      f(t.term);
      for (const e of t.body) if (e.loc.row > t.loc.row) f({ type: "null", loc: e.loc });
      break;
    case "objectcomp":
      f(t.key);
      f(t.value);
      for (const e of t.body) if (e.loc.row > t.loc.row) f({ type: "null", loc: e.loc });
      break;
    default:
      break;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
