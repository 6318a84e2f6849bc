// Go regular expressions (RE2 syntax) with Go's meaning and RE2's linear time: patterns are
// compiled by re2js (a port of RE2, automata rather than backtracking), so a hostile input such as
// `^(a+)+$` against "aaaa…!" costs time proportional to its length. This file adds Go's ways of
// iterating matches, splitting and expanding `$1` templates, and Go's error texts.
import { RE2JS, RE2JSSyntaxException } from "re2js";

export class RegexSyntaxError extends Error {}

export interface CompiledRegex {
  re: RE2JS;
  /** Names of the capturing groups by number (index 0 is the whole match); "" when unnamed. */
  names: string[];
}

/** One match: [start, end) in UTF-16 units, and the text of each group (undefined if unset). */
export interface Match {
  index: number;
  end: number;
  groups: (string | undefined)[];
}

const cache = new Map<string, CompiledRegex>();
const CACHE_LIMIT = 1000;

/** Compiles (and memoises) a Go pattern; throws RegexSyntaxError with Go's message. */
export function compileRE2(pattern: string): CompiledRegex {
  let c = cache.get(pattern);
  if (c === undefined) {
    c = compileUncached(pattern);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(pattern, c);
  }
  return c;
}

function compileUncached(pattern: string): CompiledRegex {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (e) {
    if (e instanceof RE2JSSyntaxException) throw new RegexSyntaxError(goMessage(e));
    throw new RegexSyntaxError(`error parsing regexp: invalid or unsupported syntax: \`${pattern}\``);
  }
  const names = new Array<string>(re.groupCount() + 1).fill("");
  for (const [name, index] of Object.entries(re.namedGroups() as Record<string, number>)) names[index] = name;
  return { re, names };
}

/** Go's text: "error parsing regexp: <code>: `<expr>`", the expression part always present. */
function goMessage(e: RE2JSSyntaxException): string {
  const prefix = "error parsing regexp: ";
  const description = e.getDescription();
  const expr = e.getPattern() ?? "";
  return `${prefix}${description}: \`${expr}\``;
}

/** Whether `s` contains a match (no submatch extraction: the fastest path). */
export function test(c: CompiledRegex, s: string): boolean {
  return c.re.test(s);
}

// ---------------------------------------------------------------------------------------------
// Matching as Go's regexp package does

/**
 * Successive non-overlapping matches, as Go's FindAll: an empty match right after the previous
 * match is skipped. `limit` < 0 means all.
 */
export function findAll(c: CompiledRegex, s: string, limit: number): Match[] {
  const out: Match[] = [];
  const m = c.re.matcher(s);
  const groups = c.names.length;
  let prevEnd = -1;
  for (let pos = 0; pos <= s.length && (limit < 0 || out.length < limit); ) {
    if (!m.find(pos)) break;
    const index = m.start();
    const end = m.end();
    let accept = true;
    if (end === pos) {
      // An empty match at pos: step one rune on, and drop it if it abuts the previous match.
      if (index === prevEnd) accept = false;
      pos += pos < s.length ? String.fromCodePoint(s.codePointAt(pos)!).length : 1;
    } else {
      pos = end;
    }
    prevEnd = end;
    if (accept) {
      const texts: (string | undefined)[] = [];
      for (let g = 0; g < groups; g++) texts.push(m.group(g) ?? undefined);
      out.push({ index, end, groups: texts });
    }
  }
  return out;
}

/** Go's Regexp.Split(s, -1). */
export function split(c: CompiledRegex, pattern: string, s: string): string[] {
  if (pattern !== "" && s === "") return [""];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of findAll(c, s, -1)) {
    end = m.index;
    if (m.end !== 0) out.push(s.slice(beg, end));
    beg = m.end;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

/** Go's ReplaceAllString: `$1`, `${1}`, `$name` and `${name}` in the template; `$$` is `$`. */
export function replaceAll(c: CompiledRegex, s: string, template: string): string {
  let out = "";
  let last = 0;
  for (const m of findAll(c, s, -1)) {
    out += s.slice(last, m.index) + expand(c, m, template);
    last = m.end;
  }
  return out + s.slice(last);
}

function expand(c: CompiledRegex, m: Match, template: string): string {
  let out = "";
  let rest = template;
  for (let at = rest.indexOf("$"); at >= 0; at = rest.indexOf("$")) {
    out += rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (rest.startsWith("$")) {
      out += "$";
      rest = rest.slice(1);
      continue;
    }
    const ref = /^\{([A-Za-z0-9_]+)\}/.exec(rest) ?? /^([A-Za-z0-9_]+)/.exec(rest);
    if (!ref) {
      out += "$"; // malformed: the `$` stands for itself
      continue;
    }
    rest = rest.slice(ref[0].length);
    const name = ref[1]!;
    const index = /^[0-9]+$/.test(name) ? Number(name) : c.names.indexOf(name);
    out += (index >= 0 ? m.groups[index] : undefined) ?? "";
  }
  return out + rest;
}
