// The Rego lexer: turns source text into tokens with locations, in one linear pass.
// Whitespace is not a token, but every token records whether whitespace (and a newline) came
// before it: refs and calls need their parts written together (`x[0]`, not `x [0]`), and
// newlines separate the expressions of a body.
import type { Comment, Location } from "./ast.ts";

export const KEYWORDS = [
  "if",
  "contains",
  "in",
  "every",
  "some",
  "not",
  "with",
  "as",
  "default",
  "else",
  "import",
  "package",
  "true",
  "false",
  "null",
] as const;
export type Keyword = (typeof KEYWORDS)[number];

const TWO_CHAR_PUNCTUATION = [":=", "==", "!=", "<=", ">="] as const;
const ONE_CHAR_PUNCTUATION = [
  "<", ">", "=", "+", "-", "*", "/", "%", "&", "|",
  "(", ")", "[", "]", "{", "}", ",", ";", ".", ":",
] as const;
export type Punctuation = (typeof TWO_CHAR_PUNCTUATION)[number] | (typeof ONE_CHAR_PUNCTUATION)[number];

export type TokenKind =
  | "ident"
  | "number"
  | "string"
  | "rawstring"
  /** A template string (`$"..."` or `` $`...` ``); its pieces are in `parts`. */
  | "template"
  | "eof"
  /** A lexing error; `value` holds the message. Lexing stops after it. */
  | "illegal"
  | Keyword
  | Punctuation;

export interface Token {
  kind: TokenKind;
  /** The source text of the token. */
  text: string;
  /** The decoded contents of a string, or the message of an illegal token. */
  value: string;
  loc: Location;
  /** Whitespace or a comment separates this token from the previous one. */
  spaceBefore: boolean;
  /** A newline separates this token from the previous one. */
  newlineBefore: boolean;
  /** A template string's literal text and `{expression}`s, the expressions as their tokens. */
  parts?: TemplatePart[];
}

/** A piece of a template string: literal text, or an expression's tokens (ending with `eof`). */
export type TemplatePart = { text: string } | { tokens: Token[] };

export interface LexResult {
  /** Always ends with an `eof` token (after an `illegal` one, if lexing failed). */
  tokens: Token[];
  comments: Comment[];
}

const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);
const TWO_CHAR_SET: ReadonlySet<string> = new Set(TWO_CHAR_PUNCTUATION);
const ONE_CHAR_SET: ReadonlySet<string> = new Set(ONE_CHAR_PUNCTUATION);
const SINGLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

export function isKeyword(word: string): word is Keyword {
  return KEYWORD_SET.has(word);
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isLetter = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isHexDigit = (c: number): boolean => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);

/** A lexing error, caught by `lex` and turned into an `illegal` token. */
class LexError {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}

export function lex(text: string, file: string): LexResult {
  return new Lexer(text, file).run();
}

class Lexer {
  private pos = 0;
  private row = 1;
  private lineStart = 0;
  private readonly tokens: Token[] = [];
  private readonly comments: Comment[] = [];

  constructor(
    private readonly src: string,
    private readonly file: string,
  ) {}

  run(): LexResult {
    for (;;) {
      const skipped = this.skipSpaceAndComments();
      const spaceBefore = skipped !== "none";
      const newlineBefore = skipped === "newline";
      const start = this.pos;
      const loc = this.locAt(start);
      if (start >= this.src.length) {
        this.tokens.push({ kind: "eof", text: "", value: "", loc, spaceBefore, newlineBefore });
        break;
      }
      try {
        this.tokens.push(this.token(start, loc, spaceBefore, newlineBefore));
      } catch (e) {
        if (!(e instanceof LexError)) throw e;
        const errLoc = this.locAt(e.offset);
        this.tokens.push({ kind: "illegal", text: "", value: e.message, loc: errLoc, spaceBefore, newlineBefore });
        this.tokens.push({ kind: "eof", text: "", value: "", loc: errLoc, spaceBefore: false, newlineBefore: false });
        break;
      }
    }
    return { tokens: this.tokens, comments: this.comments };
  }

