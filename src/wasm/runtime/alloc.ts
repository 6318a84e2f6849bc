// The heap: a bump allocator over the imported linear memory.
//
// Every evaluation starts from a heap pointer the host saved (the SDK calls opa_heap_ptr_set or
// passes heap_ptr to opa_eval), so freeing individual blocks would buy nothing: whatever one
// evaluation allocates is discarded wholesale by the next reset.
import { opa_abort } from "./host";

/**
 * First free byte after all static data. The build script sets its initial value from the
 * module's data segments, and the code generator moves it past the segments it adds, so it is
 * the one place that knows where the heap begins. (A mutable global so that it stays exported.)
 */
export let warden_heap_base: usize = 0;

let heapPtr: usize = 0;

const OUT_OF_MEMORY = memory.data<u8>([111, 117, 116, 32, 111, 102, 32, 109, 101, 109, 111, 114, 121, 0]);

@inline function current(): usize {
  // Lazily, because a global initialised from another global would need a start function.
  if (heapPtr == 0) heapPtr = warden_heap_base;
  return heapPtr;
}

export function opa_malloc(size: usize): usize {
  const ptr = (current() + 7) & ~(<usize>7);
  const end = ptr + size;
  const limit = (<usize>memory.size()) << 16;
  if (end > limit) {
    const pages = <i32>((end - limit + 0xffff) >> 16);
    if (memory.grow(pages) < 0) opa_abort(OUT_OF_MEMORY);
  }
  heapPtr = end;
  return ptr;
}

/** Blocks are reclaimed only by resetting the heap pointer (see above). */
export function opa_free(ptr: usize): void {}

export function opa_heap_ptr_get(): usize {
  return current();
}

export function opa_heap_ptr_set(ptr: usize): void {
  heapPtr = ptr;
}

/** A copy of `len` bytes at `src` in fresh memory. */
export function copyBytes(src: usize, len: usize): usize {
  const dst = opa_malloc(len);
  memory.copy(dst, src, len);
  return dst;
}
