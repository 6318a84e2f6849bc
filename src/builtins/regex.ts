// regex.* (Go RE2 patterns, see re2.ts) and glob.* (gobwas/glob patterns).
import type { Value } from "../values/value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { arr, builtinError, elementError, fn, int, str, typeError } from "./args.ts";
import { globsIntersect } from "./globs.ts";
import { RegexSyntaxError, compileRE2, findAll, replaceAll, split, test, type CompiledRegex } from "./re2.ts";
import { T } from "./types.ts";

/** Compiles a Go pattern; a bad pattern is a built-in error. */
function compile(p: string): CompiledRegex {
  try {
    return compileRE2(p);
  } catch (e) {
    if (e instanceof RegexSyntaxError) throw builtinError(e.message);
    throw e;
  }
}

const pattern = (args: Value[], i: number): CompiledRegex => compile(str(args, i));

function isValid([p]: Value[]): Value {
  if (typeof p !== "string") return false;
  try {
    compileRE2(p);
    return true;
  } catch {
    return false;
  }
}

function matches(args: Value[]): Value {
  const c = pattern(args, 0);
  return test(c, str(args, 1));
}

function findN(args: Value[]): Value {
  const c = pattern(args, 0);
  return findAll(c, str(args, 1), int(args, 2)).map((m) => m.groups[0]!);
}

/** Each match as [whole, group 1, ...], with "" for groups that did not take part. */
function findSubmatches(args: Value[]): Value {
  const c = pattern(args, 0);
  return findAll(c, str(args, 1), int(args, 2)).map((m) => m.groups.map((g) => g ?? ""));
}

/**
 * regex.template_match: the template is literal text with regular expressions between one-rune
 * delimiters, e.g. `urn:foo:{.*}` with `{` and `}`; the whole value must match.
 */
function templateMatch(args: Value[]): Value {
  const template = str(args, 0);
  const value = str(args, 1);
  const [open, close] = [str(args, 2), str(args, 3)];
  for (const d of [open, close]) {
    if (d.length !== 1) throw builtinError(`start delimiter has to be exactly one character long but is ${d.length} long`);
  }
  let source = "^";
  let literalFrom = 0;
  for (const [start, end] of delimitedSpans(template, open, close)) {
    source += quoteMeta(template.slice(literalFrom, start)) + "(" + template.slice(start + 1, end - 1) + ")";
    literalFrom = end;
  }
  return test(compile(source + quoteMeta(template.slice(literalFrom)) + "$"), value);
}

/** [start, end) of each outermost delimited part; unbalanced delimiters are an error. */
function delimitedSpans(s: string, open: string, close: string): [number, number][] {
  const spans: [number, number][] = [];
  let level = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === open && ++level === 1) start = i;
    else if (s[i] === close) {
      if (--level === 0) spans.push([start, i + 1]);
      else if (level < 0) break;
    }
  }
  if (level !== 0) throw builtinError(`unbalanced braces in ${JSON.stringify(s)}`);
  return spans;
}

/** Go's regexp.QuoteMeta. */
function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
}

// ---------------------------------------------------------------------------------------------
// Globs: `*` (not crossing delimiters), `**` (crossing them), `?`, `[a-z]`, `[!a]`, `{a,b}`, `\`.

// A glob is translated to an RE2 pattern and matched by the same linear-time engine as regex.*.
const globCache = new Map<string, CompiledRegex>();

function globMatch(args: Value[]): Value {
  const glob = str(args, 0);
  const delimiters = globDelimiters(args);
  const s = str(args, 2);
  const key = JSON.stringify([glob, delimiters]);
  let re = globCache.get(key);
  if (re === undefined) {
    re = compile(`^(?s:${new GlobTranslator(glob, delimiters).run()})$`);
    if (globCache.size >= 1000) globCache.clear();
    globCache.set(key, re);
  }
  return test(re, s);
}

/** Single-rune delimiters; null means none, an empty array the default ".". */
function globDelimiters(args: Value[]): string[] {
  const v = args[1]!;
  if (v === null) return [];
  if (!Array.isArray(v)) throw typeError(2, v, "array", "null");
  const ds = arr(args, 1).map((d) => {
    if (typeof d !== "string") throw elementError(2, v, d, "string");
    if (Array.from(d).length !== 1) throw elementError(2, v, d, "rune");
    return d;
  });
  return ds.length === 0 ? ["."] : ds;
}

const escapeClassChar = (c: string) => (/[\\\]\[^-]/.test(c) ? "\\" + c : c);
const escapeChar = (c: string) => (/[\\^$.*+?()[\]{}|/]/.test(c) ? "\\" + c : c);

