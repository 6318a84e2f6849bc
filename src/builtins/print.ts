// `internal.print`: what `print(...)` becomes after the compiler's rewrite (src/compiler/print.ts);
// and `internal.template_string`, what a template string becomes, written the same way.
// Its one argument is an array with one set per printed operand; it writes one line per
// combination of their values (an empty set prints `<undefined>`), operands separated by a space,
// strings as they are and other values in Rego's text form, as OPA's print does. The lines go to
// the evaluation's print hook (the test runner collects them per test); without one, to stderr,
// where `opa eval` writes them too. A call always holds: printing never fails an expression.
import { SetValue, toText, type Value } from "../values/value.ts";
import { BuiltinError, checkChars, checkElements, type BuiltinContext, type BuiltinDef } from "./builtin.ts";
import { T } from "./types.ts";

function operandText(v: Value): string {
  return typeof v === "string" ? v : toText(v);
}

function print([operands]: Value[], ctx?: BuiltinContext): Value {
  if (!Array.isArray(operands) || !operands.every((o) => o instanceof SetValue)) throw new BuiltinError("eval_type_error", "operand 1 must be array of sets");
  const choices = (operands as SetValue[]).map((s) => (s.size === 0 ? ["<undefined>"] : s.values().map(operandText)));
  // The lines are the cross product of the operands' values: bounded before any is built.
  checkElements(ctx, choices.reduce((n, c) => n * BigInt(c.length), 1n));
  const lines: string[] = [];
  const walk = (i: number, parts: string[]) => {
    if (i === choices.length) {
      const line = parts.join(" ");
      checkChars(ctx, line.length);
      lines.push(line);
      return;
    }
    for (const c of choices[i]!) walk(i + 1, [...parts, c]);
  };
  walk(0, []);
  const emit = ctx?.print ?? ((line: string) => void process.stderr.write(line + "\n"));
  for (const l of lines) emit(l);
  return true;
}

/**
 * `internal.template_string`: what a template string becomes (src/syntax/parser.ts), an array of
 * its literal texts and, for each expression, the set of its values. The values are written as
 * print writes them; an expression may have one value at most, as in OPA.
 */
function templateString([parts]: Value[], ctx?: BuiltinContext): Value {
  if (!Array.isArray(parts)) throw new BuiltinError("eval_type_error", "operand 1 must be array");
  let out = "";
  for (const part of parts) {
    if (part instanceof SetValue) {
      if (part.size > 1) throw new BuiltinError("eval_builtin_error", "template-strings must not produce multiple outputs");
      out += part.size === 0 ? "<undefined>" : operandText(part.values()[0]!);
    } else {
      out += operandText(part);
    }
    checkChars(ctx, out.length);
  }
  return out;
}

export const PRINT: BuiltinDef[] = [
  { name: "internal.print", signature: { args: [T.arrayOf(T.setOf(T.any))], result: T.boolean }, impl: print },
  { name: "internal.template_string", signature: { args: [T.arrayOf(T.any)], result: T.string }, impl: templateString },
];
