// Go's fmt.Sprintf, for the argument kinds OPA's sprintf passes it: Go ints, *big.Int, float64 and
// string. Output matches Go's, including its complaints inline (`%!d(string=foo)`,
// `%!s(MISSING)`, `%!(EXTRA int=1)`), because OPA returns whatever Go prints.
import { checkChars } from "./builtin.ts";

export type FmtArg =
  | { kind: "int"; value: bigint } // a Go int (64-bit)
  | { kind: "bigint"; value: bigint } // a *big.Int, for integers beyond int64
  | { kind: "float"; value: number }
  | { kind: "string"; value: string };

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  /** %#v and %+v: the flags `v` takes over from `#` and `+`. */
  sharpV: boolean;
  width?: number;
  prec?: number;
}

const GO_TYPE: Record<FmtArg["kind"], string> = { int: "int", bigint: "*big.Int", float: "float64", string: "string" };

export function goSprintf(format: string, args: FmtArg[]): string {
  return new Printer(format, args).run();
}

class Printer {
  private out = "";
  private i = 0;
  private argNum = 0;
  /** An explicit `[n]` index was used: Go then stops reporting unused arguments. */
  private reordered = false;
  private goodArgNum = true;

  constructor(
    private readonly format: string,
    private readonly args: FmtArg[],
  ) {}

  run(): string {
    const f = this.format;
    while (this.i < f.length) {
      const pct = f.indexOf("%", this.i);
      if (pct < 0) {
        this.out += f.slice(this.i);
        break;
      }
      this.out += f.slice(this.i, pct);
      this.i = pct + 1;
      this.directive();
    }
    if (!this.reordered && this.argNum < this.args.length) {
      const extra = this.args.slice(this.argNum).map((a) => `${GO_TYPE[a.kind]}=${formatArg(a, "v", plainFlags())}`);
      this.out += `%!(EXTRA ${extra.join(", ")})`;
    }
    return this.out;
  }

  /** One `%...verb` directive, with `this.i` just past the `%`. */
  private directive(): void {
    const f = this.format;
    this.goodArgNum = true;
    const flags = plainFlags();
    for (; this.i < f.length; this.i++) {
      const c = f[this.i];
      if (c === "#") flags.sharp = true;
      else if (c === "0") flags.zero = !flags.minus;
      else if (c === "+") flags.plus = true;
      else if (c === "-") {
        flags.minus = true;
        flags.zero = false;
      } else if (c === " ") flags.space = true;
      else break;
    }
    let afterIndex = this.argIndex();
    if (f[this.i] === "*") {
      this.i++;
      flags.width = this.intArg();
      if (flags.width === undefined) this.out += "%!(BADWIDTH)";
      else if (flags.width < 0) {
        flags.width = -flags.width;
        flags.minus = true;
        flags.zero = false;
      }
      afterIndex = false;
    } else {
      flags.width = this.number();
      if (afterIndex && flags.width !== undefined) this.goodArgNum = false;
    }
    if (this.i + 1 < f.length && f[this.i] === ".") {
      this.i++;
      if (afterIndex) this.goodArgNum = false;
      afterIndex = this.argIndex();
      if (f[this.i] === "*") {
        this.i++;
        flags.prec = this.intArg();
        if (flags.prec !== undefined && flags.prec < 0) flags.prec = undefined;
        if (flags.prec === undefined) this.out += "%!(BADPREC)";
        afterIndex = false;
      } else {
        flags.prec = this.number() ?? 0;
      }
    }
    if (!afterIndex) this.argIndex();
    if (this.i >= f.length) {
      this.out += "%!(NOVERB)";
      return;
    }
    const verb = String.fromCodePoint(f.codePointAt(this.i)!);
    this.i += verb.length;
    if (verb === "%") {
      this.out += "%";
    } else if (!this.goodArgNum) {
      this.out += `%!${verb}(BADINDEX)`;
    } else if (this.argNum >= this.args.length) {
      this.out += `%!${verb}(MISSING)`;
    } else {
      if (verb === "v") {
        flags.sharpV = flags.sharp;
        flags.sharp = false;
        flags.plus = false;
      }
      this.out += formatArg(this.args[this.argNum]!, verb, flags);
      this.argNum++;
    }
  }