class GlobTranslator {
  private i = 0;
  constructor(
    private readonly g: string,
    private readonly delimiters: string[],
  ) {}

  run(): string {
    const out = this.sequence(false);
    if (this.i < this.g.length) throw builtinError(`unexpected '${this.g[this.i]}' in glob pattern: ${this.g}`);
    return out;
  }

  /** Translates up to the end, or (inside `{...}`) up to an unescaped `,` or `}`. */
  private sequence(inAlternatives: boolean): string {
    const notDelimiter = this.delimiters.length === 0 ? "." : `[^${this.delimiters.map(escapeClassChar).join("")}]`;
    let out = "";
    while (this.i < this.g.length) {
      const c = String.fromCodePoint(this.g.codePointAt(this.i)!);
      if (inAlternatives && (c === "," || c === "}")) return out;
      this.i += c.length;
      if (c === "*") {
        const double = this.g[this.i] === "*";
        if (double) this.i++;
        out += double ? ".*" : `${notDelimiter}*`;
      } else if (c === "?") out += notDelimiter;
      else if (c === "[") out += this.range();
      else if (c === "{") out += this.alternatives();
      else if (c === "\\") {
        const next = this.g[this.i];
        if (next === undefined) throw builtinError(`unexpected end of glob pattern: ${this.g}`);
        const ch = String.fromCodePoint(this.g.codePointAt(this.i)!);
        this.i += ch.length;
        out += escapeChar(ch);
      } else out += escapeChar(c);
    }
    if (inAlternatives) throw builtinError(`unexpected end of glob pattern: ${this.g}`);
    return out;
  }

  private range(): string {
    const close = this.g.indexOf("]", this.i);
    if (close < 0) throw builtinError(`unexpected end of glob pattern: ${this.g}`);
    let body = this.g.slice(this.i, close);
    this.i = close + 1;
    const negate = body.startsWith("!");
    if (negate) body = body.slice(1);
    const items = Array.from(body);
    let cls = "";
    for (let k = 0; k < items.length; k++) {
      if (items[k + 1] === "-" && k + 2 < items.length) {
        cls += `${escapeClassChar(items[k]!)}-${escapeClassChar(items[k + 2]!)}`;
        k += 2;
      } else cls += escapeClassChar(items[k]!);
    }
    return `[${negate ? "^" : ""}${cls}]`;
  }

  private alternatives(): string {
    const options: string[] = [];
    for (;;) {
      options.push(this.sequence(true));
      const c = this.g[this.i++];
      if (c === "}") return `(?:${options.join("|")})`;
    }
  }
}

/** gobwas/glob's QuoteMeta: a backslash before each of `*?\[]{}`. */
function globQuoteMeta(args: Value[]): Value {
  return str(args, 0).replace(/[*?\\[\]{}]/g, "\\$&");
}

// ---------------------------------------------------------------------------------------------

const S2B = fn([T.string, T.string], T.boolean);

export const REGEX: BuiltinDef[] = [
  { name: "regex.match", signature: S2B, impl: matches },
  { name: "re_match", signature: S2B, impl: matches, deprecated: true }, // regex.match's old name (v0 only)
  { name: "regex.is_valid", signature: fn([T.string], T.boolean), impl: isValid }, // a non-string answers false, as OPA
  {
    name: "regex.split",
    signature: fn([T.string, T.string], T.arrayOf(T.string)),
    impl: (args) => split(pattern(args, 0), args[0] as string, str(args, 1)),
  },
  { name: "regex.find_n", signature: fn([T.string, T.string, T.number], T.arrayOf(T.string)), impl: findN },
  {
    name: "regex.find_all_string_submatch_n",
    signature: fn([T.string, T.string, T.number], T.arrayOf(T.arrayOf(T.string))),
    impl: findSubmatches,
  },
  {
    name: "regex.replace",
    signature: fn([T.string, T.string, T.string], T.string),
    impl: (args) => {
      const s = str(args, 0);
      return replaceAll(pattern(args, 1), s, str(args, 2));
    },
  },
  { name: "regex.template_match", signature: fn([T.string, T.string, T.string, T.string], T.boolean), impl: templateMatch },
  {
    name: "glob.match",
    signature: fn([T.string, T.union(T.null, T.arrayOf(T.string)), T.string], T.boolean),
    impl: globMatch,
  },
  { name: "regex.globs_match", signature: fn([T.string, T.string], T.boolean), impl: (args) => globsIntersect(str(args, 0), str(args, 1)) },
  { name: "glob.quote_meta", signature: fn([T.string], T.string), impl: globQuoteMeta },
];
