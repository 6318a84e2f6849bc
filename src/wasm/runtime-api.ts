// The contract between the WebAssembly runtime (src/wasm/runtime/, AssemblyScript) and the code
// generator (src/wasm/codegen.ts). The runtime exports these functions by these names; the
// generator calls them from the code it emits, then keeps only the ABI's exports public.
//
// Values live in linear memory; a value is an i32 pointer and 0 means undefined. Values are
// immutable once built, except by the *append/insert/add* functions on a value the generated
// code has just made. Objects and sets iterate in Rego order (null < booleans < numbers <
// strings < arrays < objects < sets, each ordered as OPA orders them).

/** Signature kinds, for binaryen: every parameter and result is an i32 unless listed here. */
export interface RuntimeFunction {
  name: string;
  params: ("i32" | "i64" | "f64")[];
  result: "i32" | "none";
}

const fn = (name: string, params: RuntimeFunction["params"], result: RuntimeFunction["result"] = "i32"): RuntimeFunction => ({
  name,
  params,
  result,
});

/**
 * The 16-byte value headers of src/wasm/runtime/value.ts, as the host side knows them: generated
 * code lays out string and integer constants in its static data (an address rather than an
 * allocation on every use: values are immutable, and static data lies below the heap the
 * evaluations reset), and the driver reads results (result-reader.ts).
 */
export const VALUE_HEADER = {
  size: 16,
  null: 1,
  /** boolean: tag at 0, 0 or 1 at 1. */
  boolean: 2,
  /** number: tag at 0, kind at 1 (1: an i64 at 8; 2: an f64 at 8; 3: decimal text). */
  number: 3,
  numberInt: 1,
  numberFloat: 2,
  /** string: tag at 0, byte length (u32) at 4, pointer to the UTF-8 bytes (u32) at 8. */
  string: 4,
  /** array, object, set: tag at 0, length (u32) at 4, pointer to the slots (u32) at 12. */
  array: 5,
  /** object slots: (key, value) pointer pairs, sorted by key. */
  object: 6,
  set: 7,
} as const;

/** Runtime functions the generated code calls (all exported by the runtime under these names). */
export const RT = {
  // values
  null: fn("opa_null", []),
  boolean: fn("opa_boolean", ["i32"]),
  numberInt: fn("opa_number_int", ["i64"]),
  /** A number from its decimal text (pointer, length): big integers and decimals. */
  numberRef: fn("opa_number_ref", ["i32", "i32"]),
  /** A string value over UTF-8 bytes at (pointer, length); the bytes are not copied. */
  string: fn("opa_string", ["i32", "i32"]),
  arrayWithCap: fn("opa_array_with_cap", ["i32"]),
  object: fn("opa_object", []),
  set: fn("opa_set", []),
  arrayAppend: fn("opa_array_append", ["i32", "i32"], "none"),
  /** Inserts or replaces a key (last write wins). */
  objectInsert: fn("opa_object_insert", ["i32", "i32", "i32"], "none"),
  /** Inserts a key; returns 0 if the key holds a different value already (a conflict), else 1. */
  objectInsertOnce: fn("warden_object_insert_once", ["i32", "i32", "i32"]),
  setAdd: fn("opa_set_add", ["i32", "i32"], "none"),

  // access
  /** DotStmt: object key, array index (an integer number), set member; 0 if none. */
  get: fn("opa_value_get", ["i32", "i32"]),
  /** Number of elements of an array, object or set; -1 for anything else. */
  length: fn("warden_length", ["i32"]),
  /** The i-th key / value in Rego iteration order (array: index and element; set: member twice). */
  iterKey: fn("warden_iter_key", ["i32", "i32"]),
  iterValue: fn("warden_iter_value", ["i32", "i32"]),
  /** OPA's type tags: 1 null, 2 boolean, 3 number, 4 string, 5 array, 6 object, 7 set. */
  type: fn("opa_value_type", ["i32"]),
  /** Rego equality (1 == 1.0); both operands defined. */
  equal: fn("warden_equal", ["i32", "i32"]),
  /** Rego ordering: negative, 0 or positive. */
  compare: fn("opa_value_compare", ["i32", "i32"]),

  // documents
  /** ObjectMergeStmt without conflicts: recursive, a's value wins on a clash; 0 if not objects. */
  merge: fn("opa_value_merge", ["i32", "i32"]),
  /** ObjectMergeStmt with conflicts: as merge, sets united; returns 0 on a conflict. */
  mergeStrict: fn("warden_merge_strict", ["i32", "i32"]),
  /** UpsertStmt: a copy of doc (0 = empty object) with value at path (an array value). */
  upsert: fn("warden_upsert", ["i32", "i32", "i32"]),

  // host built-ins (see runtime/hostcall.ts)
  /** Records a host call: call site, argument count, four argument pointers (0 when unused). */
  hostCallBegin: fn("warden_host_call_begin", ["i32", "i32", "i32", "i32", "i32", "i32"], "none"),
  /** The host's result: the value it stored in the call record, else the one it returned. */
  hostCallEnd: fn("warden_host_call_end", ["i32"]),

  // errors and results
  /** Aborts evaluation with a message (a NUL-terminated string in memory) via opa_abort. */
  abort: fn("warden_abort", ["i32"], "none"),
} as const;

/**
 * Native built-ins: the runtime exports `builtin_<name with dots as underscores>` taking the
 * built-in's arguments as values and returning a value, or 0 when undefined (including on a
 * type error: the WebAssembly engine is not strict). A built-in without such an export is
 * served by the host through `opa_builtin<N>`.
 */
export const nativeBuiltinExport = (name: string) => `builtin_${name.replace(/\./g, "_")}`;

/**
 * The runtime imports this function from module "warden"; the generator replaces the import
 * with its own definition. It evaluates entrypoint `id` with input and data (value pointers,
 * input 0 when undefined) and returns the result set (a set of `{"result": …}` objects).
 */
export const DISPATCH = { module: "warden", base: "dispatch", params: 3 } as const;

/**
 * The one export beyond OPA's ABI: the address of the host call record (runtime/hostcall.ts),
 * through which Warden's host reads a host built-in's arguments as Rego values and its call site.
 */
export const HOST_CALL_EXPORT = "warden_host_call";

/** Prefix of host built-in names that only Warden's host serves (GenerateOptions.prefixHostNames). */
export const HOST_NAME_PREFIX = "warden:";

/** ABI version this backend implements. */
export const ABI_VERSION = 1;
export const ABI_MINOR_VERSION = 3;

/**
 * The exported mutable i32 global holding the step budget of each evaluation (see Budget in
 * src/errors.ts): every loop iteration and function call of the generated code takes one step.
 */
export const STEP_LIMIT_EXPORT = "warden_step_limit";

/**
 * The export that evaluates as opa_eval does but returns the result set's value pointer instead
 * of its JSON (entrypoint, data, input pointer, input length, heap pointer -> value).
 */
export const EVAL_VALUE_EXPORT = "warden_eval_value";

/** The abort message (after the code) when the step budget is spent. */
export const STEPS_EXCEEDED_MESSAGE = "step limit reached";
