// An evaluation's result read straight from module memory, in the value layout of
// src/wasm/runtime/value.ts, instead of dumped to JSON text in the module and parsed again here
// (the two cost a fifth of a small decision). It gives exactly what JSON.parse of
// opa_json_dump's text gives, or declines, and the caller dumps and parses as before. It declines
// what JSON text would word in its own way: a number kept as decimal text, a non-finite float,
// a string that is not valid UTF-8 (the dump writes U+FFFD for each bad byte), an object key
// that is not a string or is "__proto__" (JSON.parse makes that an own property), nesting deeper
// than MAX_DEPTH.

// The tags of src/wasm/runtime/value.ts.
const TYPE_NULL = 1;
const TYPE_BOOLEAN = 2;
const TYPE_NUMBER = 3;
const TYPE_STRING = 4;
const TYPE_ARRAY = 5;
const TYPE_OBJECT = 6;
const TYPE_SET = 7;
const NUM_INT = 1;
const NUM_FLOAT = 2;

const MAX_DEPTH = 256;

/** What read returns when the caller must take the JSON path. */
export const DECLINED: unique symbol = Symbol("declined");

/**
 * Reads values from one module's memory. Strings whose headers lie below `stableEnd` (the
 * heap's start: the module's constants and what loading left, which nothing writes again)
 * keep their text, so the keys and words a decision repeats are decoded once. (Not the data the
 * host sets: setting it again reuses the same addresses.)
 */
export class ResultReader {
  private readonly constants = new Map<number, string>();

  /** The value at `v` (`memory` and `dv` view the module's whole memory). */
  read(memory: Buffer, dv: DataView, v: number, stableEnd: number): unknown {
    try {
      return this.value(memory, dv, v, stableEnd, 0);
    } catch (e) {
      if (e === DECLINED) return DECLINED;
      throw e;
    }
  }

  private value(m: Buffer, dv: DataView, v: number, stableEnd: number, depth: number): unknown {
    if (depth > MAX_DEPTH) throw DECLINED;
    switch (m[v]) {
      case TYPE_NULL:
        return null;
      case TYPE_BOOLEAN:
        return m[v + 1] !== 0;
      case TYPE_NUMBER: {
        const kind = m[v + 1];
        // hi * 2^32 is exact and the addition rounds once: the double nearest the i64, as
        // JSON.parse of its digits gives.
        if (kind === NUM_INT) return dv.getInt32(v + 12, true) * 4294967296 + dv.getUint32(v + 8, true);
        if (kind === NUM_FLOAT) {
          const f = dv.getFloat64(v + 8, true);
          if (!Number.isFinite(f)) throw DECLINED;
          return f === 0 ? 0 : f; // the dump writes -0 as 0
        }
        throw DECLINED;
      }
      case TYPE_STRING:
        return this.string(m, dv, v, stableEnd);
      case TYPE_ARRAY:
      case TYPE_SET: {
        const n = dv.getUint32(v + 4, true);
        const at = dv.getUint32(v + 12, true);
        const out = new Array<unknown>(n);
        for (let i = 0; i < n; i++) out[i] = this.value(m, dv, dv.getUint32(at + 4 * i, true), stableEnd, depth + 1);
        return out;
      }
      case TYPE_OBJECT: {
        const n = dv.getUint32(v + 4, true);
        const at = dv.getUint32(v + 12, true);
        const out: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const k = dv.getUint32(at + 8 * i, true);
          if (m[k] !== TYPE_STRING) throw DECLINED;
          const key = this.string(m, dv, k, stableEnd);
          if (key === "__proto__") throw DECLINED;
          out[key] = this.value(m, dv, dv.getUint32(at + 8 * i + 4, true), stableEnd, depth + 1);
        }
        return out;
      }
      default:
        throw DECLINED;
    }
  }

  private string(m: Buffer, dv: DataView, v: number, stableEnd: number): string {
    if (v < stableEnd) {
      const known = this.constants.get(v);
      if (known !== undefined) return known;
    }
    const at = dv.getUint32(v + 8, true);
    const s = m.toString("utf8", at, at + dv.getUint32(v + 4, true));
    // The decoder's replacement character: bad UTF-8 (or a U+FFFD the string holds, left to the dump).
    if (s.includes("\uFFFD")) throw DECLINED;
    if (v < stableEnd && this.constants.size < MAX_CONSTANTS) this.constants.set(v, s);
    return s;
  }
}

/** Strings remembered per module (its constants are as many as its string literals; past this, decoded each time). */
const MAX_CONSTANTS = 4096;
