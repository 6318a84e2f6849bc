// The plan IR: what the planner produces and every backend consumes (the IR interpreter today,
// the WebAssembly code generator next). Plain data, no behaviour; `printer.ts` renders it.
//
// Execution model
// - A function has numbered locals; each holds a value or is undefined. Locals 0 and 1 of every
//   function are `input` and `data`; the others are the declared parameters, then temporaries.
// - A Block is a list of statements run in order. A statement that FAILS (a missing key, an
//   unequal comparison, an undefined call result...) ends the innermost enclosing block, exactly
//   like `BreakStmt { index: 0 }`. Control then continues after that block: for a block inside a
//   BlockStmt, with the next block of that statement; for a ScanStmt's body, with the next element.
// - `BreakStmt { index: n }` leaves n+1 enclosing blocks (scans included: leaving a scan's body
//   block with n >= 1 also stops the scan). This maps one to one onto WebAssembly's `br`.
// - Run-time errors (conflicts, strict built-in errors) abort the whole evaluation.
// - Values are immutable once a Make*/Insert sequence that built them is done; the planner never
//   mutates a value that another local might also see, so backends may share values freely.

import type { Location } from "../syntax/ast.ts";

export type Local = number;

/** A statement operand: a local, a boolean constant, or a string constant (index into strings). */
export type Operand =
  | { kind: "local"; local: Local }
  | { kind: "bool"; value: boolean }
  | { kind: "string"; index: number };

export type Stmt =
  | CallStmt
  | BlockStmt
  | BreakStmt
  | DotStmt
  | LenStmt
  | ScanStmt
  | AssignVarStmt
  | AssignVarOnceStmt
  | ResetLocalStmt
  | MakeNullStmt
  | MakeNumberIntStmt
  | MakeNumberRefStmt
  | MakeArrayStmt
  | MakeObjectStmt
  | MakeSetStmt
  | EqualStmt
  | NotEqualStmt
  | IsArrayStmt
  | IsObjectStmt
  | IsSetStmt
  | IsDefinedStmt
  | IsUndefinedStmt
  | ArrayAppendStmt
  | ObjectInsertStmt
  | ObjectInsertOnceStmt
  | ObjectMergeStmt
  | SetAddStmt
  | UpsertStmt
  | ResultSetAddStmt
  | ReturnLocalStmt;

interface StmtBase {
  /** Source position, for error messages (`file:row: eval_conflict_error: ...`). */
  loc?: Location;
}

/**
 * Calls a planned function (by name in `Policy.funcs`) or a built-in (by its Rego name).
 * Fails if the result is undefined. A built-in error fails the statement, or aborts the
 * evaluation when the evaluation runs with strict built-in errors.
 */
export interface CallStmt extends StmtBase {
  type: "call";
  func: string;
  args: Operand[];
  result: Local;
}
/** Runs each block in order (a failure or `break 0` in one block continues with the next). */
export interface BlockStmt extends StmtBase {
  type: "block";
  blocks: Block[];
}
export interface BreakStmt extends StmtBase {
  type: "break";
  index: number;
}
/** target = source[key]; fails if source is not a collection or has no such key/index/member. */
export interface DotStmt extends StmtBase {
  type: "dot";
  source: Operand;
  key: Operand;
  target: Local;
}
/** target = number of elements of an array, object or set; fails for anything else. */
export interface LenStmt extends StmtBase {
  type: "len";
  source: Operand;
  target: Local;
}
/**
 * For each element of source (array index/value, object key/value, set member/member), in Rego
 * order: assigns key and value, then runs block. Zero iterations if source is not a collection.
 */
export interface ScanStmt extends StmtBase {
  type: "scan";
  source: Local;
  key: Local;
  value: Local;
  block: Block;
}
export interface AssignVarStmt extends StmtBase {
  type: "assignvar";
  source: Operand;
  target: Local;
}
/**
 * target = source if target is undefined; if it holds an equal value, nothing; else a run-time
 * eval_conflict_error with `message` (complete rules and functions must produce one value).
 */
