// The host call record: what a host that knows Warden's modules reads when the module calls a
// built-in through opa_builtin<N>, beyond the plain JSON the stock SDK hands its custom built-ins.
//
// OPA's ABI passes a host built-in its arguments as value pointers, but the stock SDK dumps them
// with opa_json_dump (sets become arrays) and drops the context argument (the call site). So the
// generated code also writes the call here before calling out: the call site id and the argument
// pointers. Warden's host reads them (warden_host_call gives the record's address), dumps each
// argument with opa_value_dump (sets stay sets), and may hand back its result as a value it built
// with opa_value_parse, stored in the record. A host that ignores the record (the stock SDK with
// plain JSON built-ins) still works: the module then takes the JSON result the SDK returned.
//
// Layout (u32 each): 0 call site, 4 argument count, 8..24 arguments 1-4, 24 result (0 = none).

const RECORD = memory.data(28);

/** The record's address (the only runtime export that is not OPA's: see above). */
export function warden_host_call(): usize {
  return RECORD;
}

/** Fills the record before a host call (unused argument slots are 0). */
export function warden_host_call_begin(site: i32, argc: i32, a: usize, b: usize, c: usize, d: usize): void {
  store<i32>(RECORD, site, 0);
  store<i32>(RECORD, argc, 4);
  store<u32>(RECORD, a, 8);
  store<u32>(RECORD, b, 12);
  store<u32>(RECORD, c, 16);
  store<u32>(RECORD, d, 20);
  store<u32>(RECORD, 0, 24);
}

/** After a host call: the result the host stored in the record, else the one it returned. */
export function warden_host_call_end(returned: usize): usize {
  const stored = load<u32>(RECORD, 24);
  store<u32>(RECORD, 0, 24);
  return stored ? stored : returned;
}
