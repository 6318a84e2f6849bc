// units.parse ("10k", "200m", "1.5Gi") and units.parse_bytes ("1KB", "2GiB").
import type { Value } from "../values/value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { builtinError, fn, str } from "./args.ts";
import { decimalFromText, fromDecimal, mul, type Decimal } from "./decimal.ts";
import { T } from "./types.ts";

const MAX_EXPONENT = 10_000;

const power = (base: bigint, n: number): Decimal => ({ m: base ** BigInt(n), e: 0 });

/** Decimal (k, M, G...) and binary (Ki, Mi, Gi...) multipliers by prefix letter. */
function multiplier(prefix: string, binary: boolean): Decimal | undefined {
  const n = "kmgtpe".indexOf(prefix.toLowerCase()) + 1;
  if (n === 0) return undefined;
  return binary ? power(1024n, n) : power(1000n, n);
}

/**
 * Splits "10.5Gi" into "10.5" and "Gi". Quotes are dropped and spaces refused, as OPA does;
 * `what` names the amount in messages ("byte amount" or "amount").
 */
function amountAndUnit(s: string, what: string): [Decimal, string] {
  const text = s.replaceAll('"', "");
  if (text.includes(" ")) throw builtinError("spaces not allowed in resource strings");
  // A sign and scientific notation ("-3.5E2m", "1e3M"); an e not followed by digits is a unit (exa).
  const m = /^-?[0-9.]*(?:[eE]([+-]?[0-9]+))?/.exec(text)!;
  const numeric = m[0];
  const exponent = m[1];
  if (numeric === "" || numeric === "-") throw builtinError(`no ${what} provided`);
  // Bounded: the amount is exact (a big decimal), and 1e10000000 would be ten million digits.
  if (exponent !== undefined && Math.abs(Number(exponent)) > MAX_EXPONENT) throw builtinError("exponent too large");
  const amount = decimalFromText(numeric);
  if (amount === undefined) throw builtinError(`could not parse ${what} to a number`);
  return [amount, text.slice(numeric.length)];
}

function parseBytes(args: Value[]): Value {
  const [amount, rawUnit] = amountAndUnit(str(args, 0), "byte amount");
  const unit = rawUnit.toLowerCase();
  const m = /^([kmgtpe])(i?)b?$/.exec(unit);
  const factor = unit === "" ? power(1n, 0) : m ? multiplier(m[1]!, m[2] === "i") : undefined;
  if (factor === undefined) throw builtinError(`byte unit ${unit} not recognized`);
  // Whole bytes: any fraction left after scaling is dropped.
  const bytes = mul(amount, factor);
  return fromDecimal(bytes.e >= 0 ? bytes : { m: bytes.m / 10n ** BigInt(-bytes.e), e: 0 });
}

function parseUnits(args: Value[]): Value {
  const [amount, rawUnit] = amountAndUnit(str(args, 0), "amount");
  // Only the first letter keeps its case: "m" is milli, "M" mega; "Mi", "mi" and "MI" are all mebi.
  const unit = rawUnit.length > 1 ? rawUnit[0] + rawUnit.slice(1).toLowerCase() : rawUnit;
  let factor: Decimal | undefined;
  if (unit === "") factor = power(1n, 0);
  else if (unit === "m") factor = { m: 1n, e: -3 };
  else if (unit === "M") factor = power(1000n, 2);
  else if (/^[kKgGtTpPeE]$/.test(unit)) factor = multiplier(unit, false);
  else if (/^[kKmMgGtTpPeE]i$/.test(unit)) factor = multiplier(unit[0]!, true);
  if (factor === undefined) throw builtinError(`unit ${unit} not recognized`);
  return fromDecimal(mul(amount, factor));
}

export const UNITS: BuiltinDef[] = [
  { name: "units.parse", signature: fn([T.string], T.number), impl: parseUnits },
  { name: "units.parse_bytes", signature: fn([T.string], T.number), impl: parseBytes },
];