export interface AssignVarOnceStmt extends StmtBase {
  type: "assignvaronce";
  source: Operand;
  target: Local;
  message: string;
}
/** Makes target undefined. */
export interface ResetLocalStmt extends StmtBase {
  type: "resetlocal";
  target: Local;
}
export interface MakeNullStmt extends StmtBase {
  type: "makenull";
  target: Local;
}
export interface MakeNumberIntStmt extends StmtBase {
  type: "makenumberint";
  value: number;
  target: Local;
}
/** A number from its source text (strings[index]): big integers and decimals. */
export interface MakeNumberRefStmt extends StmtBase {
  type: "makenumberref";
  index: number;
  target: Local;
}
export interface MakeArrayStmt extends StmtBase {
  type: "makearray";
  capacity: number;
  target: Local;
}
export interface MakeObjectStmt extends StmtBase {
  type: "makeobject";
  target: Local;
}
export interface MakeSetStmt extends StmtBase {
  type: "makeset";
  target: Local;
}
/** Fails unless a equals b (Rego equality: 1 == 1.0). */
export interface EqualStmt extends StmtBase {
  type: "equal";
  a: Operand;
  b: Operand;
}
export interface NotEqualStmt extends StmtBase {
  type: "notequal";
  a: Operand;
  b: Operand;
}
export interface IsArrayStmt extends StmtBase {
  type: "isarray";
  source: Operand;
}
export interface IsObjectStmt extends StmtBase {
  type: "isobject";
  source: Operand;
}
export interface IsSetStmt extends StmtBase {
  type: "isset";
  source: Operand;
}
export interface IsDefinedStmt extends StmtBase {
  type: "isdefined";
  source: Local;
}
export interface IsUndefinedStmt extends StmtBase {
  type: "isundefined";
  source: Local;
}
/** Appends to an array this function is still building. */
export interface ArrayAppendStmt extends StmtBase {
  type: "arrayappend";
  value: Operand;
  array: Local;
}
/** Sets a key of an object this function is still building (last write wins). */
export interface ObjectInsertStmt extends StmtBase {
  type: "objectinsert";
  key: Operand;
  value: Operand;
  object: Local;
}
/** Like ObjectInsertStmt, but a different value for an existing key is an eval_conflict_error. */
export interface ObjectInsertOnceStmt extends StmtBase {
  type: "objectinsertonce";
  key: Operand;
  value: Operand;
  object: Local;
  message: string;
}
/**
 * target = a merged with b: keys of both, recursively merged where both values are objects.
 * Other keys present on both sides keep a's value, unless `message` is set: then differing
 * values are an eval_conflict_error with that message (rules writing into one object), except
 * two sets, which are united (multi-value rules with ref heads, `p[q] contains r`).
 */
export interface ObjectMergeStmt extends StmtBase {
  type: "objectmerge";
  a: Local;
  b: Local;
  target: Local;
  message?: string;
}
export interface SetAddStmt extends StmtBase {
  type: "setadd";
  value: Operand;
  set: Local;
}
/**
 * target = a copy of source with value placed at path, creating (or replacing non-object)
 * intermediate nodes with objects; an undefined source counts as an empty object, an empty path
 * replaces the whole document. This is how `with input.a.b as v` and `with data.x as v` work.
 */
export interface UpsertStmt extends StmtBase {
  type: "upsert";
  source: Local;
  path: Operand[];
  value: Operand;
  target: Local;
}
/** Adds one result to the plan's result set. */
export interface ResultSetAddStmt extends StmtBase {
  type: "resultsetadd";
  value: Local;
}
/** Ends the function, returning the local (undefined if it is). */
export interface ReturnLocalStmt extends StmtBase {
  type: "returnlocal";
  source: Local;
}

export interface Block {
  stmts: Stmt[];
}

/** A function: a rule set, a virtual document, a user function or a specialisation of one. */
export interface Func {
  name: string;
  /** The rule's path below data, for messages and tracing. */
  path: string[];
  /** Parameters in order; the first two are always input and data. */
  params: Local[];
  /** How many locals the function uses (params included). */
  locals: number;
  /** The local returned when the body falls off its end. */
  result: Local;
  blocks: Block[];
}

/** An entrypoint or a query: its blocks add to the result set. */
export interface Plan {
  name: string;
  locals: number;
  blocks: Block[];
}

export interface Policy {
  /** String constants referenced by operands and MakeNumberRefStmt. */
  strings: string[];
  /** The built-ins the policy calls, by Rego name. */
  builtins: string[];
  funcs: Func[];
  plans: Plan[];
}

/** Locals every plan and function starts with. */
export const INPUT: Local = 0;
export const DATA: Local = 1;
