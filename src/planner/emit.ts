// The planner's emission layer: the string table, the function being planned (its locals, var
// bindings and open blocks), the `with` context, and the helpers that append IR statements.
// The layers above it (unify.ts, with.ts, rule-functions.ts, planner.ts) lower Rego through
// these helpers. See planner.ts for the shape of the output.
import type { Term } from "../syntax/ast.ts";
import type { Block, Func, Local, Operand, Plan, Stmt } from "../ir/ir.ts";
import type { CompiledPolicy } from "../compiler/compile.ts";

/**
 * Conflict messages in both of OPA's wordings, the earlier first ("complete rules must not
 * produce multiple outputs"), then the current one, which names the rule ("rule data.a.p produced
 * conflicting values"): tools and cases written against either release find theirs.
 */
export const conflictComplete = (path: string[]) => `complete rules must not produce multiple outputs: rule ${dataRefText(path)} produced conflicting values`;
export const conflictFunction = (path: string[]) =>
  `functions must not produce multiple outputs for same inputs: function ${dataRefText(path)} produced conflicting values for the same inputs`;

/** `data.a.b["c-d"]`: a rule's path as Rego writes the ref. */
function dataRefText(path: string[]): string {
  return "data" + path.map((k) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`)).join("");
}
export const CONFLICT_OBJECT = "object keys must be unique";

/**
 * What replaces a function inside a `with`: another function or built-in, a constant, or a
 * value computed at the `with` (held in a local, and passed on to specialised functions as an
 * extra parameter after input and data).
 */
export type Mock = { kind: "func"; name: string } | { kind: "value"; term: Term } | { kind: "local"; local: Local };

/** The plan-time context of `with`: which data paths are replaced, which functions mocked. */
export interface Env {
  input: Local;
  data: Local;
  overrides: string[][];
  mocks: Map<string, Mock>;
}

export type Cont = () => void;
export type TermCont = (op: Operand) => void;

/** The function being planned: its locals, its var bindings and the blocks being emitted. */
export class FuncScope {
  nextLocal = 2;
  vars = new Map<string, Local>();
  readonly stack: Block[] = [];
  constructor(readonly top: Block) {
    this.stack.push(top);
  }
  newLocal(): Local {
    return this.nextLocal++;
  }
  get block(): Block {
    return this.stack[this.stack.length - 1]!;
  }
}

export const loc = (local: Local): Operand => ({ kind: "local", local });

export const sortedMocks = (mocks: Map<string, Mock>) => [...mocks].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

export abstract class Emitter {
  protected readonly strings: string[] = [];
  protected readonly stringIndex = new Map<string, number>();
  protected readonly builtins = new Set<string>();
  protected readonly funcs = new Map<string, Func>();
  protected readonly inProgress: string[] = [];
  protected readonly plans: Plan[] = [];
  protected scope!: FuncScope;
  protected env!: Env;

  constructor(protected readonly policy: CompiledPolicy) {}

  // --- emission helpers ---------------------------------------------------------------------

  protected emit(s: Stmt): void {
    this.scope.block.stmts.push(s);
  }
  protected local(): Local {
    return this.scope.newLocal();
  }
  protected str(s: string): Operand {
    return { kind: "string", index: this.strIndex(s) };
  }
  protected strIndex(s: string): number {
    let i = this.stringIndex.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.stringIndex.set(s, i);
    }
    return i;
  }
  /** Emits statements into a new block (appended to `into`, or a fresh BlockStmt). */
  protected inBlock(fill: (b: Block) => void, into?: Block[]): Block {
    const b: Block = { stmts: [] };
    if (into) into.push(b);
    else this.emit({ type: "block", blocks: [b] });
    this.scope.stack.push(b);
    const saved = this.scope.vars;
    this.scope.vars = new Map(saved);
    fill(b);
    this.scope.vars = saved;
    this.scope.stack.pop();
    return b;
  }
  /** A BreakStmt that leaves `target` (an enclosing block) from the current position. */
  protected breakOut(target: Block): void {
    const depth = this.scope.stack.lastIndexOf(target);
    if (depth < 0) throw new Error("planner: break target is not an enclosing block");
    this.emit({ type: "break", index: this.scope.stack.length - 1 - depth });
  }
  /** Makes an operand into a local (statements such as ScanStmt need locals). */
  protected toLocal(op: Operand): Local {
    if (op.kind === "local") return op.local;
    const l = this.local();
    this.emit({ type: "assignvar", source: op, target: l });
    return l;
  }
}
