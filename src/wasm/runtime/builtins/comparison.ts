// Comparison operators: any two values compare, by Rego's total order across types.
import { compareValues, valuesEqual } from "../compare";
import { opa_boolean } from "../value";

export function builtin_equal(a: usize, b: usize): usize {
  return opa_boolean(valuesEqual(a, b));
}

export function builtin_neq(a: usize, b: usize): usize {
  return opa_boolean(!valuesEqual(a, b));
}

export function builtin_lt(a: usize, b: usize): usize {
  return opa_boolean(compareValues(a, b) < 0);
}

export function builtin_lte(a: usize, b: usize): usize {
  return opa_boolean(compareValues(a, b) <= 0);
}

export function builtin_gt(a: usize, b: usize): usize {
  return opa_boolean(compareValues(a, b) > 0);
}

export function builtin_gte(a: usize, b: usize): usize {
  return opa_boolean(compareValues(a, b) >= 0);
}