  /** Decimal digits at the cursor, if any. */
  private number(): number | undefined {
    const m = /^[0-9]+/.exec(this.format.slice(this.i));
    if (!m) return undefined;
    this.i += m[0].length;
    return Number(m[0]) > 1e6 ? undefined : Number(m[0]);
  }

  /** An explicit argument index `[n]` at the cursor; returns whether one was found. */
  private argIndex(): boolean {
    if (this.format[this.i] !== "[") return false;
    this.reordered = true;
    const close = this.format.indexOf("]", this.i);
    const text = close < 0 ? "" : this.format.slice(this.i + 1, close);
    if (close < 0 || !/^[0-9]+$/.test(text)) {
      this.goodArgNum = false;
      this.i = close < 0 ? this.i + 1 : close + 1;
      return false;
    }
    this.i = close + 1;
    const n = Number(text) - 1;
    if (n >= 0 && n < this.args.length) this.argNum = n;
    else this.goodArgNum = false;
    return true;
  }

  /** A `*` width or precision, taken from the next argument (which must be an int). */
  private intArg(): number | undefined {
    const a = this.args[this.argNum];
    if (a === undefined) return undefined;
    this.argNum++;
    if (a.kind !== "int" || a.value > 1000000n || a.value < -1000000n) return undefined;
    return Number(a.value);
  }
}

function plainFlags(): Flags {
  return { plus: false, minus: false, sharp: false, space: false, zero: false, sharpV: false };
}

function formatArg(a: FmtArg, verb: string, f: Flags): string {
  // %T: the Go type of the argument, padded as a string is.
  if (verb === "T") return formatString(GO_TYPE[a.kind], "s", f)!;
  switch (a.kind) {
    case "int":
      return formatInt(a.value, verb, f) ?? badVerb(a, verb, f);
    case "bigint":
      return formatBigInt(a.value, verb, f);
    case "float":
      return formatFloat(a.value, verb, f) ?? badVerb(a, verb, f);
    case "string":
      return formatString(a.value, verb, f) ?? badVerb(a, verb, f);
  }
}

/** Go's complaint for a verb that does not suit the argument, showing it with %v. */
function badVerb(a: FmtArg, verb: string, f: Flags): string {
  return `%!${verb}(${GO_TYPE[a.kind]}=${formatArg(a, "v", f)})`;
}

// ---------------------------------------------------------------------------------------------
// Padding

function runeLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Pads to the width with spaces (or zeros, when asked for and not left-justifying). */
function pad(s: string, f: Flags, zero = f.zero): string {
  const n = (f.width ?? 0) - runeLength(s);
  if (n <= 0) return s;
  checkChars(undefined, n);
  if (f.minus) return s + " ".repeat(n);
  return (zero ? "0" : " ").repeat(n) + s;
}

// ---------------------------------------------------------------------------------------------
// Integers

const BASES: Record<string, number> = { b: 2, o: 8, O: 8, d: 10, v: 10, x: 16, X: 16 };

function formatInt(v: bigint, verb: string, f: Flags): string | undefined {
  switch (verb) {
    case "c":
      return pad(runeOf(v), f, false);
    case "q":
      return pad(quoteRune(v, f), f, false);
    case "U":
      return pad(unicodeNotation(v, f), f, false);
  }
  const base = BASES[verb];
  if (base === undefined) return undefined;
  const negative = v < 0n;
  let digits = (negative ? -v : v).toString(base);
  if (verb === "X") digits = digits.toUpperCase();
  // Two ways to ask for leading zeros: a precision (%.3d) or the 0 flag with a width (%03d).
  let prec = 0;
  if (f.prec !== undefined) {
    if (f.prec === 0 && v === 0n) return pad("", f, false);
    prec = f.prec;
  } else if (f.zero && !f.minus && f.width !== undefined) {
    prec = f.width - (negative || f.plus || f.space ? 1 : 0);
  }
  digits = digits.padStart(prec, "0");
  if (f.sharp) {
    if (base === 2) digits = "0b" + digits;
    else if (base === 8 && digits[0] !== "0") digits = "0" + digits;
    else if (base === 16) digits = "0" + verb + digits;
  }
  if (verb === "O") digits = "0o" + digits;
  return pad(sign(negative, f) + digits, f, false);
}

function sign(negative: boolean, f: Flags): string {
  return negative ? "-" : f.plus ? "+" : f.space ? " " : "";
}

