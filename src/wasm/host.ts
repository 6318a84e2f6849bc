// Built-ins served by the host: the shared TypeScript library, adapted to the SDK's calling
// convention (arguments and result as plain JSON).
import { lookupBuiltin } from "../builtins/registry.ts";
import type { BuiltinContext } from "../builtins/builtin.ts";
import { fromJSON, toJSON } from "../values/value.ts";

type HostFunction = (...args: unknown[]) => unknown;

/** Implementations for the SDK's `customBuiltins`, by built-in name. */
export function hostBuiltins(names: string[]): Record<string, HostFunction> {
  const out: Record<string, HostFunction> = {};
  for (const name of names) {
    const def = lookupBuiltin(name);
    if (!def) continue;
    out[name] = (...args: unknown[]) => {
      const ctx: BuiltinContext = { nowNs: BigInt(Date.now()) * 1_000_000n, random: Math.random, cache: new Map() };
      try {
        const r = def.impl(args.map(fromJSON), ctx);
        return r === undefined ? undefined : toJSON(r);
      } catch {
        return undefined; // a built-in error makes the call undefined (the engine is not strict)
      }
    };
  }
  return out;
}
