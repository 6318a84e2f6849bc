// print(): rewritten before compiling, as OPA's compiler rewrites it, into a call of the built-in
// `internal.print` with one set per argument: `print("x", x)` becomes
// `internal.print([{__print_0 | __print_0 = "x"}, {__print_1 | __print_1 = x}])`. An argument
// that is undefined is then an empty set (printed as `<undefined>`) instead of making the
// expression fail, and one that iterates gives every value. Both engines then treat it as any
// other built-in call (the Wasm module calls it on the host).
import { internalCall, valuesOf, type Location, type Module, type Term } from "../syntax/ast.ts";
import { refName } from "./terms.ts";

export const PRINT_BUILTIN = "internal.print";

/** Copies of the modules with every `print(...)` call rewritten; modules without one are returned as they are. */
export function rewritePrint(modules: Module[]): Module[] {
  let fresh = 0;
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) {
      let changed = false;
      const out = node.map((x) => {
        const y = rewrite(x);
        if (y !== x) changed = true;
        return y;
      });
      return changed ? out : node;
    }
    if (node === null || typeof node !== "object") return node;
    const o = node as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(o)) {
      if (k === "loc") continue;
      const w = rewrite(v);
      if (w !== v) (copy ??= { ...o })[k] = w;
    }
    const cur = copy ?? o;
    if (cur.type === "call" && refName((cur as unknown as Extract<Term, { type: "call" }>).operator) === "print") {
      const call = cur as unknown as Extract<Term, { type: "call" }>;
      return printCall(call.args, call.loc, () => `__print_${fresh++}`);
    }
    return cur;
  };
  return modules.map((m) => rewrite(m) as Module);
}

function printCall(args: Term[], loc: Location, name: () => string): Term {
  return internalCall("print", args.map((a) => valuesOf(a, name())), loc);
}
