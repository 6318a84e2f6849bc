// Operand checking shared by every built-in family. Each helper returns the operand in the shape
// the caller needs or throws the error OPA raises for it, worded as OPA words it
// (`operand 1 must be string but got number`), so the families never repeat these checks.
import { BigNumber, ObjectValue, SetValue, isNumber, toBigInt, typeName, type Value } from "../values/value.ts";
import { BuiltinError } from "./builtin.ts";
import { T, type Signature, type Type } from "./types.ts";

export type Num = number | BigNumber;

// ---------------------------------------------------------------------------------------------
// Errors

/** `operand N <detail>`: the prefix of every operand error OPA reports. */
export function operandError(pos: number, detail: string): BuiltinError {
  return new BuiltinError("eval_type_error", `operand ${pos} ${detail}`);
}

/** `operand N must be T but got U`, or `must be one of {T1, T2} but got U` for several types. */
export function typeError(pos: number, got: Value, ...expected: string[]): BuiltinError {
  const want = expected.length === 1 ? expected[0] : `one of {${expected.join(", ")}}`;
  return operandError(pos, `must be ${want} but got ${typeName(got)}`);
}

/** `operand N must be array of strings but got array containing number`. */
export function elementError(pos: number, collection: Value, got: Value, expected: string): BuiltinError {
  const kind = typeName(collection);
  return operandError(pos, `must be ${kind} of ${expected}s but got ${kind} containing ${typeName(got)}`);
}

/** A failure that is not about operand types (`divide by zero`). */
export function builtinError(message: string): BuiltinError {
  return new BuiltinError("eval_builtin_error", message);
}

// ---------------------------------------------------------------------------------------------
// Operands. `i` is the 0-based argument index; messages use OPA's 1-based operand positions.

export function str(args: Value[], i: number): string {
  const v = args[i]!;
  if (typeof v !== "string") throw typeError(i + 1, v, "string");
  return v;
}

export function num(args: Value[], i: number): Num {
  const v = args[i]!;
  if (!isNumber(v)) throw typeError(i + 1, v, "number");
  return v;
}

export function arr(args: Value[], i: number): Value[] {
  const v = args[i]!;
  if (!Array.isArray(v)) throw typeError(i + 1, v, "array");
  return v;
}

export function obj(args: Value[], i: number): ObjectValue {
  const v = args[i]!;
  if (!(v instanceof ObjectValue)) throw typeError(i + 1, v, "object");
  return v;
}

export function set(args: Value[], i: number): SetValue {
  const v = args[i]!;
  if (!(v instanceof SetValue)) throw typeError(i + 1, v, "set");
  return v;
}

/** OPA's IntOperand: a number that is an integer small enough for a machine int. */
export function int(args: Value[], i: number): number {
  const n = toBigInt(num(args, i));
  if (n === null || n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw operandError(i + 1, "must be integer number but got floating-point number");
  }
  return Number(n);
}

/** OPA's BigIntOperand: any integer; a non-number is reported as "must be integer". */
export function bigint(args: Value[], i: number): bigint {
  const v = args[i]!;
  if (!isNumber(v)) throw typeError(i + 1, v, "integer");
  const n = toBigInt(v);
  if (n === null) throw operandError(i + 1, "must be integer number but got floating-point number");
  return n;
}

/** The members of an array or a set operand (`must be one of {set, array}` otherwise). */
export function members(args: Value[], i: number): Value[] {
  const v = args[i]!;
  if (Array.isArray(v)) return v;
  if (v instanceof SetValue) return v.values();
  throw typeError(i + 1, v, "set", "array");
}

/** Like `members`, also checking each member is a string (`array of strings`). */
export function stringMembers(args: Value[], i: number): string[] {
  const ms = members(args, i);
  for (const m of ms) if (typeof m !== "string") throw elementError(i + 1, args[i]!, m, "string");
  return ms as string[];
}

// ---------------------------------------------------------------------------------------------
// Signatures

export const fn = (args: Type[], result: Type): Signature => ({ args, result });

export const ANY_ARRAY = T.arrayOf(T.any);
export const ANY_SET = T.setOf(T.any);
export const ANY_OBJECT = T.objectOf(T.any, T.any);
export const STRING_OBJECT = T.objectOf(T.string, T.any);
