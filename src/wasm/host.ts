// Built-ins served by the host: the shared TypeScript library, adapted to the SDK's calling
// convention (arguments and result as plain JSON).
import { lookupBuiltin } from "../builtins/registry.ts";
import { BuiltinError, type BuiltinContext } from "../builtins/builtin.ts";
import { RegoError } from "../errors.ts";
import { fromJSON, toJSON } from "../values/value.ts";

type HostFunction = (...args: unknown[]) => unknown;

/**
 * Implementations for the SDK's `customBuiltins`, by built-in name. A failing built-in makes
 * the call undefined, or with `strict` throws a RegoError (the SDK lets it propagate).
 */
export function hostBuiltins(names: string[], opts: { strict?: boolean } = {}): Record<string, HostFunction> {
  const out: Record<string, HostFunction> = {};
  for (const name of names) {
    const def = lookupBuiltin(name);
    if (!def) continue;
    out[name] = (...args: unknown[]) => {
      const ctx: BuiltinContext = { nowNs: BigInt(Date.now()) * 1_000_000n, random: Math.random, cache: new Map() };
      try {
        const r = def.impl(args.map(fromJSON), ctx);
        return r === undefined ? undefined : toJSON(r);
      } catch (e) {
        if (!opts.strict) return undefined;
        if (e instanceof BuiltinError) throw new RegoError(e.code, `${name}: ${e.message}`);
        throw new RegoError("eval_builtin_error", `${name}: ${(e as Error).message}`);
      }
    };
  }
  return out;
}
