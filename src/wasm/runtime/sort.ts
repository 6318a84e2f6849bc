// Sorting collections built in bulk (JSON objects arrive in any key order): a stable merge sort
// over slots whose first pointer is the sort key, then removal of duplicate keys.
import { opa_malloc } from "./alloc";
import { compareValues } from "./compare";

/** Whether the slots are already strictly increasing (the common case for OPA-produced JSON). */
function isSorted(data: usize, n: u32, slot: u32): bool {
  for (let i: u32 = 1; i < n; i++) {
    if (compareValues(load<u32>(data + (i - 1) * slot), load<u32>(data + i * slot)) >= 0) return false;
  }
  return true;
}

/** Stable merge sort of `n` slots of `slot` bytes (4 or 8) by their first pointer, using `tmp`
 * (as many bytes as the slots) as scratch. */
export function sortSlots(data: usize, n: u32, slot: u32, tmp: usize): void {
  let src = data;
  let dst = tmp;
  for (let width: u32 = 1; width < n; width *= 2) {
    for (let lo: u32 = 0; lo < n; lo += 2 * width) {
      const mid = min(lo + width, n);
      const hi = min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        // `<=` keeps equal keys in their original order (stability)
        if (compareValues(load<u32>(src + i * slot), load<u32>(src + j * slot)) <= 0) {
          memory.copy(dst + k * slot, src + i * slot, slot);
          i++;
        } else {
          memory.copy(dst + k * slot, src + j * slot, slot);
          j++;
        }
        k++;
      }
      memory.copy(dst + k * slot, src + i * slot, (mid - i) * slot);
      k += mid - i;
      memory.copy(dst + k * slot, src + j * slot, (hi - j) * slot);
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src != data) memory.copy(data, src, n * slot);
}

/** Stable insertion sort of `n` slots of `slot` bytes (4 or 8) by their first pointer: for the
 * few members of most objects, where the merge sort's copies cost more than its comparisons save. */
function insertionSort(data: usize, n: u32, slot: u32): void {
  for (let i: u32 = 1; i < n; i++) {
    const at = data + i * slot;
    const key = load<u32>(at);
    const rest = slot == 8 ? load<u32>(at, 4) : 0;
    let j = i;
    // `>` keeps equal keys in their original order (stability)
    while (j > 0 && compareValues(load<u32>(data + (j - 1) * slot), key) > 0) {
      const to = data + j * slot;
      const from = to - slot;
      store<u32>(to, load<u32>(from));
      if (slot == 8) store<u32>(to, load<u32>(from, 4), 4);
      j--;
    }
    const to = data + j * slot;
    store<u32>(to, key);
    if (slot == 8) store<u32>(to, rest, 4);
  }
}

const INSERTION_SORT_MAX: u32 = 16;

/** Sorts `n` slots and drops duplicate keys, keeping the last written of each (JSON's and
 * Rego's "last key wins"). Returns the new count. */
export function sortUnique(data: usize, n: u32, slot: u32): u32 {
  if (n < 2 || isSorted(data, n, slot)) return n;
  if (n <= INSERTION_SORT_MAX) insertionSort(data, n, slot);
  else sortSlots(data, n, slot, opa_malloc(n * slot));
  let out: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    if (i + 1 < n && compareValues(load<u32>(data + i * slot), load<u32>(data + (i + 1) * slot)) == 0) continue;
    if (out != i) memory.copy(data + out * slot, data + i * slot, slot);
    out++;
  }
  return out;
}
