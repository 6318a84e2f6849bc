// `x in xs` and `k, v in xs`: array elements (by index), set members, object values (by key).
import { valuesEqual } from "../compare";
import {
  arrayGet, collLen, indexOf, objectGet, objectValue, opa_boolean, setHas, typeOf, TYPE_ARRAY, TYPE_OBJECT, TYPE_SET,
} from "../value";

export function builtin_internal_member_2(x: usize, xs: usize): usize {
  const t = typeOf(xs);
  if (t == TYPE_SET) return opa_boolean(setHas(xs, x));
  if (t != TYPE_ARRAY && t != TYPE_OBJECT) return opa_boolean(false);
  const n = collLen(xs);
  for (let i: u32 = 0; i < n; i++) {
    if (valuesEqual(x, t == TYPE_ARRAY ? arrayGet(xs, i) : objectValue(xs, i))) return opa_boolean(true);
  }
  return opa_boolean(false);
}

export function builtin_internal_member_3(k: usize, v: usize, xs: usize): usize {
  let found: usize = 0;
  const t = typeOf(xs);
  if (t == TYPE_OBJECT) found = objectGet(xs, k);
  else if (t == TYPE_ARRAY) {
    const i = indexOf(k);
    found = i >= 0 && <u32>i < collLen(xs) ? arrayGet(xs, <u32>i) : 0;
  } else if (t == TYPE_SET && setHas(xs, k)) found = k;
  return opa_boolean(found != 0 && valuesEqual(found, v));
}