/** *big.Int formats itself: d, s and v in decimal, b/o/x/X in other bases, anything else refused. */
function formatBigInt(v: bigint, verb: string, f: Flags): string {
  const base = verb === "s" ? 10 : BASES[verb];
  if (base === undefined) return `%!${verb}(big.Int=${v})`;
  const negative = v < 0n;
  let digits = (negative ? -v : v).toString(base);
  if (verb === "X") digits = digits.toUpperCase();
  let prefix = "";
  if (f.sharp) prefix = { b: "0b", o: "0", x: "0x", X: "0X" }[verb] ?? "";
  if (verb === "O") prefix = "0o";
  let zeros = 0;
  if (f.prec !== undefined) {
    if (digits.length < f.prec) zeros = f.prec - digits.length;
    else if (digits === "0" && f.prec === 0) return "";
  }
  const head = sign(negative, f) + prefix;
  const length = head.length + zeros + digits.length;
  const room = (f.width ?? 0) - length;
  if (room > 0) {
    if (f.minus) return head + "0".repeat(zeros) + digits + " ".repeat(room);
    if (f.zero && f.prec === undefined) zeros += room;
    else return " ".repeat(room) + head + "0".repeat(zeros) + digits;
  }
  return head + "0".repeat(zeros) + digits;
}

function runeOf(v: bigint): string {
  return v >= 0n && v <= 0x10ffffn && !(v >= 0xd800n && v <= 0xdfffn) ? String.fromCodePoint(Number(v)) : "\ufffd";
}

function quoteRune(v: bigint, f: Flags): string {
  const r = runeOf(v);
  if (f.sharp && r !== "'" && isPrint(r) && r !== "`") return "'" + r + "'";
  return "'" + escapeRune(r, "'", f.plus) + "'";
}

function unicodeNotation(v: bigint, f: Flags): string {
  const hex = "U+" + (v < 0n ? (v + (1n << 64n)) : v).toString(16).toUpperCase().padStart(4, "0");
  const r = runeOf(v);
  return f.sharp && isPrint(r) ? `${hex} '${r}'` : hex;
}

// ---------------------------------------------------------------------------------------------
// Floats

function formatFloat(v: number, verb: string, f: Flags): string | undefined {
  let conv: string;
  let prec: number;
  switch (verb) {
    case "v":
      [conv, prec] = ["g", -1];
      break;
    case "b":
    case "g":
    case "G":
    case "x":
    case "X":
      [conv, prec] = [verb, -1];
      break;
    case "e":
    case "E":
    case "f":
    case "F":
      [conv, prec] = [verb, 6];
      break;
    default:
      return undefined;
  }
  if (f.prec !== undefined) prec = f.prec;
  const text = strconvFloat(Math.abs(v), conv, prec);
  const negative = v < 0 || Object.is(v, -0);
  const signChar = negative ? "-" : f.plus ? "+" : f.space ? " " : "";
  // With zero padding, the sign goes before the zeros.
  if (signChar !== "" && f.zero && !f.minus && f.width !== undefined) {
    return signChar + pad(text, { ...f, width: f.width - 1 }, true);
  }
  return pad(signChar + text, f);
}

/** strconv.FormatFloat for a finite non-negative float: `prec` -1 means the shortest exact form. */
function strconvFloat(v: number, conv: string, prec: number): string {
  if (conv === "b") return binaryForm(v);
  if (conv === "x" || conv === "X") return hexForm(v, prec, conv === "X");
  const upper = conv === "E" || conv === "G";
  const lower = conv.toLowerCase();
  if (prec < 0) {
    const d = shortestDigits(v);
    if (lower === "e") return formatE(d, d.digits.length - 1, upper);
    if (lower === "f") return formatF(d, Math.max(d.digits.length - d.dp, 0));
    // The shortest %g (and so %v) switches to an exponent below 1e-4 and from 1e6 on.
    const exp = d.dp - 1;
    if (exp < -4 || exp >= 6) return formatE(d, d.digits.length - 1, upper);
    return formatF(d, Math.max(d.digits.length - d.dp, 0));
  }
  const exact = exactDigits(v);
  if (lower === "e") return formatE(roundDigits(exact, prec + 1), prec, upper);
  if (lower === "f") return formatF(roundDigits(exact, exact.dp + prec), prec);
  // %g with a precision: that many significant digits, trailing zeros dropped.
  const p = prec === 0 ? 1 : prec;
  const d = trimZeros(roundDigits(exact, p));
  const eprec = p > d.digits.length && d.digits.length >= d.dp ? d.digits.length : p;
  const exp = d.dp - 1;
  if (exp < -4 || exp >= eprec) return formatE(d, Math.min(p, d.digits.length) - 1, upper);
  return formatF(d, Math.max(Math.min(p, d.digits.length) - d.dp, 0));
}

