// uuid.rfc4122 (random, fixed per evaluation and argument) and uuid.parse.
import { ObjectValue, intValue, type Value } from "../values/value.ts";
import type { BuiltinDef, BuiltinImpl } from "./builtin.ts";
import { fn, str } from "./args.ts";
import { T } from "./types.ts";

const hex = (bytes: number[]) => bytes.map((b) => b.toString(16).padStart(2, "0")).join("");

/** A version 4 UUID from the evaluation's random source; the same key gives the same UUID. */
const rfc4122: BuiltinImpl = (args, ctx) => {
  const key = `uuid.rfc4122:${str(args, 0)}`;
  let id = ctx.cache.get(key);
  if (id === undefined) {
    const b = Array.from({ length: 16 }, () => Math.floor(ctx.random() * 256));
    b[6] = (b[6]! & 0x0f) | 0x40; // version 4
    b[8] = (b[8]! & 0x3f) | 0x80; // RFC 4122 variant
    const h = hex(b);
    id = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    ctx.cache.set(key, id);
  }
  return id;
};

/** The 16 bytes of a UUID in any of the forms Go's google/uuid accepts. */
function uuidBytes(s: string): number[] | undefined {
  let text = s;
  if (text.length === 45 && text.slice(0, 9).toLowerCase() === "urn:uuid:") text = text.slice(9);
  else if (text.length === 38 && text[0] === "{" && text[37] === "}") text = text.slice(1, 37);
  if (text.length === 36) {
    if (![8, 13, 18, 23].every((i) => text[i] === "-")) return undefined;
    text = text.replaceAll("-", "");
  }
  if (!/^[0-9a-fA-F]{32}$/.test(text)) return undefined;
  return Array.from({ length: 16 }, (_, i) => parseInt(text.slice(2 * i, 2 * i + 2), 16));
}

function variant(b: number): string {
  if ((b & 0xc0) === 0x80) return "RFC4122";
  if ((b & 0xe0) === 0xc0) return "Microsoft";
  if ((b & 0xe0) === 0xe0) return "Future";
  return "Reserved";
}

/** 100ns intervals from the Gregorian reform (1582-10-15) to the Unix epoch. */
const GREGORIAN_TO_UNIX = 122192928000000000n;
const DOMAINS = ["Person", "Group", "Org"];

/** The fields of a UUID; time-based versions (1 and 2) also show their time, clock and node. */
function parse(args: Value[]): Value | undefined {
  const b = uuidBytes(str(args, 0));
  if (b === undefined) return undefined;
  const version = b[6]! >> 4;
  const out = new ObjectValue().set("version", version).set("variant", variant(b[8]!));
  if ((version === 1 || version === 2) && variant(b[8]!) === "RFC4122") {
    const word = (i: number, n: number) => BigInt("0x" + hex(b.slice(i, i + n)));
    // Version 2 keeps the local id where time_low was; Go's uuid.Time reads those bytes as time all the same.
    const ticks = ((word(6, 2) & 0xfffn) << 48n) | (word(4, 2) << 32n) | word(0, 4);
    out.set("time", intValue((ticks - GREGORIAN_TO_UNIX) * 100n));
    out.set("clocksequence", Number(word(8, 2) & 0x3fffn));
    out.set("nodeid", b.slice(10).map((x) => x.toString(16).padStart(2, "0")).join("-"));
    const local = (b[10]! & 0x02) !== 0 ? "local" : "global";
    const multicast = (b[10]! & 0x01) !== 0 ? "multicast" : "unicast";
    out.set("macvariables", `${local}:${multicast}`);
    if (version === 2) {
      out.set("domain", DOMAINS[b[9]!] ?? `Domain${b[9]}`);
      out.set("id", Number(word(0, 4)));
    }
  }
  return out;
}

export const UUID: BuiltinDef[] = [
  { name: "uuid.rfc4122", signature: fn([T.string], T.string), impl: rfc4122, nondeterministic: true },
  { name: "uuid.parse", signature: fn([T.string], T.objectOf(T.string, T.any)), impl: parse },
];
