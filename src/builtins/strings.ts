// String built-ins. Offsets and lengths count runes (code points), as Go's []rune conversions do,
// not UTF-16 units.
import { BigNumber, SetValue, toText, type Value } from "../values/value.ts";
import { checkChars, type BuiltinContext, type BuiltinDef } from "./builtin.ts";
import { runeCount } from "./aggregates.ts";
import {
  ANY_ARRAY,
  arr,
  builtinError,
  fn,
  int,
  num,
  obj,
  operandError,
  str,
  stringMembers,
  typeError,
} from "./args.ts";
import { goSprintf, type FmtArg } from "./gofmt.ts";
import { T } from "./types.ts";

const STR1 = fn([T.string], T.string);
const STR2 = fn([T.string, T.string], T.string);
const STR_TEST = fn([T.string, T.string], T.boolean);
const STRINGS_OF = T.union(T.arrayOf(T.string), T.setOf(T.string));

const runes = (s: string): string[] => Array.from(s);

// ---------------------------------------------------------------------------------------------
// Searching

/** Every rune offset at which `search` occurs, overlapping occurrences included. */
function occurrences(s: string, search: string, first = false): number[] {
  const out: number[] = [];
  let runeIndex = 0;
  let scanned = 0;
  for (let at = s.indexOf(search); at >= 0; at = s.indexOf(search, at + 1)) {
    runeIndex += runeCount(s.slice(scanned, at));
    scanned = at;
    out.push(runeIndex);
    if (first) break;
  }
  return out;
}

function searchOperands(args: Value[]): [string, string] {
  const s = str(args, 0);
  const search = str(args, 1);
  if (search === "") throw builtinError("empty search character");
  return [s, search];
}

/** Go's strings.Count: non-overlapping occurrences; the empty string occurs between all runes. */
function countOccurrences(s: string, sub: string): number {
  if (sub === "") return runeCount(s) + 1;
  let n = 0;
  for (let at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length)) n++;
  return n;
}

/** The strings of an operand that may be one string or an array or set of them. */
function oneOrMany(args: Value[], i: number): string[] {
  const v = args[i]!;
  if (typeof v === "string") return [v];
  if (Array.isArray(v) || v instanceof SetValue) return stringMembers(args, i);
  throw typeError(i + 1, v, "string", "set", "array");
}

function anyMatch(test: (s: string, affix: string) => boolean) {
  return (args: Value[]): Value => {
    const candidates = oneOrMany(args, 0);
    const affixes = oneOrMany(args, 1);
    return candidates.some((s) => affixes.some((a) => test(s, a)));
  };
}

// ---------------------------------------------------------------------------------------------
// Rewriting

/** Go's strings.ReplaceAll; an empty `old` inserts `replacement` around every rune. */
function replaceAll(s: string, old: string, replacement: string, ctx: BuiltinContext): string {
  if (old !== "") {
    const parts = s.split(old);
    checkChars(ctx, s.length + (parts.length - 1) * (replacement.length - old.length));
    return parts.join(replacement);
  }
  const rs = runes(s);
  checkChars(ctx, s.length + (rs.length + 1) * replacement.length);
  return replacement + rs.map((r) => r + replacement).join("");
}

/**
 * strings.replace_n: Go's strings.Replacer with the patterns in key order. At each position the
 * first pattern (in that order) that matches wins, so `{"f": .., "foo": ..}` replaces "f".
 */
function replaceN(args: Value[], ctx: BuiltinContext): Value {
  const patterns = obj(args, 0);
  const s = str(args, 1);
  const pairs = patterns.entries().map(([k, v]): [string, string] => {
    if (typeof k !== "string") throw operandError(1, "non-string key found in pattern object");
    if (typeof v !== "string") throw operandError(1, "non-string value found in pattern object");
    return [k, v];
  });
  let out = "";
  let i = 0;
  while (i <= s.length) {
    const hit = pairs.find(([old]) => s.startsWith(old, i));
    if (hit && hit[0] !== "") {
      out += hit[1];
      if (hit[1].length > hit[0].length) checkChars(ctx, out.length + s.length - i);
      i += hit[0].length;
      continue;
    }
    if (hit) {
      out += hit[1]; // an empty pattern matches before every rune and at the end
      checkChars(ctx, out.length + s.length - i);
    }
    if (i === s.length) break;
    const r = String.fromCodePoint(s.codePointAt(i)!);
    out += r;
    i += r.length;
  }
  return out;
}