/** Decimal digits (no leading zeros; empty for zero) with the decimal point after `dp` of them. */
interface Digits {
  digits: string;
  dp: number;
}

function shortestDigits(v: number): Digits {
  if (v === 0) return { digits: "", dp: 0 };
  const [mant, exp] = v.toExponential().split("e");
  return { digits: mant!.replace(".", ""), dp: Number(exp) + 1 };
}

/** The exact decimal value of a float64, from its binary mantissa and exponent. */
function exactDigits(v: number): Digits {
  if (v === 0) return { digits: "", dp: 0 };
  const [mant, exp] = decompose(v);
  let digits: string;
  let dp: number;
  if (exp >= 0) {
    digits = (mant << BigInt(exp)).toString();
    dp = digits.length;
  } else {
    // mant / 2^k = mant * 5^k / 10^k
    digits = (mant * 5n ** BigInt(-exp)).toString();
    dp = digits.length + exp;
  }
  return trimZeros({ digits, dp });
}

/** `v = mant × 2^exp` with an integer mantissa. */
function decompose(v: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const hi = view.getUint32(0);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  if (biased !== 0) mant |= 1n << 52n;
  return [mant, (biased === 0 ? 1 : biased) - 1075];
}

function trimZeros(d: Digits): Digits {
  const digits = d.digits.replace(/0+$/, "");
  return digits === "" ? { digits: "", dp: 0 } : { digits, dp: d.dp };
}

/** Rounds to `n` significant digits, halves to even (as strconv does). */
function roundDigits(d: Digits, n: number): Digits {
  if (n >= d.digits.length) return d;
  if (n < 0) return { digits: "", dp: 0 };
  const next = d.digits.charCodeAt(n) - 48;
  const rest = d.digits.slice(n + 1).replace(/0+$/, "");
  const prevOdd = n > 0 && (d.digits.charCodeAt(n - 1) - 48) % 2 === 1;
  const up = next > 5 || (next === 5 && (rest !== "" || prevOdd));
  const kept = d.digits.slice(0, n);
  if (!up) return trimZeros({ digits: kept, dp: d.dp });
  if (kept === "") return { digits: "1", dp: d.dp + 1 };
  const bumped = (BigInt(kept) + 1n).toString();
  // 999 -> 1000: one more digit before the point.
  return trimZeros({ digits: bumped, dp: d.dp + (bumped.length - kept.length) });
}

function digitAt(d: Digits, i: number): string {
  return i >= 0 && i < d.digits.length ? d.digits[i]! : "0";
}

/** d.ddde±XX with `frac` digits after the point. */
function formatE(d: Digits, frac: number, upper: boolean): string {
  let s = digitAt(d, 0);
  if (frac > 0) {
    s += ".";
    for (let i = 1; i <= frac; i++) s += digitAt(d, i);
  }
  const exp = d.digits === "" ? 0 : d.dp - 1;
  const e = String(Math.abs(exp)).padStart(2, "0");
  return `${s}${upper ? "E" : "e"}${exp < 0 ? "-" : "+"}${e}`;
}

/** ddd.ddd with `frac` digits after the point. */
function formatF(d: Digits, frac: number): string {
  let s = "";
  if (d.dp > 0) for (let i = 0; i < d.dp; i++) s += digitAt(d, i);
  else s = "0";
  if (frac > 0) {
    s += ".";
    for (let i = 0; i < frac; i++) s += digitAt(d, d.dp + i);
  }
  return s;
}

/** %b: decimal mantissa and binary exponent, `4503599627370496p-52`. */
function binaryForm(v: number): string {
  const [mant, exp] = decompose(v);
  return `${mant}p${exp < 0 ? "-" : "+"}${Math.abs(exp)}`;
}

