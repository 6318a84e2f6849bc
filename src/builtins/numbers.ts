// Arithmetic: + - * / %, rounding, ranges and rand.intn.
import { BigNumber, SetValue, intValue, isNumber, toBigInt, toFloat, type Value } from "../values/value.ts";
import { checkElements, type BuiltinContext, type BuiltinDef } from "./builtin.ts";
import { ANY_SET, bigint, builtinError, fn, int, num, str, typeError, type Num } from "./args.ts";
import { add, div, fromDecimal, fromFloat, mul, sub, toDecimal } from "./decimal.ts";
import { T } from "./types.ts";

const NUM2 = fn([T.number, T.number], T.number);
const NUM1 = fn([T.number], T.number);

/** Both operands small integers whose exact result JS can hold: the common, fast case. */
function smallInts(a: Num, b: Num): a is number {
  return typeof a === "number" && typeof b === "number" && Number.isSafeInteger(a) && Number.isSafeInteger(b);
}

export function plus(a: Num, b: Num): Num {
  if (smallInts(a, b)) {
    const r = a + (b as number);
    if (Number.isSafeInteger(r)) return r;
  }
  return fromDecimal(add(toDecimal(a), toDecimal(b)));
}

function minusNumbers(a: Num, b: Num): Num {
  if (smallInts(a, b)) {
    const r = a - (b as number);
    if (Number.isSafeInteger(r)) return r;
  }
  return fromDecimal(sub(toDecimal(a), toDecimal(b)));
}

export function times(a: Num, b: Num): Num {
  if (smallInts(a, b)) {
    const r = a * (b as number);
    if (Number.isSafeInteger(r)) return r;
  }
  return fromDecimal(mul(toDecimal(a), toDecimal(b)));
}

function isZero(n: Num): boolean {
  return typeof n === "number" ? n === 0 : n.int === 0n;
}

/** `-` is number subtraction and set difference; OPA reports a mismatch against the first operand. */
function minus([a, b]: Value[]): Value {
  if (isNumber(a!) && isNumber(b!)) return minusNumbers(a, b);
  if (a instanceof SetValue && b instanceof SetValue) {
    return SetValue.of(a.values().filter((x) => !b.has(x)));
  }
  if (!isNumber(a!) && !(a instanceof SetValue)) throw typeError(1, a!, "number", "set");
  throw isNumber(a!) ? typeError(2, b!, "number") : typeError(2, b!, "set");
}

function divide(args: Value[]): Value {
  const a = num(args, 0);
  const b = num(args, 1);
  if (isZero(b)) throw builtinError("divide by zero");
  if (smallInts(a, b) && a % (b as number) === 0) return a / (b as number);
  return fromDecimal(div(toDecimal(a), toDecimal(b)));
}

/** `%` is defined on integers only, with the sign of the dividend (Go's and JS's rule). */
function remainder(args: Value[]): Value {
  const a = toBigInt(num(args, 0));
  const b = toBigInt(num(args, 1));
  if (a === null || b === null) throw builtinError("modulo on floating-point number");
  if (b === 0n) throw builtinError("modulo by zero");
  return intValue(a % b);
}

/** Applies a float function to non-integers; integers (including big ones) are already whole. */
function whole(f: (x: number) => number) {
  return (args: Value[]): Value => {
    const n = num(args, 0);
    if (toBigInt(n) !== null) return n;
    return fromFloat(f(toFloat(n)) + 0); // + 0 turns -0 into 0
  };
}

function abs(args: Value[]): Value {
  const n = num(args, 0);
  if (typeof n === "number") return Math.abs(n);
  return n.int !== null ? intValue(n.int < 0n ? -n.int : n.int) : new BigNumber(n.text.replace(/^-/, ""), null);
}

/** The integers from `a` to `b` inclusive, counting down when `b < a`. */
function range(a: bigint, b: bigint, step: bigint, ctx: BuiltinContext): Value[] {
  checkElements(ctx, (a <= b ? b - a : a - b) / step + 1n);
  const out: Value[] = [];
  if (a <= b) for (let i = a; i <= b; i += step) out.push(intValue(i));
  else for (let i = a; i >= b; i -= step) out.push(intValue(i));
  return out;
}

function rangeStep(args: Value[], ctx: BuiltinContext): Value {
  const step = bigint(args, 2);
  // OPA 1.x's wording (topdown/numbers.go); earlier releases said "a positive number above zero".
  if (step <= 0n) throw builtinError("step must be a positive integer");
  return range(bigint(args, 0), bigint(args, 1), step, ctx);
}

/** A random integer in [0, |n|), the same for the same arguments throughout one evaluation. */
const randIntn: BuiltinDef["impl"] = (args, ctx) => {
  const seed = str(args, 0);
  const n = Math.abs(int(args, 1));
  if (n === 0) return 0;
  const key = `rand.intn:${JSON.stringify([seed, n])}`;
  let result = ctx.cache.get(key);
  if (result === undefined) {
    result = Math.floor(ctx.random() * n);
    ctx.cache.set(key, result);
  }
  return result;
};

const binary =
  (f: (a: Num, b: Num) => Num) =>
  (args: Value[]): Value =>
    f(num(args, 0), num(args, 1));

const NUM_OR_SET = T.union(T.number, ANY_SET);

export const NUMBERS: BuiltinDef[] = [
  { name: "plus", infix: "+", signature: NUM2, impl: binary(plus) },
  { name: "minus", infix: "-", signature: fn([NUM_OR_SET, NUM_OR_SET], NUM_OR_SET), impl: minus },
  { name: "mul", infix: "*", signature: NUM2, impl: binary(times) },
  { name: "div", infix: "/", signature: NUM2, impl: divide },
  { name: "rem", infix: "%", signature: NUM2, impl: remainder },
  { name: "abs", signature: NUM1, impl: abs },
  { name: "round", signature: NUM1, impl: whole((x) => Math.sign(x) * Math.round(Math.abs(x))) },
  { name: "ceil", signature: NUM1, impl: whole(Math.ceil) },
  { name: "floor", signature: NUM1, impl: whole(Math.floor) },
  {
    name: "numbers.range",
    signature: fn([T.number, T.number], T.arrayOf(T.number)),
    impl: (args, ctx) => range(bigint(args, 0), bigint(args, 1), 1n, ctx),
  },
  {
    name: "numbers.range_step",
    signature: fn([T.number, T.number, T.number], T.arrayOf(T.number)),
    impl: rangeStep,
  },
  { name: "rand.intn", signature: fn([T.string, T.number], T.number), impl: randIntn, nondeterministic: true },
];
