// Go regular expressions (RE2 syntax) compiled to JS RegExps with Go's meaning, and Go's ways of
// iterating matches and expanding `$1` templates.
//
// The translation keeps the pattern's structure and rewrites what differs: Go's `.` excludes only
// `\n`; `\s` is ASCII; `\A`, `\z`, `\Q...\E`, `[[:alpha:]]`, `\pL`, `(?P<name>...)` and octal
// escapes have no JS spelling; Go rejects backreferences and lookarounds; JS (in `u` mode) wants
// stray `{`, `}` and `]` escaped. Flags are honoured at the start of the pattern (`(?i)...`).

export class RegexSyntaxError extends Error {}

export interface CompiledRegex {
  re: RegExp;
  /** Names of the capturing groups by number (index 0 is the whole match); "" when unnamed. */
  names: string[];
}

const cache = new Map<string, CompiledRegex>();
const CACHE_LIMIT = 1000;

/** Compiles (and memoises) a Go pattern; throws RegexSyntaxError with Go's message. */
export function compileRE2(pattern: string): CompiledRegex {
  let c = cache.get(pattern);
  if (c === undefined) {
    c = new Translator(pattern).run();
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(pattern, c);
  }
  return c;
}

const SPACE_CLASS = "\\t\\n\\f\\r ";
const SYNTAX_CHARS = "^$\\.*+?()[]{}|/";
const CLASS_ESCAPABLE = SYNTAX_CHARS + "-";

const POSIX_CLASSES: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7f",
  blank: "\\t ",
  cntrl: "\\x00-\\x1f\\x7f",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

class Translator {
  private i = 0;
  private out = "";
  private flags = { i: false, m: false, s: false, U: false };
  private names = [""];
  private depth = 0;

  constructor(private readonly p: string) {}

  private fail(what: string, culprit: string): never {
    throw new RegexSyntaxError(`error parsing regexp: ${what}: \`${culprit}\``);
  }

  run(): CompiledRegex {
    this.leadingFlags();
    while (this.i < this.p.length) this.term();
    if (this.depth > 0) this.fail("missing closing )", this.p);
    const flags = "gu" + (this.flags.i ? "i" : "") + (this.flags.m ? "m" : "");
    try {
      return { re: new RegExp(this.out, flags), names: this.names };
    } catch {
      // Whatever Go objects to that the translation passed on (`**`, `x{2}{3}`...).
      throw new RegexSyntaxError(`error parsing regexp: invalid or unsupported syntax: \`${this.p}\``);
    }
  }

  /** `(?ims)` at the very start sets flags for the whole pattern. */
  private leadingFlags(): void {
    const m = /^\(\?([imsU]+)\)/.exec(this.p);
    if (!m) return;
    for (const f of m[1]!) this.flags[f as keyof typeof this.flags] = true;
    this.i = m[0].length;
  }

