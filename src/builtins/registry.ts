// TEMPORARY (lead's scaffold for testing; the built-ins engineer replaces this file).
import type { BuiltinDef } from "./builtin.ts";
import { AGGREGATES } from "./aggregates.ts";
import { ARRAYS } from "./arrays.ts";
import { COMPARISON } from "./comparison.ts";
import { NUMBERS } from "./numbers.ts";
import { OBJECTS } from "./objects.ts";
import { SETS } from "./sets.ts";
export const BUILTINS: ReadonlyMap<string, BuiltinDef> = new Map([...AGGREGATES, ...ARRAYS, ...COMPARISON, ...NUMBERS, ...OBJECTS, ...SETS].map((d) => [d.name, d]));
export function lookupBuiltin(name: string): BuiltinDef | undefined { return BUILTINS.get(name); }
