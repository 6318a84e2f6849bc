// strings.render_template: the part of Go's text/template that policies use, evaluated over the
// template variables. Supported: text, comments, `{{-`/`-}}` trimming, `.`, fields (`.a.b`),
// variables (`$x`, `$x := …`, `$x = …`), literals, pipelines, parentheses, if/else if/else,
// range (with `$i, $v :=` and else), with, and the functions and, or, not, len, index, slice,
// print, printf, println, html, js, urlquery, eq, ne, lt, le, gt, ge. A key the variables lack
// renders as `<undefined>`, as OPA's does. Anything else (define, template, block, call, methods)
// is refused, as a parse error is.
import { ObjectValue, SetValue, isNumber, numberText, type BigNumber, type Value } from "../values/value.ts";
import { checkChars, type BuiltinContext, type BuiltinDef } from "./builtin.ts";
import { builtinError, fn, obj, str } from "./args.ts";
import { T } from "./types.ts";
import { goSprintf } from "./gofmt.ts";
import { fmtArg } from "./strings.ts";
import { queryEscape } from "./encoding.ts";

/** A key absent from the variables: printed as OPA prints it, false in conditions. */
const UNDEFINED = Symbol("undefined");
type TValue = Value | typeof UNDEFINED;

const MAX_STEPS = 1_000_000;

class TemplateError extends Error {}
const fail = (line: number, msg: string): never => {
  throw new TemplateError(`template: template:${line}: ${msg}`);
};

// ---------------------------------------------------------------------------------------------
// Lexing: text and actions

type Tok = { t: "str" | "num" | "bool" | "nil" | "ident" | "field" | "var" | "(" | ")" | "|" | ":=" | "=" | ","; v: string };

interface Action {
  line: number;
  toks: Tok[];
}

type Piece = string | Action;

function lexAction(src: string, line: number): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const rest = src.slice(i);
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = /^"(?:[^"\\\n]|\\.)*"/.exec(rest))) toks.push({ t: "str", v: JSON.parse(m[0].replace(/\\x([0-9a-fA-F]{2})/g, "\\u00$1")) as string });
    else if ((m = /^`[^`]*`/.exec(rest))) toks.push({ t: "str", v: m[0].slice(1, -1) });
    else if ((m = /^[-+]?(?:0[xX][0-9a-fA-F_]+|(?:[0-9][0-9_]*)?\.?[0-9]+(?:[eE][-+]?[0-9]+)?)/.exec(rest)) && /[0-9]/.test(m[0])) toks.push({ t: "num", v: m[0] });
    else if ((m = /^(?:true|false)(?![\w])/.exec(rest))) toks.push({ t: "bool", v: m[0] });
    else if ((m = /^nil(?![\w])/.exec(rest))) toks.push({ t: "nil", v: m[0] });
    else if ((m = /^\$[\w]*(?:\.[\w]+)*/.exec(rest))) toks.push({ t: "var", v: m[0] });
    else if ((m = /^(?:\.[\w]+)+|^\./.exec(rest))) toks.push({ t: "field", v: m[0] });
    else if ((m = /^[A-Za-z_][\w]*/.exec(rest))) toks.push({ t: "ident", v: m[0] });
    else if ((m = /^:=|^[()|=,]/.exec(rest))) toks.push({ t: m[0] as Tok["t"], v: m[0] });
    else fail(line, `unexpected ${JSON.stringify(c)} in command`);
    i += m![0].length;
  }
  return toks;
}

function lex(src: string): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  let line = 1;
  let trimNext = false;
  while (i <= src.length) {
    const open = src.indexOf("{{", i);
    let text = src.slice(i, open < 0 ? src.length : open);
    if (trimNext) text = text.replace(/^\s+/, "");
    if (open < 0) {
      out.push(text);
      break;
    }
    const trimBefore = /^\{\{- /.test(src.slice(open)) || /^\{\{-[\s]/.test(src.slice(open));
    if (trimBefore) text = text.replace(/\s+$/, "");
    out.push(text);
    line += (src.slice(i, open).match(/\n/g) ?? []).length;
    const bodyStart = open + (trimBefore ? 3 : 2);
    let close: number;
    const afterOpen = src.slice(bodyStart).trimStart();
    if (afterOpen.startsWith("/*")) {
      const end = src.indexOf("*/", bodyStart);
      if (end < 0) fail(line, "unclosed comment");
      close = src.indexOf("}}", end);
      if (close < 0) fail(line, "unclosed action");
    } else {
      close = findClose(src, bodyStart, line);
    }
    const trimAfter = close > bodyStart && /\s-$/.test(src.slice(bodyStart - 1, close));
    const body = src.slice(bodyStart, trimAfter ? close - 1 : close);
    if (!afterOpen.startsWith("/*")) out.push({ line, toks: lexAction(body, line) });
    line += (body.match(/\n/g) ?? []).length;
    i = close + 2;
    trimNext = trimAfter;
  }
  return out;
}

/** The `}}` ending an action, skipping quoted strings. */
function findClose(src: string, from: number, line: number): number {
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (c === '"' || c === "`") {
      const q = c;
      for (i++; i < src.length && src[i] !== q; i++) if (q === '"' && src[i] === "\\") i++;
      continue;
    }
    if (c === "}" && src[i + 1] === "}") return i;
  }
  return fail(line, "unclosed action");
}

