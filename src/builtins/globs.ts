// regex.globs_match: whether two glob-style patterns match a common string. Only `.`, `*`, `+`,
// `[`, `-`, `]` and `\` are special (OPA's documented set; the rest match themselves). Each pattern
// becomes a sequence of character sets, each once or repeated (`*`); a search over pairs of
// positions in both sequences finds whether both can reach their ends on one string.
import { builtinError } from "./args.ts";

/** Inclusive code point ranges; `.` is the whole range. */
type CharSet = [number, number][];

interface Token {
  set: CharSet;
  star: boolean;
}

const ANY: CharSet = [[0, 0x10ffff]];

/** The patterns this long are refused, so the pair search (positions × positions) stays bounded. */
const MAX_TOKENS = 2_000;

function parseClass(chars: string[], start: number, pattern: string): [CharSet, number] {
  const set: CharSet = [];
  let i = start;
  const next = (): number => {
    let c = chars[i++];
    if (c === "\\") c = chars[i++];
    if (c === undefined) throw builtinError(`invalid glob pattern ${JSON.stringify(pattern)}: unterminated [`);
    return c.codePointAt(0)!;
  };
  while (chars[i] !== "]") {
    if (i >= chars.length) throw builtinError(`invalid glob pattern ${JSON.stringify(pattern)}: unterminated [`);
    const lo = next();
    let hi = lo;
    if (chars[i] === "-" && chars[i + 1] !== "]" && i + 1 < chars.length) {
      i++;
      hi = next();
    }
    if (hi < lo) throw builtinError(`invalid glob pattern ${JSON.stringify(pattern)}: bad range`);
    set.push([lo, hi]);
  }
  if (set.length === 0) throw builtinError(`invalid glob pattern ${JSON.stringify(pattern)}: empty []`);
  return [set, i + 1];
}

export function parseGlob(pattern: string): Token[] {
  const chars = Array.from(pattern);
  const out: Token[] = [];
  for (let i = 0; i < chars.length; ) {
    const c = chars[i]!;
    let set: CharSet;
    if (c === "*" || c === "+") throw builtinError(`invalid glob pattern ${JSON.stringify(pattern)}: ${c} follows nothing`);
    if (c === ".") {
      set = ANY;
      i++;
    } else if (c === "[") {
      [set, i] = parseClass(chars, i + 1, pattern);
    } else if (c === "\\") {
      const e = chars[i + 1];
      if (e === undefined) throw builtinError(`invalid glob pattern ${JSON.stringify(pattern)}: trailing \\`);
      set = [[e.codePointAt(0)!, e.codePointAt(0)!]];
      i += 2;
    } else {
      set = [[c.codePointAt(0)!, c.codePointAt(0)!]];
      i++;
    }
    const q = chars[i];
    if (q === "+") out.push({ set, star: false }, { set, star: true }); // X+ is X X*
    else if (q === "*") out.push({ set, star: true });
    else out.push({ set, star: false });
    if (q === "+" || q === "*") i++;
    if (out.length > MAX_TOKENS) throw builtinError(`glob pattern longer than ${MAX_TOKENS} elements`);
  }
  return out;
}

const overlap = (a: CharSet, b: CharSet): boolean => a.some(([l1, h1]) => b.some(([l2, h2]) => l1 <= h2 && l2 <= h1));

/** True when some string matches both patterns in full. */
export function globsIntersect(p: string, q: string): boolean {
  const a = parseGlob(p);
  const b = parseGlob(q);
  const width = b.length + 1;
  const seen = new Uint8Array((a.length + 1) * width);
  const stack: number[] = [0];
  seen[0] = 1;
  const visit = (i: number, j: number): void => {
    const k = i * width + j;
    if (!seen[k]) {
      seen[k] = 1;
      stack.push(k);
    }
  };
  while (stack.length > 0) {
    const k = stack.pop()!;
    const i = Math.floor(k / width);
    const j = k % width;
    if (i === a.length && j === b.length) return true;
    const ta = a[i];
    const tb = b[j];
    // A repeated set may match nothing: skip it on either side.
    if (ta?.star) visit(i + 1, j);
    if (tb?.star) visit(i, j + 1);
    // Or both consume one character from their sets' intersection.
    if (ta && tb && overlap(ta.set, tb.set)) visit(ta.star ? i : i + 1, tb.star ? j : j + 1);
  }
  return false;
}
