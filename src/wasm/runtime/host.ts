// Imports from the host. opa_abort is part of OPA's ABI; dispatch is a placeholder that the code
// generator replaces with the policy's entrypoint switch.

/** Ends evaluation with the NUL-terminated message at `addr` (the SDK throws it). */
@external("env", "opa_abort")
export declare function opa_abort(addr: usize): void;

/** Evaluates entrypoint `id`; returns the result set (see DISPATCH in runtime-api.ts). */
@external("warden", "dispatch")
export declare function dispatch(entrypoint: i32, input: usize, data: usize): usize;
