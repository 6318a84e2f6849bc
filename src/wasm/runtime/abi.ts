// OPA's Wasm ABI (version 1.3): evaluation contexts, the one-call opa_eval, data paths.
import { opa_heap_ptr_set, opa_malloc } from "./alloc";
import { dispatch, opa_abort } from "./host";
import { opa_json_dump, opa_value_dump } from "./dump";
import { opa_json_parse } from "./parse";
import {
  arrayGet, collLen, objectGet, objectRemove, opa_object, opa_object_insert, opa_set, typeOf,
  TYPE_ARRAY, TYPE_OBJECT,
} from "./value";

export const opa_wasm_abi_version: i32 = 1;
export const opa_wasm_abi_minor_version: i32 = 3;

// Error codes of opa_value_add_path / opa_value_remove_path.
const ERR_OK: i32 = 0;
const ERR_INVALID_TYPE: i32 = 2;
const ERR_INVALID_PATH: i32 = 3;

// ---------------------------------------------------------------------------------------------
// Evaluation context: input u32 at 0, data at 4, entrypoint at 8, result at 12.

export function opa_eval_ctx_new(): usize {
  const ctx = opa_malloc(16);
  memory.fill(ctx, 0, 16);
  return ctx;
}

export function opa_eval_ctx_set_input(ctx: usize, v: usize): void {
  store<u32>(ctx, v, 0);
}

export function opa_eval_ctx_set_data(ctx: usize, v: usize): void {
  store<u32>(ctx, v, 4);
}

export function opa_eval_ctx_set_entrypoint(ctx: usize, id: i32): void {
  store<i32>(ctx, id, 8);
}

export function opa_eval_ctx_get_result(ctx: usize): usize {
  return load<u32>(ctx, 12);
}

export function eval(ctx: usize): i32 {
  store<u32>(ctx, resultSet(load<i32>(ctx, 8), load<u32>(ctx, 0), load<u32>(ctx, 4)), 12);
  return 0;
}

/** The entrypoint's result set; an empty set if the generated code returned none. */
function resultSet(entrypoint: i32, input: usize, data: usize): usize {
  const rs = dispatch(entrypoint, input, data);
  return rs ? rs : opa_set();
}

const BAD_INPUT = memory.data<u8>([
  105, 110, 118, 97, 108, 105, 100, 32, 105, 110, 112, 117, 116, 32, 74, 83, 79, 78, 0, // invalid input JSON
]);

/**
 * ABI 1.2's single call: the input JSON text is already in memory just below heap_ptr, so the
 * heap restarts there; returns the result set as NUL-terminated JSON (format 0) or Rego value
 * text (format 1).
 */
export function opa_eval(
  reserved: i32, entrypoint: i32, data: usize, inputPtr: usize, inputLen: u32, heapPtr: usize, format: i32,
): usize {
  const rs = warden_eval_value(entrypoint, data, inputPtr, inputLen, heapPtr);
  return format == 1 ? opa_value_dump(rs) : opa_json_dump(rs);
}

/**
 * opa_eval without the dump: the result set itself (a pointer to its value), for a host that
 * reads values from memory (the Evaluator's driver, src/wasm/result-reader.ts) and calls
 * opa_json_dump on it only for what it does not read itself.
 */
export function warden_eval_value(entrypoint: i32, data: usize, inputPtr: usize, inputLen: u32, heapPtr: usize): usize {
  opa_heap_ptr_set(heapPtr);
  let input: usize = 0;
  if (inputLen) {
    input = opa_json_parse(inputPtr, inputLen);
    if (!input) opa_abort(BAD_INPUT);
  }
  return resultSet(entrypoint, input, data);
}

export function warden_abort(msg: usize): void {
  opa_abort(msg);
}

// ---------------------------------------------------------------------------------------------
// Data paths (the host's incremental data updates). These modify `base` in place.

/** The object at `path[0..n-1]` under `base`, creating missing objects when `create`. */
function walk(base: usize, path: usize, n: u32, create: bool): usize {
  let node = base;
  for (let i: u32 = 0; i < n; i++) {
    const key = arrayGet(path, i);
    let child = objectGet(node, key);
    if (!child) {
      if (!create) return 0;
      child = opa_object();
      opa_object_insert(node, key, child);
    }
    if (typeOf(child) != TYPE_OBJECT) return 0;
    node = child;
  }
  return node;
}

export function opa_value_add_path(base: usize, path: usize, value: usize): i32 {
  if (typeOf(path) != TYPE_ARRAY || collLen(path) == 0) return ERR_INVALID_PATH;
  if (typeOf(base) != TYPE_OBJECT) return ERR_INVALID_TYPE;
  const n = collLen(path);
  const parent = walk(base, path, n - 1, true);
  if (!parent) return ERR_INVALID_TYPE;
  opa_object_insert(parent, arrayGet(path, n - 1), value);
  return ERR_OK;
}

export function opa_value_remove_path(base: usize, path: usize): i32 {
  if (typeOf(path) != TYPE_ARRAY || collLen(path) == 0) return ERR_INVALID_PATH;
  if (typeOf(base) != TYPE_OBJECT) return ERR_INVALID_TYPE;
  const n = collLen(path);
  const parent = walk(base, path, n - 1, false);
  if (parent) objectRemove(parent, arrayGet(path, n - 1));
  return ERR_OK;
}