function split(args: Value[]): Value {
  const s = str(args, 0);
  const delim = str(args, 1);
  return delim === "" ? runes(s) : s.split(delim);
}

/** Go's strings.SplitN: at most n parts (the last holds the rest), all of them for n < 0, none for 0. */
function splitN(args: Value[]): Value {
  const s = str(args, 0);
  const sep = str(args, 1);
  const n = int(args, 2);
  if (n === 0) return [];
  const parts = sep === "" ? runes(s) : s.split(sep);
  if (n < 0 || parts.length <= n) return parts;
  const rest = parts.slice(n - 1).join(sep);
  return [...parts.slice(0, n - 1), rest];
}

function substring(args: Value[]): Value {
  const s = runes(str(args, 0));
  const start = int(args, 1);
  const length = int(args, 2);
  if (start >= s.length) return "";
  if (start < 0) throw builtinError("negative offset");
  return s.slice(start, length < 0 ? undefined : start + length).join("");
}

// Go's unicode.IsSpace: JS's \s also has U+FEFF and lacks U+0085.
const SPACE = "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const LEADING_SPACE = new RegExp(`^[${SPACE}]+`);
const TRAILING_SPACE = new RegExp(`[${SPACE}]+$`);

/** Go's strings.TrimLeft/TrimRight: strip runes found in `cutset` from one or both ends. */
function trimRunes(s: string, cutset: string, left: boolean, right: boolean): string {
  const cut = new Set(runes(cutset));
  const rs = runes(s);
  let start = 0;
  let end = rs.length;
  if (left) while (start < end && cut.has(rs[start]!)) start++;
  if (right) while (end > start && cut.has(rs[end - 1]!)) end--;
  return rs.slice(start, end).join("");
}

function trimmer(left: boolean, right: boolean) {
  return (args: Value[]): Value => trimRunes(str(args, 0), str(args, 1), left, right);
}

/**
 * Go's strings.ToUpper/ToLower map rune by rune (Unicode's simple mappings), where JS applies
 * the full ones: "ß" stays "ß" in Go but becomes "SS" in JS.
 */
