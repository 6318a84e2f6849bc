// Audit record ids: UUIDv7 (RFC 9562), a millisecond timestamp followed by 74 random bits. Ids
// made one after another sort together, so each record adds to the last page of the id index
// instead of a random page (which every durable commit would then write out). They are as
// unguessable as their random bits; the time they carry is in the record beside them anyway.
// Action and approval ids stay random UUIDs: people tell those apart by their first eight
// characters (the inbox, the CLI), which in a UUIDv7 are the same for a minute.
//
// Hand-written because Node 20 has no randomUUIDv7, and the `uuid` package's v7 costs about
// 1.9 µs per id here (a getRandomValues call each), twenty times node:crypto's randomUUID;
// this one draws its random bits from a pooled buffer as randomUUID does.
import { randomFillSync } from "node:crypto";

const pool = Buffer.alloc(4096);
let used = pool.length;
const id = Buffer.alloc(16);

/** A UUIDv7 for `nowMs` (default the current time): `tttttttt-tttt-7rrr-Vrrr-rrrrrrrrrrrr`. */
export function timeOrderedId(nowMs: number = Date.now()): string {
  if (used + 10 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  id.writeUIntBE(Math.max(0, Math.min(Math.floor(nowMs), 2 ** 48 - 1)), 0, 6);
  pool.copy(id, 6, used, used + 10);
  used += 10;
  id[6] = (id[6]! & 0x0f) | 0x70; // version 7
  id[8] = (id[8]! & 0x3f) | 0x80; // variant 10
  const h = id.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