  private term(): void {
    const c = this.p[this.i]!;
    switch (c) {
      case "\\":
        this.out += this.escape(false);
        return;
      case "[":
        this.charClass();
        return;
      case "(":
        this.group();
        return;
      case ")":
        if (this.depth === 0) this.fail("unexpected )", this.p);
        this.depth--;
        this.out += ")";
        this.i++;
        return;
      case ".":
        this.out += this.flags.s ? "[\\s\\S]" : "[^\\n]";
        this.i++;
        return;
      case "*":
      case "+":
      case "?":
        this.out += c;
        this.i++;
        this.greediness();
        return;
      case "{": {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.p.slice(this.i));
        if (!m) {
          this.out += "\\{"; // not a repetition: a literal brace in Go
          this.i++;
          return;
        }
        if (Number(m[1]) > 1000 || (m[3] !== undefined && m[3] !== "" && Number(m[3]) > 1000)) {
          this.fail("invalid repeat count", m[0]);
        }
        this.out += m[0];
        this.i += m[0].length;
        this.greediness();
        return;
      }
      case "}":
      case "]":
        this.out += "\\" + c;
        this.i++;
        return;
      default: {
        const cp = String.fromCodePoint(this.p.codePointAt(this.i)!);
        this.out += cp;
        this.i += cp.length;
      }
    }
  }

  /** Under the U flag, a quantifier is lazy unless followed by `?`. */
  private greediness(): void {
    const lazy = this.p[this.i] === "?";
    if (lazy) this.i++;
    if (lazy !== this.flags.U) this.out += "?";
  }

  private group(): void {
    const rest = this.p.slice(this.i);
    const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
    if (named) {
      this.names.push(named[1]!);
      this.out += `(?<${named[1]}>`;
      this.i += named[0].length;
    } else if (rest.startsWith("(?:")) {
      this.out += "(?:";
      this.i += 3;
    } else if (rest.startsWith("(?")) {
      // Flag groups elsewhere than the start: apply them to the whole pattern.
      const flags = /^\(\?([imsU]*)(?:-[imsU]*)?(:|\))/.exec(rest);
      if (!flags) this.fail("invalid or unsupported Perl syntax", rest.slice(0, 3));
      for (const f of flags[1]!) this.flags[f as keyof typeof this.flags] = true;
      this.i += flags[0].length;
      if (flags[2] === ")") return;
      this.out += "(?:";
    } else {
      this.names.push("");
      this.out += "(";
      this.i++;
    }
    this.depth++;
  }

  /** A backslash escape; `inClass` selects the spelling valid inside `[...]`. */
  private escape(inClass: boolean): string {
    const c = this.p[this.i + 1];
    if (c === undefined) this.fail("trailing backslash at end of expression", "");
    this.i += 2;
    switch (c) {
      case "d":
      case "D":
      case "w":
      case "W":
      case "t":
      case "n":
      case "r":
      case "f":
      case "v":
        return "\\" + c;
      case "b":
      case "B":
        if (inClass) this.fail("invalid escape sequence", "\\" + c);
        return "\\" + c;
      case "a":
        return "\\x07";
      case "s":
        return inClass ? SPACE_CLASS : `[${SPACE_CLASS}]`;
      case "S":
        return inClass ? "\\S" : `[^${SPACE_CLASS}]`;
      case "A":
        if (inClass) this.fail("invalid escape sequence", "\\A");
        return "(?<![\\s\\S])";
      case "z":
        if (inClass) this.fail("invalid escape sequence", "\\z");
        return "(?![\\s\\S])";
      case "Q": {
        const end = this.p.indexOf("\\E", this.i);
        const literal = this.p.slice(this.i, end < 0 ? undefined : end);
        this.i = end < 0 ? this.p.length : end + 2;
        return Array.from(literal, (ch) => literalChar(ch, inClass)).join("");
      }
      case "x":
        return this.hexEscape();
      case "p":
      case "P":
        return this.unicodeClass(c);
    }
    if (c >= "0" && c <= "7") {
      // \1-\7 alone would be a backreference, which Go does not support.
      const m = /^[0-7]{0,2}/.exec(this.p.slice(this.i))![0];
      if (c !== "0" && m === "" ) this.fail("invalid escape sequence", "\\" + c);
      this.i += m.length;
      return `\\u{${parseInt(c + m, 8).toString(16)}}`;
    }
    if (/[!-\/:-@\[-`{-~]/.test(c)) return literalChar(c, inClass);
    return this.fail("invalid escape sequence", "\\" + c);
  }

  private hexEscape(): string {
    const rest = this.p.slice(this.i);
    const m = /^\{([0-9A-Fa-f]+)\}/.exec(rest) ?? /^([0-9A-Fa-f]{2})/.exec(rest);
    if (!m || parseInt(m[1]!, 16) > 0x10ffff) this.fail("invalid escape sequence", "\\x" + rest.slice(0, 4));
    this.i += m[0].length;
    return `\\u{${m[1]}}`;
  }

  /** `\pL`, `\p{Greek}`, `\P{Lu}`, `\p{^Greek}`: general categories or scripts. */
  private unicodeClass(letter: string): string {
    const rest = this.p.slice(this.i);
    const m = /^\{(\^?)([A-Za-z_]+)\}/.exec(rest) ?? /^()([A-Za-z])/.exec(rest);
    if (!m) this.fail("invalid character class range", "\\" + letter + rest.slice(0, 1));
    this.i += m[0].length;
    const negate = (letter === "P") !== (m[1] === "^");
    const name = m[2]!;
    const prop = name === "Any" ? "Any" : /^[A-Z][a-z]?$/.test(name) ? name : `Script=${name}`;
    try {
      new RegExp(`\\p{${prop}}`, "u");
    } catch {
      this.fail("invalid character class range", `\\${letter}{${name}}`);
    }
    return `\\${negate ? "P" : "p"}{${prop}}`;
  }

  private charClass(): void {
    const start = this.i;
    this.i++;
    let body = "";
    if (this.p[this.i] === "^") {
      body += "^";
      this.i++;
    }
    // A `]` right after `[` or `[^` is a literal in Go.
    let first = true;
    for (;;) {
      const c = this.p[this.i];
      if (c === undefined) this.fail("missing closing ]", this.p.slice(start));
      if (c === "]" && !first) break;
      first = false;
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(this.p.slice(this.i));
      if (posix) {
        const cls = POSIX_CLASSES[posix[2]!];
        if (cls === undefined || posix[1] === "^") this.fail("invalid character class range", posix[0]);
        body += cls;
        this.i += posix[0].length;
      } else if (c === "\\") {
        body += this.escape(true);
      } else {
        const ch = String.fromCodePoint(this.p.codePointAt(this.i)!);
        body += ch === "-" ? "-" : literalChar(ch, true);
        this.i += ch.length;
      }
    }
    this.i++;
    this.out += `[${body}]`;
  }
}

/** A literal character, escaped as JS's `u` mode requires and no more. */
function literalChar(ch: string, inClass: boolean): string {
  if ((inClass ? CLASS_ESCAPABLE : SYNTAX_CHARS).includes(ch)) return "\\" + ch;
  return ch;
}

// ---------------------------------------------------------------------------------------------
// Matching as Go's regexp package does

/**
 * Successive non-overlapping matches, as Go's FindAll: an empty match right after the previous
 * match is skipped. `limit` < 0 means all.
 */
export function findAll(c: CompiledRegex, s: string, limit: number): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  const re = c.re;
  let prevEnd = -1;
  for (let pos = 0; pos <= s.length && (limit < 0 || out.length < limit); ) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (m === null) break;
    const end = m.index + m[0].length;
    let accept = true;
    if (end === pos) {
      // An empty match at pos: step one rune on, and drop it if it abuts the previous match.
      if (m.index === prevEnd) accept = false;
      pos += pos < s.length ? String.fromCodePoint(s.codePointAt(pos)!).length : 1;
    } else {
      pos = end;
    }
    prevEnd = end;
    if (accept) out.push(m);
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
    if (m.index + m[0].length !== 0) out.push(s.slice(beg, end));
    beg = m.index + m[0].length;
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
    last = m.index + m[0].length;
  }
  return out + s.slice(last);
}

function expand(c: CompiledRegex, m: RegExpExecArray, template: string): string {
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
    out += (index >= 0 ? m[index] : undefined) ?? "";
  }
  return out + rest;
}