// ---------------------------------------------------------------------------------------------
// Parsing

type Operand =
  | { k: "lit"; v: Value }
  | { k: "dot"; fields: string[] }
  | { k: "var"; name: string; fields: string[] }
  | { k: "fn"; name: string }
  | { k: "paren"; p: Pipeline; fields: string[] };

interface Pipeline {
  decl: string[];
  assign: boolean; // `=` rather than `:=`
  cmds: Operand[][];
  line: number;
}

type Node =
  | { k: "text"; s: string }
  | { k: "out"; p: Pipeline }
  | { k: "if" | "with"; p: Pipeline; then: Node[]; else: Node[] }
  | { k: "range"; p: Pipeline; body: Node[]; else: Node[] };

const FUNCS = new Set(["and", "or", "not", "len", "index", "slice", "print", "printf", "println", "html", "js", "urlquery", "eq", "ne", "lt", "le", "gt", "ge"]);

function parsePipeline(toks: Tok[], line: number): Pipeline {
  let at = 0;
  const decl: string[] = [];
  let assign = false;
  // `$x :=`, `$i, $v :=`, `$x =`
  const declEnd = toks.findIndex((t) => t.t === ":=" || t.t === "=");
  if (declEnd > 0 && toks.slice(0, declEnd).every((t, i) => (i % 2 === 0 ? t.t === "var" && !t.v.slice(1).includes(".") : t.t === ","))) {
    for (let i = 0; i < declEnd; i += 2) decl.push(toks[i]!.v);
    assign = toks[declEnd]!.t === "=";
    at = declEnd + 1;
  }
  const cmds: Operand[][] = [];
  let cmd: Operand[] = [];
  const operand = (): Operand => {
    const t = toks[at++]!;
    switch (t.t) {
      case "str":
        return { k: "lit", v: t.v };
      case "num": {
        const n = Number(t.v.replaceAll("_", ""));
        if (!Number.isFinite(n)) fail(line, `illegal number syntax: ${t.v}`);
        return { k: "lit", v: n };
      }
      case "bool":
        return { k: "lit", v: t.v === "true" };
      case "nil":
        return { k: "lit", v: null };
      case "field":
        return { k: "dot", fields: t.v === "." ? [] : t.v.slice(1).split(".") };
      case "var": {
        const [name, ...fields] = t.v.split(".");
        return { k: "var", name: name!, fields };
      }
      case "ident":
        if (!FUNCS.has(t.v)) fail(line, `function ${JSON.stringify(t.v)} not defined`);
        return { k: "fn", name: t.v };
      case "(": {
        let depth = 1;
        const start = at;
        while (at < toks.length && depth > 0) {
          if (toks[at]!.t === "(") depth++;
          if (toks[at]!.t === ")") depth--;
          at++;
        }
        if (depth > 0) fail(line, "unclosed left paren");
        const inner = parsePipeline(toks.slice(start, at - 1), line);
        const fields: string[] = [];
        while (toks[at]?.t === "field" && toks[at]!.v !== ".") fields.push(...toks[at++]!.v.slice(1).split("."));
        return { k: "paren", p: inner, fields };
      }
      default:
        return fail(line, `unexpected ${JSON.stringify(t.v)} in operand`);
    }
  };
  while (at < toks.length) {
    if (toks[at]!.t === "|") {
      if (cmd.length === 0) fail(line, "missing command");
      cmds.push(cmd);
      cmd = [];
      at++;
      continue;
    }
    cmd.push(operand());
  }
  if (cmd.length === 0) fail(line, "missing value for command");
  cmds.push(cmd);
  return { decl, assign, cmds, line };
}

