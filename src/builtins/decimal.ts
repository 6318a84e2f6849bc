// Exact decimal arithmetic for numbers that are not both small integers.
//
// OPA computes with arbitrary-precision numbers, so `0.1 + 0.2` is `0.3` there, not float64's
// 0.30000000000000004, and `2^60 + 1` is exact. Doing the arithmetic on the decimal text of each
// operand and rounding only the final result to a JS number reproduces that.
import { BigNumber, intValue } from "../values/value.ts";
import type { Num } from "./args.ts";

/** The value `m × 10^e`. */
export interface Decimal {
  m: bigint;
  e: number;
}

/** Digits kept for a quotient that does not terminate: more than float64 can tell apart. */
const QUOTIENT_DIGITS = 40;
/** Integers with more trailing zeros than this stay as decimal text rather than expanding. */
const MAX_EXPANDED_EXPONENT = 1000;

export function toDecimal(n: Num): Decimal {
  if (typeof n === "number" && Number.isSafeInteger(n)) return { m: BigInt(n), e: 0 };
  if (n instanceof BigNumber && n.int !== null) return { m: n.int, e: 0 };
  return parseDecimal(typeof n === "number" ? String(n) : n.text);
}

function parseDecimal(text: string): Decimal {
  const d = decimalFromText(text);
  if (d === undefined) throw new Error(`not a decimal: ${text}`);
  return d;
}

/** Reads decimal text, also in the looser forms "1." and ".5"; undefined if malformed. */
export function decimalFromText(text: string): Decimal | undefined {
  const m = /^(-?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/.exec(text);
  if (!m || (m[2] === "" && !m[3])) return undefined;
  const [, sign, whole, frac = "", exp = "0"] = m;
  return { m: BigInt(sign + (whole || "0") + frac), e: Number(exp) - frac.length };
}

export function add(a: Decimal, b: Decimal): Decimal {
  const e = Math.min(a.e, b.e);
  return { m: scale(a, e) + scale(b, e), e };
}

export function sub(a: Decimal, b: Decimal): Decimal {
  return add(a, { m: -b.m, e: b.e });
}

export function mul(a: Decimal, b: Decimal): Decimal {
  return { m: a.m * b.m, e: a.e + b.e };
}

/** `a / b` for non-zero `b`: exact when the quotient terminates, else 40 significant digits. */
export function div(a: Decimal, b: Decimal): Decimal {
  const extra = Math.max(0, QUOTIENT_DIGITS + digits(b.m) - digits(a.m));
  const n = a.m * 10n ** BigInt(extra);
  return { m: n / b.m, e: a.e - b.e - extra };
}

/** The mantissa of `d` rewritten for exponent `e` (which must not exceed `d.e`). */
function scale(d: Decimal, e: number): bigint {
  return d.m * 10n ** BigInt(d.e - e);
}

function digits(m: bigint): number {
  return (m < 0n ? -m : m).toString().length;
}

/** Back to a value: integers stay exact, other results round to the nearest float64. */
export function fromDecimal(d: Decimal): Num {
  let { m, e } = d;
  while (e < 0 && m % 10n === 0n) {
    m /= 10n;
    e++;
  }
  if (m === 0n) return 0;
  if (e >= 0 && e <= MAX_EXPANDED_EXPONENT) return intValue(m * 10n ** BigInt(e));
  const text = decimalText(m, e);
  const f = Number(text);
  // Beyond float64's range OPA still holds the number; keep its text as it would.
  return Number.isFinite(f) && f !== 0 ? fromFloat(f) : new BigNumber(text, null);
}

/** A float result as a value: integers beyond 2^53 become exact BigNumbers, as parsed ones are. */
export function fromFloat(f: number): Num {
  return Number.isInteger(f) && !Number.isSafeInteger(f) ? intValue(BigInt(f)) : f;
}

/** `m × 10^e` as plain decimal text when short, else in exponent form. */
function decimalText(m: bigint, e: number): string {
  const sign = m < 0n ? "-" : "";
  const ds = (m < 0n ? -m : m).toString();
  if (e >= 0 || -e > ds.length + 20) return `${sign}${ds}e${e}`;
  const point = ds.length + e;
  return point > 0 ? `${sign}${ds.slice(0, point)}.${ds.slice(point)}` : `${sign}0.${"0".repeat(-point)}${ds}`;
}
