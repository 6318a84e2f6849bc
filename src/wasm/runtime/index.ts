// The runtime's entry point: everything exported here is a runtime export (see
// src/wasm/runtime-api.ts for the contract with the code generator, and OPA's ABI for the rest).
import { opa_abort } from "./host";

export { warden_heap_base, opa_malloc, opa_free, opa_heap_ptr_get, opa_heap_ptr_set } from "./alloc";
export {
  opa_null, opa_boolean, opa_number_int, opa_string, opa_array_with_cap, opa_object, opa_set,
  opa_array_append, opa_object_insert, warden_object_insert_once, opa_set_add, opa_value_get,
  warden_length, warden_iter_key, warden_iter_value, opa_value_type,
} from "./value";
export { opa_number_ref } from "./number";
export { warden_equal, opa_value_compare } from "./compare";
export { opa_value_merge, warden_merge_strict, warden_upsert } from "./documents";
export { opa_json_parse, opa_value_parse } from "./parse";
export { opa_json_dump, opa_value_dump } from "./dump";
export {
  opa_wasm_abi_version, opa_wasm_abi_minor_version, opa_eval_ctx_new, opa_eval_ctx_set_input,
  opa_eval_ctx_set_data, opa_eval_ctx_set_entrypoint, opa_eval_ctx_get_result, eval, opa_eval,
  warden_eval_value, warden_abort, opa_value_add_path, opa_value_remove_path,
} from "./abi";
export { warden_host_call, warden_host_call_begin, warden_host_call_end } from "./hostcall";
export * from "./builtins/index";

const AS_ABORT = memory.data<u8>([
  97, 115, 115, 101, 114, 116, 105, 111, 110, 32, 102, 97, 105, 108, 101, 100, 0, // assertion failed
]);

/** AssemblyScript's own abort (bounds and assertion failures in its library), routed to OPA's. */
function asAbort(message: usize, file: usize, line: u32, column: u32): void {
  opa_abort(AS_ABORT);
  unreachable();
}