  /** Scans the token at `start`. Raw and template strings may span lines; `loc` was taken before. */
  private token(start: number, loc: Location, spaceBefore: boolean, newlineBefore: boolean): Token {
    if (this.src.charCodeAt(start) === 36 /* $ */ && /["`]/.test(this.src.charAt(start + 1))) {
      const parts = this.scanTemplate();
      return { kind: "template", text: this.src.slice(start, this.pos), value: "", loc, spaceBefore, newlineBefore, parts };
    }
    const [kind, value] = this.scanToken();
    return { kind, text: this.src.slice(start, this.pos), value, loc, spaceBefore, newlineBefore };
  }

  /**
   * A template string, `$"..."` (escapes as in strings) or `` $`...` `` (raw, may span lines).
   * `{` opens an expression, lexed as tokens up to its matching `}`; `\{` and `\}` are the
   * braces themselves, in both forms.
   */
  private scanTemplate(): TemplatePart[] {
    const start = this.pos;
    const raw = this.src.charAt(start + 1) === "`";
    this.pos += 2;
    const parts: TemplatePart[] = [];
    let text = "";
    for (;;) {
      if (this.pos >= this.src.length) throw new LexError("non-terminated template string", start);
      const ch = this.src.charAt(this.pos);
      if (ch === (raw ? "`" : '"')) break;
      if (ch === "\\" && /[{}]/.test(this.src.charAt(this.pos + 1))) {
        text += this.src.charAt(this.pos + 1);
        this.pos += 2;
      } else if (ch === "{") {
        if (text !== "") parts.push({ text });
        text = "";
        parts.push({ tokens: this.scanTemplateExpr(start) });
      } else if (!raw && ch === "\\") {
        text += this.scanEscape();
      } else {
        const c = ch.charCodeAt(0);
        if (!raw && c === 10) throw new LexError("non-terminated template string", start);
        if (!raw && c < 32) throw new LexError("illegal control character in string", this.pos);
        if (c === 10) this.newline(this.pos);
        text += ch;
        this.pos++;
      }
    }
    this.pos++; // closing quote
    if (text !== "") parts.push({ text });
    return parts;
  }

  /** The tokens of a template string's `{expression}` (at its `{`), with `eof` for the `}`. */
  private scanTemplateExpr(templateStart: number): Token[] {
    this.pos++;
    const tokens: Token[] = [];
    for (let depth = 0; ; ) {
      const skipped = this.skipSpaceAndComments();
      const start = this.pos;
      const loc = this.locAt(start);
      if (start >= this.src.length) throw new LexError("non-terminated template string", templateStart);
      const t = this.token(start, loc, skipped !== "none", skipped === "newline");
      if (t.kind === "}" && depth === 0) {
        tokens.push({ ...t, kind: "eof", text: "" });
        return tokens;
      }
      if (t.kind === "{") depth++;
      if (t.kind === "}") depth--;
      tokens.push(t);
    }
  }

  /** The location of an offset on the current line. */
  private locAt(offset: number): Location {
    return { file: this.file, row: this.row, col: offset - this.lineStart + 1 };
  }

  private newline(at: number): void {
    this.row++;
    this.lineStart = at + 1;
  }

  /** Skips whitespace and comments (collecting them), and says what was skipped. */
  private skipSpaceAndComments(): "none" | "space" | "newline" {
    let skipped: "none" | "space" | "newline" = "none";
    const src = this.src;
    while (this.pos < src.length) {
      const c = src.charCodeAt(this.pos);
      if (c === 10) {
        this.newline(this.pos);
        this.pos++;
        skipped = "newline";
      } else if (c === 32 || c === 9 || c === 13) {
        this.pos++;
        if (skipped === "none") skipped = "space";
      } else if (c === 35 /* # */) {
        this.scanComment();
        if (skipped === "none") skipped = "space";
      } else {
        break;
      }
    }
    return skipped;
  }

  private scanComment(): void {
    const start = this.pos;
    let end = this.src.indexOf("\n", start);
    if (end < 0) end = this.src.length;
    let textEnd = end;
    if (textEnd > start && this.src.charCodeAt(textEnd - 1) === 13) textEnd--; // CRLF line endings
    this.comments.push({ text: this.src.slice(start + 1, textEnd), loc: this.locAt(start) });
    this.pos = end;
  }

  /** Scans one token starting at `pos`, returning its kind and decoded value. */
  private scanToken(): [TokenKind, string] {
    const c = this.src.charCodeAt(this.pos);
    if (isLetter(c)) return this.scanWord();
    if (isDigit(c)) {
      this.scanNumber();
      return ["number", ""];
    }
    if (c === 34 /* " */) return ["string", this.scanString()];
    if (c === 96 /* ` */) return ["rawstring", this.scanRawString()];
    // Two-character operators first, so that `:=` wins over `:`.
    const two = this.src.slice(this.pos, this.pos + 2);
    if (TWO_CHAR_SET.has(two)) {
      this.pos += 2;
      return [two as Punctuation, ""];
    }
    const one = this.src.charAt(this.pos);
    if (ONE_CHAR_SET.has(one)) {
      this.pos++;
      return [one as Punctuation, ""];
    }
    throw new LexError("illegal token", this.pos);
  }

  private scanWord(): [TokenKind, ""] {
    const start = this.pos;
    while (this.pos < this.src.length) {
      const c = this.src.charCodeAt(this.pos);
      if (!isLetter(c) && !isDigit(c)) break;
      this.pos++;
    }
    const word = this.src.slice(start, this.pos);
    return [isKeyword(word) ? word : "ident", ""];
  }

  /** Numbers as OPA reads them: digits, an optional fraction, an optional exponent. */
  private scanNumber(): void {
    const start = this.pos;
    this.skipDigits();
    if (this.src.charCodeAt(this.pos) === 46 /* . */) {
      this.pos++;
      if (this.skipDigits() === 0) throw new LexError("expected fraction", this.pos);
    }
    const e = this.src.charCodeAt(this.pos);
    if (e === 101 || e === 69 /* e E */) {
      this.pos++;
      const sign = this.src.charCodeAt(this.pos);
      if (sign === 43 || sign === 45) this.pos++;
      if (this.skipDigits() === 0) throw new LexError("expected exponent", this.pos);
    }
    // `123abc` is one malformed token, not a number followed by a name.
    if (this.pos < this.src.length && isLetter(this.src.charCodeAt(this.pos))) {
      throw new LexError("illegal number format", start);
    }
  }

  private skipDigits(): number {
    const start = this.pos;
    while (isDigit(this.src.charCodeAt(this.pos))) this.pos++;
    return this.pos - start;
  }

  /** A JSON string: decodes escapes, rejects raw newlines and control characters. */
  private scanString(): string {
    const start = this.pos;
    const src = this.src;
    const parts: string[] = [];
    let chunkStart = ++this.pos;
    for (;;) {
      if (this.pos >= src.length) throw new LexError("non-terminated string", start);
      const c = src.charCodeAt(this.pos);
      if (c === 34 /* " */) break;
      if (c === 10) throw new LexError("non-terminated string", start);
      if (c < 32) throw new LexError("illegal control character in string", this.pos);
      if (c !== 92 /* \ */) {
        this.pos++;
        continue;
      }
      parts.push(src.slice(chunkStart, this.pos));
      parts.push(this.scanEscape());
      chunkStart = this.pos;
    }
    parts.push(src.slice(chunkStart, this.pos));
    this.pos++; // closing quote
    return parts.join("");
  }

  /** Decodes the escape at `pos` (a backslash) and moves past it. */
  private scanEscape(): string {
    const at = this.pos;
    const ch = this.src.charAt(at + 1);
    const single = SINGLE_ESCAPES[ch];
    if (single !== undefined) {
      this.pos += 2;
      return single;
    }
    if (ch !== "u") throw new LexError("illegal escape sequence", at);
    const unit = this.scanHex4(at);
    // Surrogate halves decode as a pair when written as one; a lone half becomes U+FFFD, as in JSON
    // decoders, so strings are always well-formed Unicode.
    if (unit >= 0xd800 && unit <= 0xdbff && this.src.startsWith("\\u", this.pos)) {
      const save = this.pos;
      const low = this.scanHex4(this.pos);
      if (low >= 0xdc00 && low <= 0xdfff) return String.fromCharCode(unit, low);
      this.pos = save;
    }
    if (unit >= 0xd800 && unit <= 0xdfff) return "\ufffd";
    return String.fromCharCode(unit);
  }

  /** Reads `\uXXXX` at `at`, moving past it. */
  private scanHex4(at: number): number {
    for (let i = at + 2; i < at + 6; i++) {
      if (!isHexDigit(this.src.charCodeAt(i))) throw new LexError("illegal escape sequence", at);
    }
    this.pos = at + 6;
    return parseInt(this.src.slice(at + 2, at + 6), 16);
  }

  /** A backtick string: no escapes, may span lines. */
  private scanRawString(): string {
    const start = this.pos;
    const end = this.src.indexOf("`", start + 1);
    if (end < 0) throw new LexError("non-terminated raw string", start);
    for (let i = this.src.indexOf("\n", start); i >= 0 && i < end; i = this.src.indexOf("\n", i + 1)) {
      this.newline(i);
    }
    this.pos = end + 1;
    return this.src.slice(start + 1, end);
  }
}
