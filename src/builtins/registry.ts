// Every built-in function, by name: the one table the type checker and all engines read.
import type { BuiltinDef } from "./builtin.ts";
import { AGGREGATES } from "./aggregates.ts";
import { ARRAYS } from "./arrays.ts";
import { COMPARISON } from "./comparison.ts";
import { NUMBERS } from "./numbers.ts";
import { OBJECTS } from "./objects.ts";
import { SETS } from "./sets.ts";

const FAMILIES: BuiltinDef[][] = [COMPARISON, NUMBERS, AGGREGATES, ARRAYS, SETS, OBJECTS];

export const BUILTINS: ReadonlyMap<string, BuiltinDef> = new Map(FAMILIES.flat().map((d) => [d.name, d]));

export function lookupBuiltin(name: string): BuiltinDef | undefined {
  return BUILTINS.get(name);
}