/** %x: hexadecimal mantissa in [1, 2) and binary exponent, `0x1.8p+01`. */
function hexForm(v: number, prec: number, upper: boolean): string {
  let [mant, exp] = v === 0 ? [0n, 0] : decompose(v);
  if (mant !== 0n) {
    // Normalise so the leading 1 is bit 52, as for normal numbers.
    while (mant < 1n << 52n) {
      mant <<= 1n;
      exp--;
    }
    exp += 52;
  }
  let frac = (mant & ((1n << 52n) - 1n)).toString(16).padStart(13, "0");
  let lead = mant === 0n ? 0n : 1n;
  if (prec >= 0 && prec < 13) {
    // Round the fraction to `prec` hex digits, halves to even.
    const bits = BigInt(4 * (13 - prec));
    let f = mant & ((1n << 52n) - 1n);
    const half = 1n << (bits - 1n);
    const rem = f & ((1n << bits) - 1n);
    f >>= bits;
    if (rem > half || (rem === half && (f & 1n) === 1n)) f++;
    if (f >> BigInt(4 * prec) !== 0n) {
      f = 0n;
      lead = 1n;
      exp++;
    }
    frac = prec === 0 ? "" : f.toString(16).padStart(prec, "0");
  } else {
    frac = frac.replace(/0+$/, "");
    if (prec > 13) frac = frac.padEnd(prec, "0");
  }
  let s = `0x${lead}${frac === "" ? "" : "." + frac}p${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  if (upper) s = s.toUpperCase();
  return s;
}

// ---------------------------------------------------------------------------------------------
// Strings

function formatString(s: string, verb: string, f: Flags): string | undefined {
  switch (verb) {
    case "v":
      if (f.sharpV) return pad(quote(s, false), f);
      return pad(truncate(s, f.prec), f);
    case "s":
      return pad(truncate(s, f.prec), f);
    case "q":
      return pad(quoteFlags(truncate(s, f.prec), f), f);
    case "x":
    case "X":
      return pad(hexBytes(s, verb, f), f);
  }
  return undefined;
}

function truncate(s: string, prec: number | undefined): string {
  if (prec === undefined) return s;
  return Array.from(s).slice(0, prec).join("");
}

function quoteFlags(s: string, f: Flags): string {
  if (f.sharp && canBackquote(s)) return "`" + s + "`";
  return quote(s, f.plus);
}

function canBackquote(s: string): boolean {
  for (const c of s) {
    if (c === "`" || c === "\ufffd") return false;
    const cp = c.codePointAt(0)!;
    if ((cp < 0x20 && c !== "\t") || cp === 0x7f) return false;
  }
  return true;
}

/** The hex of the string's UTF-8 bytes; ` ` separates bytes, `#` adds 0x prefixes. */
function hexBytes(s: string, verb: string, f: Flags): string {
  let bytes = [...new TextEncoder().encode(s)];
  if (f.prec !== undefined) bytes = bytes.slice(0, f.prec);
  const prefix = f.sharp ? (verb === "X" ? "0X" : "0x") : "";
  const hex = bytes.map((b) => {
    const h = b.toString(16).padStart(2, "0");
    return verb === "X" ? h.toUpperCase() : h;
  });
  if (f.space) return hex.map((h) => prefix + h).join(" ");
  return hex.length === 0 ? "" : prefix + hex.join("");
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

function isPrint(c: string): boolean {
  return PRINTABLE.test(c);
}

const SHORT_ESCAPES: Record<string, string> = {
  "\x07": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
};

/** strconv.Quote: how OPA's messages print a Rego string (Go's %s of an ast.String). */
export const goQuote = (s: string): string => quote(s, false);

/** strconv.Quote (or QuoteToASCII): a Go double-quoted string literal. */
function quote(s: string, asciiOnly: boolean): string {
  let out = '"';
  for (const c of s) out += escapeRune(c, '"', asciiOnly);
  return out + '"';
}

function escapeRune(c: string, quoteChar: string, asciiOnly: boolean): string {
  if (c === quoteChar || c === "\\") return "\\" + c;
  const cp = c.codePointAt(0)!;
  if (asciiOnly ? cp < 0x80 && isPrint(c) : isPrint(c)) return c;
  const short = SHORT_ESCAPES[c];
  if (short) return short;
  if (cp < 0x20 || cp === 0x7f) return "\\x" + cp.toString(16).padStart(2, "0");
  if (cp < 0x10000) return "\\u" + cp.toString(16).padStart(4, "0");
  return "\\U" + cp.toString(16).padStart(8, "0");
}