function parse(pieces: Piece[]): Node[] {
  let at = 0;
  // Parses nodes until an `else` or `end` action, which it returns (consumed).
  const list = (): [Node[], Action | undefined] => {
    const nodes: Node[] = [];
    while (at < pieces.length) {
      const p = pieces[at++]!;
      if (typeof p === "string") {
        if (p !== "") nodes.push({ k: "text", s: p });
        continue;
      }
      const head = p.toks[0];
      if (head === undefined) fail(p.line, "missing value for command");
      const kw = head!.t === "ident" ? head!.v : "";
      if (kw === "end" || kw === "else") return [nodes, p];
      if (kw === "if" || kw === "with" || kw === "range") nodes.push(control(kw, p.toks.slice(1), p.line));
      else if (["define", "template", "block", "break", "continue"].includes(kw)) fail(p.line, `${kw} is not supported by strings.render_template`);
      else nodes.push({ k: "out", p: parsePipeline(p.toks, p.line) });
    }
    return [nodes, undefined];
  };
  const control = (kw: "if" | "with" | "range", toks: Tok[], line: number): Node => {
    const p = parsePipeline(toks, line);
    const [body, stop] = list();
    if (!stop) fail(line, `unexpected EOF`);
    let elseNodes: Node[] = [];
    if (stop!.toks[0]!.v === "else") {
      const rest = stop!.toks.slice(1);
      if (rest.length > 0 && rest[0]!.t === "ident" && (rest[0]!.v === "if" || rest[0]!.v === "with")) {
        elseNodes = [control(rest[0]!.v as "if" | "with", rest.slice(1), stop!.line)]; // consumes the shared end
      } else {
        const [e, end] = list();
        if (!end || end.toks[0]!.v !== "end") fail(line, "expected end");
        elseNodes = e;
      }
    }
    return kw === "range" ? { k: "range", p, body, else: elseNodes } : { k: kw, p, then: body, else: elseNodes };
  };
  const [nodes, stray] = list();
  if (stray) fail(stray.line, `unexpected {{${stray.toks[0]!.v}}}`);
  return nodes;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

const isNum = (v: TValue): v is number | BigNumber => v !== UNDEFINED && isNumber(v);

const isTrue = (v: TValue): boolean => {
  if (v === UNDEFINED || v === null || v === false || v === "") return false;
  if (isNumber(v)) return Number(numberText(v)) !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof ObjectValue || v instanceof SetValue) return v.size > 0;
  return true;
};

