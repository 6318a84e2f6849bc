// Calls built-ins directly, with plain JS data for arguments and Rego text for results.
import { BuiltinError, type BuiltinContext } from "../../src/builtins/builtin.ts";
import { lookupBuiltin } from "../../src/builtins/registry.ts";
import { BigNumber, ObjectValue, SetValue, fromJSON, parseNumber, toText, type Value } from "../../src/values/value.ts";

/** Arguments: sets, objects and BigNumbers pass through; other JS data converts as JSON. */
export type Arg = unknown;

const toValue = (a: Arg): Value =>
  a instanceof SetValue || a instanceof ObjectValue || a instanceof BigNumber ? a : fromJSON(a);

/** A set of the given members. */
export const set = (...xs: Arg[]): SetValue => SetValue.of(xs.map(toValue));
/** An object with any keys. */
export const obj = (...entries: [Arg, Arg][]): ObjectValue => ObjectValue.fromEntries(entries.map(([k, v]) => [toValue(k), toValue(v)]));
/** A number written as Rego source writes it (big integers, 2e308). */
export const n = (text: string): Value => parseNumber(text)!;

export function context(over: Partial<BuiltinContext> = {}): BuiltinContext {
  let seed = 42;
  return {
    nowNs: 1_700_000_000_123_456_789n,
    // A small deterministic generator, so "random" results are reproducible.
    random: () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31),
    cache: new Map(),
    ...over,
  };
}

export function call(name: string, args: Arg[], ctx = context()): Value | undefined {
  const def = lookupBuiltin(name);
  if (!def) throw new Error(`no built-in ${name}`);
  return def.impl(args.map(toValue), ctx);
}

/** The result in Rego's text form (`{1, 2}`, `"a"`), or "undefined". */
export function text(name: string, ...args: Arg[]): string {
  const v = call(name, args);
  return v === undefined ? "undefined" : toText(v);
}

/** The error a call fails with, as `code: message`. */
export function failure(name: string, ...args: Arg[]): string {
  try {
    call(name, args);
  } catch (e) {
    if (e instanceof BuiltinError) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error(`${name} did not fail`);
}
