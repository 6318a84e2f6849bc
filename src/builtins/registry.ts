// Every built-in function, by name: the one table the type checker and all engines read.
import type { BuiltinDef } from "./builtin.ts";
import { AGGREGATES } from "./aggregates.ts";
import { ARRAYS } from "./arrays.ts";
import { AWS } from "./aws.ts";
import { BITS } from "./bits.ts";
import { CASTS } from "./casts.ts";
import { CERTIFICATES } from "./certificates.ts";
import { COMPARISON } from "./comparison.ts";
import { CRYPTO } from "./crypto.ts";
import { ENCODING } from "./encoding.ts";
import { GRAPHS } from "./graph.ts";
import { GRAPHQL } from "./graphql.ts";
import { JWT } from "./jwt.ts";
import { JSON_SCHEMA } from "./jsonschema.ts";
import { METADATA } from "./metadata.ts";
import { MISC } from "./misc.ts";
import { NET } from "./net.ts";
import { NUMBERS } from "./numbers.ts";
import { OBJECTS } from "./objects.ts";
import { PRINT } from "./print.ts";
import { REGEX } from "./regex.ts";
import { REGO_PARSE } from "./regoparse.ts";
import { SEMVER } from "./semver.ts";
import { SETS } from "./sets.ts";
import { STRINGS } from "./strings.ts";
import { TEMPLATE } from "./template.ts";
import { TIME } from "./time.ts";
import { TYPECHECKS } from "./typechecks.ts";
import { UNITS } from "./units.ts";
import { URI } from "./uri.ts";
import { UUID } from "./uuid.ts";

const FAMILIES: BuiltinDef[][] = [
  COMPARISON,
  NUMBERS,
  AGGREGATES,
  ARRAYS,
  SETS,
  OBJECTS,
  STRINGS,
  TEMPLATE,
  TYPECHECKS,
  CASTS,
  ENCODING,
  REGEX,
  TIME,
  CRYPTO,
  CERTIFICATES,
  UNITS,
  SEMVER,
  NET,
  BITS,
  GRAPHS,
  GRAPHQL,
  UUID,
  URI,
  JWT,
  JSON_SCHEMA,
  AWS,
  METADATA,
  REGO_PARSE,
  MISC,
  PRINT,
];

function register(defs: BuiltinDef[]): Map<string, BuiltinDef> {
  const map = new Map<string, BuiltinDef>();
  for (const d of defs) {
    if (map.has(d.name)) throw new Error(`built-in ${d.name} is defined twice`);
    map.set(d.name, d);
  }
  return map;
}

export const BUILTINS: ReadonlyMap<string, BuiltinDef> = register(FAMILIES.flat());

export function lookupBuiltin(name: string): BuiltinDef | undefined {
  return BUILTINS.get(name);
}