function changeCase(s: string, upper: boolean): string {
  if (/^[\x00-\x7f]*$/.test(s)) return upper ? s.toUpperCase() : s.toLowerCase();
  let out = "";
  for (const r of s) {
    if (!upper && r === "\u0130") {
      out += "i"; // İ: the one rune whose full lower-case mapping is longer than its simple one
      continue;
    }
    const mapped = upper ? r.toUpperCase() : r.toLowerCase();
    out += runeCount(mapped) === 1 ? mapped : r;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Formatting

const FORMAT_INT_BASES = new Map([
  [2, 2],
  [8, 8],
  [10, 10],
  [16, 16],
]);

function formatInt(args: Value[]): Value {
  const n = num(args, 0);
  const b = num(args, 1);
  const base = typeof b === "number" ? FORMAT_INT_BASES.get(b) : undefined;
  if (base === undefined) throw operandError(2, "must be one of {2, 8, 10, 16}");
  // Fractions are dropped (towards zero) before formatting.
  const i = n instanceof BigNumber && n.int !== null ? n.int : BigInt(Math.trunc(typeof n === "number" ? n : n.approx));
  return i.toString(base);
}

const MAX_INT64 = (1n << 63n) - 1n;
const MIN_INT64 = -(1n << 63n);

/**
 * OPA hands Go's Sprintf an int, a *big.Int, a float64, or else the value's Rego text. It decides
 * by a number's text: integer digits are an int (or *big.Int), text that reads as a float64 a
 * float, and anything else (2e308) stays text.
 */
export function fmtArg(v: Value): FmtArg {
  if (typeof v === "string") return { kind: "string", value: v };
  if (typeof v === "number") {
    return Number.isInteger(v) ? { kind: "int", value: BigInt(v) } : { kind: "float", value: v };
  }
  if (v instanceof BigNumber) {
    if (/^-?[0-9]+$/.test(v.text)) {
      const i = BigInt(v.text);
      return { kind: i <= MAX_INT64 && i >= MIN_INT64 ? "int" : "bigint", value: i };
    }
    if (Number.isFinite(Number(v.text))) return { kind: "float", value: Number(v.text) };
  }
  return { kind: "string", value: toText(v) };
}

function sprintf(args: Value[]): Value {
  const format = str(args, 0);
  return goSprintf(format, arr(args, 1).map(fmtArg));
}

// ---------------------------------------------------------------------------------------------

export const STRINGS: BuiltinDef[] = [
  {
    name: "concat",
    signature: fn([T.string, STRINGS_OF], T.string),
    impl: (args) => {
      const delim = str(args, 0);
      return stringMembers(args, 1).join(delim);
    },
  },
  { name: "contains", signature: STR_TEST, impl: (args) => str(args, 0).includes(str(args, 1)) },
  { name: "startswith", signature: STR_TEST, impl: (args) => str(args, 0).startsWith(str(args, 1)) },
  { name: "endswith", signature: STR_TEST, impl: (args) => str(args, 0).endsWith(str(args, 1)) },
  { name: "format_int", signature: fn([T.number, T.number], T.string), impl: formatInt },
  {
    name: "indexof",
    signature: fn([T.string, T.string], T.number),
    impl: (args) => occurrences(...searchOperands(args), true)[0] ?? -1,
  },
  {
    name: "indexof_n",
    signature: fn([T.string, T.string], T.arrayOf(T.number)),
    impl: (args) => occurrences(...searchOperands(args)),
  },
  { name: "lower", signature: STR1, impl: (args) => changeCase(str(args, 0), false) },
  { name: "upper", signature: STR1, impl: (args) => changeCase(str(args, 0), true) },
  {
    name: "replace",
    signature: fn([T.string, T.string, T.string], T.string),
    impl: (args, ctx) => replaceAll(str(args, 0), str(args, 1), str(args, 2), ctx),
  },
  { name: "strings.replace_n", signature: fn([T.objectOf(T.string, T.string), T.string], T.string), impl: replaceN },
  { name: "split", signature: fn([T.string, T.string], T.arrayOf(T.string)), impl: split },
  { name: "strings.split_n", signature: fn([T.string, T.string, T.number], T.arrayOf(T.string)), impl: splitN },
  { name: "sprintf", signature: fn([T.string, ANY_ARRAY], T.string), impl: sprintf },
  { name: "substring", signature: fn([T.string, T.number, T.number], T.string), impl: substring },
  { name: "trim", signature: STR2, impl: trimmer(true, true) },
  { name: "trim_left", signature: STR2, impl: trimmer(true, false) },
  { name: "trim_right", signature: STR2, impl: trimmer(false, true) },
  {
    name: "trim_prefix",
    signature: STR2,
    impl: (args) => {
      const [s, prefix] = [str(args, 0), str(args, 1)];
      return s.startsWith(prefix) ? s.slice(prefix.length) : s;
    },
  },
  {
    name: "trim_suffix",
    signature: STR2,
    impl: (args) => {
      const [s, suffix] = [str(args, 0), str(args, 1)];
      return s.endsWith(suffix) ? s.slice(0, s.length - suffix.length) : s;
    },
  },
  {
    name: "trim_space",
    signature: STR1,
    impl: (args) => str(args, 0).replace(LEADING_SPACE, "").replace(TRAILING_SPACE, ""),
  },
  { name: "strings.reverse", signature: STR1, impl: (args) => runes(str(args, 0)).reverse().join("") },
  {
    name: "strings.any_prefix_match",
    signature: fn([T.union(T.string, STRINGS_OF), T.union(T.string, STRINGS_OF)], T.boolean),
    impl: anyMatch((s, prefix) => s.startsWith(prefix)),
  },
  {
    name: "strings.any_suffix_match",
    signature: fn([T.union(T.string, STRINGS_OF), T.union(T.string, STRINGS_OF)], T.boolean),
    impl: anyMatch((s, suffix) => s.endsWith(suffix)),
  },
  {
    name: "strings.count",
    signature: fn([T.string, T.string], T.number),
    impl: (args) => countOccurrences(str(args, 0), str(args, 1)),
  },
];