/** fmt's %v of a JSON-shaped Go value: `map[a:1]`, `[a b]`, `<nil>`. */
function show(v: TValue): string {
  if (v === UNDEFINED) return "<undefined>";
  if (v === null) return "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return String(v);
  if (isNumber(v)) return numberText(v);
  if (Array.isArray(v)) return `[${v.map(show).join(" ")}]`;
  if (v instanceof SetValue) return `[${v.values().map(show).join(" ")}]`;
  const entries = v.entries().map(([k, x]) => [show(k), show(x)] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[${entries.map(([k, x]) => `${k}:${x}`).join(" ")}]`;
}

/** fmt.Sprint: spaces only between operands when neither is a string. */
function sprint(args: TValue[]): string {
  return args.map(show).reduce((acc, s, i) => acc + (i > 0 && typeof args[i] !== "string" && typeof args[i - 1] !== "string" ? " " : "") + s, "");
}

/** What text/template's escaping functions escape: one string argument as it is, else fmt.Sprint of all. */
function escaperText(args: TValue[]): string {
  return args.length === 1 && typeof args[0] === "string" ? args[0] : sprint(args);
}

/** html/template's HTMLEscapeString. */
function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => ({ "\0": "\uFFFD", '"': "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]!);
}

/** text/template's JSEscapeString: quotes, backslash and <>&= escaped; control and non-printable characters as \uXXXX. */
function jsEscape(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === "'" || ch === '"') out += `\\${ch}`;
    else if (ch === "<" || ch === ">" || ch === "&" || ch === "=" || c < 0x20 || (c >= 0x7f && !/^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch))) {
      out += `\\u${c.toString(16).toUpperCase().padStart(4, "0")}`;
    } else out += ch;
  }
  return out;
}

/** text/template's slice: x[i], x[i:j] (strings by byte, as Go indexes them), x[i:j:k] for arrays only. */
function sliceOf(v: TValue, idx: TValue[], line: number): TValue {
  if (idx.length === 0) return v;
  if (idx.length > 3) fail(line, `error calling slice: too many slice indexes: ${idx.length}`);
  const isString = typeof v === "string";
  if (!isString && !Array.isArray(v)) return fail(line, `error calling slice: can't slice item of type ${v === UNDEFINED || v === null ? "<nil>" : typeof v}`);
  if (isString && idx.length === 3) fail(line, "error calling slice: cannot 3-index slice a string");
  const bytes = isString ? Buffer.from(v, "utf8") : undefined;
  const len = bytes ? bytes.length : (v as Value[]).length;
  const at = idx.map((k) => {
    if (!isNum(k)) return fail(line, "error calling slice: cannot index slice/array with nil");
    const n = Number(numberText(k));
    if (!Number.isInteger(n)) return fail(line, `error calling slice: cannot index slice/array with type float64`);
    if (n < 0 || n > len) fail(line, `error calling slice: index out of range: ${n}`);
    return n;
  });
  for (let i = 1; i < at.length; i++) if (at[i - 1]! > at[i]!) fail(line, `error calling slice: invalid slice index: ${at[i - 1]} > ${at[i]}`);
  const [from, to = len] = at;
  if (!bytes) return (v as Value[]).slice(from, to);
  const part = bytes.subarray(from, to);
  // A cut inside a character would make a string Rego cannot hold: refused, not replaced.
  if (!Buffer.from(part.toString("utf8"), "utf8").equals(part)) fail(line, `error calling slice: [${from}:${to}] cuts a UTF-8 character`);
  return part.toString("utf8");
}

function compareValues(a: TValue, b: TValue, line: number): number {
  if (isNum(a) && isNum(b)) return Math.sign(Number(numberText(a)) - Number(numberText(b)));
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  return fail(line, "incompatible types for comparison");
}

class Evaluator {
  out = "";
  steps = 0;
  scopes: Map<string, TValue>[];

  constructor(
    readonly root: TValue,
    readonly ctx: BuiltinContext | undefined,
  ) {
    this.scopes = [new Map([["$", root]])];
  }

  tick(line: number): void {
    if (++this.steps > MAX_STEPS) fail(line, `template evaluation exceeds ${MAX_STEPS} steps`);
  }

  lookupVar(name: string, line: number): TValue {
    for (let i = this.scopes.length - 1; i >= 0; i--) if (this.scopes[i]!.has(name)) return this.scopes[i]!.get(name)!;
    return fail(line, `undefined variable: ${name}`);
  }

  field(v: TValue, names: string[], line: number): TValue {
    let cur = v;
    for (const n of names) {
      if (cur instanceof ObjectValue) cur = cur.has(n) ? cur.get(n)! : UNDEFINED;
      else if (cur === UNDEFINED || cur === null) return UNDEFINED;
      else fail(line, `can't evaluate field ${n} in type ${Array.isArray(cur) ? "[]interface {}" : typeof cur}`);
    }
    return cur;
  }

  operand(o: Operand, dot: TValue, line: number): TValue {
    switch (o.k) {
      case "lit":
        return o.v;
      case "dot":
        return this.field(dot, o.fields, line);
      case "var":
        return this.field(this.lookupVar(o.name, line), o.fields, line);
      case "paren":
        return this.field(this.pipeline(o.p, dot), o.fields, line);
      case "fn":
        return this.call(o.name, [], line);
    }
  }

  call(name: string, args: TValue[], line: number): TValue {
    const want = (n: number) => {
      if (args.length < n) fail(line, `wrong number of args for ${name}: want at least ${n} got ${args.length}`);
    };
    switch (name) {
      case "and":
        want(1);
        return args.find((a) => !isTrue(a)) ?? args[args.length - 1]!;
      case "or":
        want(1);
        return args.find((a) => isTrue(a)) ?? args[args.length - 1]!;
      case "not":
        want(1);
        return !isTrue(args[0]!);
      case "len": {
        want(1);
        const v = args[0]!;
        if (typeof v === "string") return Buffer.byteLength(v);
        if (Array.isArray(v)) return v.length;
        if (v instanceof ObjectValue || v instanceof SetValue) return v.size;
        return fail(line, `error calling len: len of type ${typeof v}`);
      }
      case "index": {
        want(1);
        let v = args[0]!;
        for (const k of args.slice(1)) {
          if (v instanceof ObjectValue) v = typeof k === "string" ? (v.has(k) ? v.get(k)! : UNDEFINED) : fail(line, "error calling index: value has type int; should be string");
          else if (Array.isArray(v) && isNum(k)) {
            const i = Number(numberText(k));
            if (!Number.isInteger(i) || i < 0 || i >= v.length) fail(line, `error calling index: index out of range: ${numberText(k)}`);
            v = v[i]!;
          } else fail(line, "error calling index: can't index item");
        }
        return v;
      }
      case "slice":
        want(1);
        return sliceOf(args[0]!, args.slice(1), line);
      case "print":
        return sprint(args);
      case "html":
        return htmlEscape(escaperText(args));
      case "js":
        return jsEscape(escaperText(args));
      case "urlquery":
        return queryEscape(escaperText(args));
      case "println":
        return args.map(show).join(" ") + "\n";
      case "printf": {
        want(1);
        if (typeof args[0] !== "string") fail(line, "error calling printf: format must be a string");
        return goSprintf(args[0] as string, args.slice(1).map((a) => fmtArg(a === UNDEFINED ? "<undefined>" : a)));
      }
      case "eq":
        want(2);
        return args.slice(1).some((b) => compareValues(args[0]!, b, line) === 0);
      case "ne":
        want(2);
        return compareValues(args[0]!, args[1]!, line) !== 0;
      case "lt":
        want(2);
        return compareValues(args[0]!, args[1]!, line) < 0;
      case "le":
        want(2);
        return compareValues(args[0]!, args[1]!, line) <= 0;
      case "gt":
        want(2);
        return compareValues(args[0]!, args[1]!, line) > 0;
      case "ge":
        want(2);
        return compareValues(args[0]!, args[1]!, line) >= 0;
      default:
        return fail(line, `function ${JSON.stringify(name)} not defined`);
    }
  }

  command(cmd: Operand[], dot: TValue, piped: TValue | undefined, line: number): TValue {
    const [head, ...rest] = cmd;
    if (head!.k === "fn") {
      const args = rest.map((o) => this.operand(o, dot, line));
      if (piped !== undefined) args.push(piped);
      return this.call(head!.name, args, line);
    }
    if (rest.length > 0 || piped !== undefined) fail(line, "can't give argument to non-function");
    return this.operand(head!, dot, line);
  }

  pipeline(p: Pipeline, dot: TValue): TValue {
    this.tick(p.line);
    let v: TValue | undefined;
    for (const cmd of p.cmds) v = this.command(cmd, dot, v, p.line);
    if (p.decl.length > 0) {
      const name = p.decl[p.decl.length - 1]!;
      if (p.assign) {
        const scope = [...this.scopes].reverse().find((s) => s.has(name));
        if (!scope) fail(p.line, `undefined variable: ${name}`);
        scope!.set(name, v!);
      } else this.scopes[this.scopes.length - 1]!.set(name, v!);
    }
    return v!;
  }

  emit(s: string): void {
    this.out += s;
    checkChars(this.ctx, this.out.length);
  }

  run(nodes: Node[], dot: TValue): void {
    for (const n of nodes) {
      switch (n.k) {
        case "text":
          this.emit(n.s);
          break;
        case "out": {
          const v = this.pipeline(n.p, dot);
          // A nil value prints as text/template prints an invalid one; nested ones as fmt does.
          if (n.p.decl.length === 0) this.emit(v === null ? "<no value>" : show(v));
          break;
        }
        case "if":
        case "with": {
          this.scopes.push(new Map());
          const v = this.pipeline(n.p, dot);
          if (isTrue(v)) this.run(n.then, n.k === "with" ? v : dot);
          else this.run(n.else, dot);
          this.scopes.pop();
          break;
        }
        case "range":
          this.range(n, dot);
          break;
      }
    }
  }

  range(n: Extract<Node, { k: "range" }>, dot: TValue): void {
    this.scopes.push(new Map());
    const decl = n.p.decl;
    const v = this.pipeline({ ...n.p, decl: [] }, dot);
    let items: [Value, Value][] = [];
    if (Array.isArray(v)) items = v.map((x, i) => [i, x]);
    else if (v instanceof SetValue) items = v.values().map((x, i) => [i, x]);
    else if (v instanceof ObjectValue) items = v.entries().sort(([a], [b]) => (show(a) < show(b) ? -1 : show(a) > show(b) ? 1 : 0));
    else if (isTrue(v)) fail(n.p.line, `range can't iterate over ${show(v)}`);
    for (const [k, x] of items) {
      this.tick(n.p.line);
      const scope = this.scopes[this.scopes.length - 1]!;
      if (decl.length === 1) scope.set(decl[0]!, x);
      if (decl.length === 2) {
        scope.set(decl[0]!, k);
        scope.set(decl[1]!, x);
      }
      this.run(n.body, x);
    }
    if (items.length === 0) this.run(n.else, dot);
    this.scopes.pop();
  }
}

/** The rendered text, or an eval_builtin_error with text/template's kind of message. */
export function renderTemplate(template: string, vars: ObjectValue, ctx?: BuiltinContext): string {
  try {
    const nodes = parse(lex(template));
    const e = new Evaluator(vars, ctx);
    e.run(nodes, vars);
    return e.out;
  } catch (e) {
    if (e instanceof TemplateError) throw builtinError(e.message);
    throw e;
  }
}

export const TEMPLATE: BuiltinDef[] = [
  {
    name: "strings.render_template",
    signature: fn([T.string, T.objectOf(T.string, T.any)], T.string),
    impl: (args, ctx) => renderTemplate(str(args, 0), obj(args, 1), ctx),
  },
];
