// Type tests: is_number, is_string, ... and type_name.
import { opa_boolean, opa_string, typeOf, TYPE_ARRAY, TYPE_BOOLEAN, TYPE_NULL, TYPE_NUMBER, TYPE_OBJECT, TYPE_SET, TYPE_STRING } from "../value";

export function builtin_is_number(x: usize): usize {
  return opa_boolean(typeOf(x) == TYPE_NUMBER);
}

export function builtin_is_string(x: usize): usize {
  return opa_boolean(typeOf(x) == TYPE_STRING);
}

export function builtin_is_boolean(x: usize): usize {
  return opa_boolean(typeOf(x) == TYPE_BOOLEAN);
}

export function builtin_is_array(x: usize): usize {
  return opa_boolean(typeOf(x) == TYPE_ARRAY);
}

export function builtin_is_set(x: usize): usize {
  return opa_boolean(typeOf(x) == TYPE_SET);
}

export function builtin_is_object(x: usize): usize {
  return opa_boolean(typeOf(x) == TYPE_OBJECT);
}

export function builtin_is_null(x: usize): usize {
  return opa_boolean(typeOf(x) == TYPE_NULL);
}

// The type names, NUL-separated, indexed by tag (offset, length) in TYPE_NAME_AT.
const TYPE_NAMES = memory.data<u8>([
  110, 117, 108, 108, // null
  98, 111, 111, 108, 101, 97, 110, // boolean
  110, 117, 109, 98, 101, 114, // number
  115, 116, 114, 105, 110, 103, // string
  97, 114, 114, 97, 121, // array
  111, 98, 106, 101, 99, 116, // object
  115, 101, 116, // set
]);
const TYPE_NAME_AT = memory.data<u8>([0, 0, 0, 4, 4, 7, 11, 6, 17, 6, 23, 5, 28, 6, 34, 3]);

export function builtin_type_name(x: usize): usize {
  const t = <usize>typeOf(x);
  return opa_string(TYPE_NAMES + load<u8>(TYPE_NAME_AT + t * 2), load<u8>(TYPE_NAME_AT + t * 2 + 1));
}
