// An evaluation's result read straight from module memory, in the value layout of
// src/wasm/runtime/value.ts, instead of dumped to JSON text in the module and parsed again here
// (the two cost a fifth of a small decision). It gives exactly what JSON.parse of
// opa_json_dump's text gives, or declines, and the caller dumps and parses as before. It declines
// what JSON text would word in its own way: a number kept as decimal text, a non-finite float,
// a string that is not valid UTF-8 (the dump writes U+FFFD for each bad byte), an object key
// that is not a string or is "__proto__" (JSON.parse makes that an own property), nesting deeper
// than MAX_DEPTH.
import { VALUE_HEADER as V } from "./runtime-api.ts";

const MAX_DEPTH = 256;

/** Strings remembered per module (its constants are as many as its string literals; past this, decoded each time). */
const MAX_CONSTANTS = 4096;

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
  // The memory being read: a Buffer over it, and a DataView made again only when it grew.
  private m: Buffer = Buffer.alloc(0);
  private dv: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private stableEnd = 0;

  /** The value at `v`; `memory` views the module's whole memory. */
  read(memory: Buffer, v: number, stableEnd: number): unknown {
    if (memory.buffer !== this.dv.buffer) this.dv = new DataView(memory.buffer, memory.byteOffset, memory.length);
    this.m = memory;
    this.stableEnd = stableEnd;
    try {
      return this.value(v, 0);
    } catch (e) {
      if (e === DECLINED) return DECLINED;
      throw e;
    }
  }

  private value(v: number, depth: number): unknown {
    if (depth > MAX_DEPTH) throw DECLINED;
    const { m, dv } = this;
    switch (m[v]) {
      case V.null:
        return null;
      case V.boolean:
        return m[v + 1] !== 0;
      case V.number: {
        const kind = m[v + 1];
        // hi * 2^32 is exact and the addition rounds once: the double nearest the i64, as
        // JSON.parse of its digits gives.
        if (kind === V.numberInt) return dv.getInt32(v + 12, true) * 4294967296 + dv.getUint32(v + 8, true);
        if (kind === V.numberFloat) {
          const f = dv.getFloat64(v + 8, true);
          if (!Number.isFinite(f)) throw DECLINED;
          return f === 0 ? 0 : f; // the dump writes -0 as 0
        }
        throw DECLINED;
      }
      case V.string:
        return this.string(v);
      case V.array:
      case V.set: {
        const n = dv.getUint32(v + 4, true);
        const at = dv.getUint32(v + 12, true);
        const out = new Array<unknown>(n);
        for (let i = 0; i < n; i++) out[i] = this.value(dv.getUint32(at + 4 * i, true), depth + 1);
        return out;
      }
      case V.object: {
        const n = dv.getUint32(v + 4, true);
        const at = dv.getUint32(v + 12, true);
        const out: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const k = dv.getUint32(at + 8 * i, true);
          if (m[k] !== V.string) throw DECLINED;
          const key = this.string(k);
          if (key === "__proto__") throw DECLINED;
          out[key] = this.value(dv.getUint32(at + 8 * i + 4, true), depth + 1);
        }
        return out;
      }
      default:
        throw DECLINED;
    }
  }

  private string(v: number): string {
    const stable = v < this.stableEnd;
    if (stable) {
      const known = this.constants.get(v);
      if (known !== undefined) return known;
    }
    const at = this.dv.getUint32(v + 8, true);
    const s = this.m.toString("utf8", at, at + this.dv.getUint32(v + 4, true));
    // The decoder's replacement character: bad UTF-8 (or a U+FFFD the string holds, left to the dump).
    if (s.includes("\uFFFD")) throw DECLINED;
    if (stable && this.constants.size < MAX_CONSTANTS) this.constants.set(v, s);
    return s;
  }
}
