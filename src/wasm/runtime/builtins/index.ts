// Native built-ins, exported as builtin_<name with dots as underscores> (nativeBuiltinExport in
// runtime-api.ts). Arguments and result are values; 0 means undefined, also for operands of the
// wrong type.
export { builtin_equal, builtin_neq, builtin_lt, builtin_lte, builtin_gt, builtin_gte } from "./comparison";
export {
  builtin_plus, builtin_minus, builtin_mul, builtin_div, builtin_rem, builtin_abs, builtin_round, builtin_ceil,
  builtin_floor,
} from "./arithmetic";
export {
  builtin_count, builtin_sum, builtin_product, builtin_max, builtin_min, builtin_sort, builtin_all, builtin_any,
} from "./aggregates";
export { builtin_and, builtin_or, builtin_intersection, builtin_union } from "./sets";
export {
  builtin_is_number, builtin_is_string, builtin_is_boolean, builtin_is_array, builtin_is_set, builtin_is_object,
  builtin_is_null, builtin_type_name,
} from "./types";
export { builtin_internal_member_2, builtin_internal_member_3 } from "./membership";
export {
  builtin_object_get, builtin_object_keys, builtin_object_remove, builtin_object_filter, builtin_object_union,
  builtin_object_union_n,
} from "./objects";
export { builtin_array_concat, builtin_array_slice, builtin_array_reverse } from "./arrays";
export {
  builtin_concat, builtin_contains, builtin_startswith, builtin_endswith, builtin_lower, builtin_upper,
  builtin_indexof, builtin_indexof_n, builtin_substring, builtin_trim, builtin_trim_left, builtin_trim_right,
  builtin_trim_space, builtin_trim_prefix, builtin_trim_suffix, builtin_split, builtin_replace,
  builtin_strings_reverse, builtin_strings_count, builtin_format_int,
} from "./strings";
export { builtin_json_marshal, builtin_json_unmarshal, builtin_json_is_valid } from "./encoding";
export { builtin_to_number } from "./casts";
export { builtin_sprintf } from "./sprintf";
