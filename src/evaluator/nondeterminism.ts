// What makes a decision non-deterministic, fixed per evaluation and recorded with it: the clock
// that time.now_ns reads and the seed of the randomness behind rand.intn and uuid.rfc4122.
// An auditor's replay feeds the recorded values back, so the replayed decision is exact.
import { randomFillSync } from "node:crypto";
import type { BuiltinContext } from "../builtins/builtin.ts";

export interface Recorded {
  /** time.now_ns for the whole evaluation (decimal string: nanoseconds exceed 2^53). */
  now_ns: string;
  /** Seed of the evaluation's pseudo-random generator (hex, 32 bits). */
  seed: string;
}

export function freshRecord(now?: Date): Recorded {
  const ms = now ? now.getTime() : Date.now();
  return { now_ns: ms > 0 ? `${ms}000000` : (BigInt(ms) * 1_000_000n).toString(), seed: freshSeed() };
}

// Seeds come from a pool of CSPRNG bytes refilled 4 KiB at a time: one randomBytes(4) call per
// decision cost more than the rest of the evaluator's bookkeeping together.
const pool = new Uint8Array(4096);
let used = pool.length;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** 32 random bits as 8 hex digits (what randomBytes(4).toString("hex") gives). */
function freshSeed(): string {
  if (used + 4 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const seed = HEX[pool[used]!]! + HEX[pool[used + 1]!]! + HEX[pool[used + 2]!]! + HEX[pool[used + 3]!]!;
  used += 4;
  return seed;
}

/** The built-in context an evaluation runs with; one per evaluation, shared by its calls. */
export function contextOf(r: Recorded): BuiltinContext {
  return { nowNs: BigInt(r.now_ns), random: mulberry32(Number.parseInt(r.seed, 16) >>> 0), cache: new Map() };
}

/** A small, well-distributed 32-bit PRNG: the same seed gives the same sequence on every machine. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
