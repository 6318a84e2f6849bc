// net.cidr_*: IPv4 and IPv6 addresses and networks, read and printed as Go's net package does.
import { ObjectValue, SetValue, type Value } from "../values/value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { builtinError, elementError, fn, members, str, typeError } from "./args.ts";
import { T } from "./types.ts";

/** An address as a number of `bits` (32 or 128) bits. */
interface IP {
  value: bigint;
  bits: 32 | 128;
}

interface Net {
  /** The first address (the given address with host bits cleared). */
  base: IP;
  prefix: number;
}

// ---------------------------------------------------------------------------------------------
// Reading

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split(".");
  // Go rejects leading zeros, which other parsers read as octal.
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) < 256)) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
}

function parseIPv6(s: string): bigint | undefined {
  let groups: string[];
  let tail: bigint | undefined;
  // A trailing dotted IPv4 part stands for the last two groups.
  const v4 = /^(.*:)([0-9.]+)$/.exec(s);
  let text = s;
  if (v4 && v4[2]!.includes(".")) {
    tail = parseIPv4(v4[2]!);
    if (tail === undefined) return undefined;
    text = v4[1]!.endsWith("::") ? v4[1]! : v4[1]!.slice(0, -1);
  }
  const want = tail === undefined ? 8 : 6;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const split = (h: string) => (h === "" ? [] : h.split(":"));
  if (halves.length === 2) {
    const [head, rest] = [split(halves[0]!), split(halves[1]!)];
    if (head.length + rest.length >= want) return undefined;
    groups = [...head, ...Array<string>(want - head.length - rest.length).fill("0"), ...rest];
  } else {
    groups = split(text);
    if (groups.length !== want) return undefined;
  }
  if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  let value = groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
  if (tail !== undefined) value = (value << 32n) | tail;
  return value;
}

const V4_MAPPED = 0xffffn << 32n;

/** An address; IPv4-mapped IPv6 addresses count as IPv4, as Go's To4 makes them. */
export function parseIP(s: string): IP | undefined {
  const v4 = parseIPv4(s);
  if (v4 !== undefined) return { value: v4, bits: 32 };
  if (!s.includes(":")) return undefined;
  const v6 = parseIPv6(s);
  if (v6 === undefined) return undefined;
  if (v6 >> 32n === 0xffffn) return { value: v6 - V4_MAPPED, bits: 32 };
  return { value: v6, bits: 128 };
}

function parseCIDR(s: string): Net | undefined {
  const slash = s.indexOf("/");
  if (slash < 0) return undefined;
  const ip = parseIP(s.slice(0, slash));
  const prefixText = s.slice(slash + 1);
  if (ip === undefined || !/^[0-9]{1,3}$/.test(prefixText)) return undefined;
  // A prefix on a mapped IPv4 address counts in IPv6 bits.
  const mapped = ip.bits === 32 && s.slice(0, slash).includes(":");
  const prefix = Number(prefixText) - (mapped ? 96 : 0);
  if (prefix < 0 || prefix > ip.bits) return undefined;
  return { base: { value: ip.value & mask(prefix, ip.bits), bits: ip.bits }, prefix };
}

const mask = (prefix: number, bits: number): bigint =>
  ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);

function last(n: Net): bigint {
  return n.base.value | ((1n << BigInt(n.base.bits - n.prefix)) - 1n);
}

function contains(n: Net, ip: IP): boolean {
  return n.base.bits === ip.bits && (ip.value & mask(n.prefix, ip.bits)) === n.base.value;
}

function cidrOperand(args: Value[], i: number): Net {
  const s = str(args, i);
  const n = parseCIDR(s);
  if (n === undefined) throw builtinError(`invalid CIDR address: ${s}`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Printing

function formatIP(ip: IP): string {
  if (ip.bits === 32) return [24n, 16n, 8n, 0n].map((s) => (ip.value >> s) & 0xffn).join(".");
  const groups = [...Array(8).keys()].map((i) => Number((ip.value >> BigInt(112 - 16 * i)) & 0xffffn));
  // The longest run of two or more zero groups (the first, on ties) becomes "::".
  let [bestStart, bestLen] = [-1, 1];
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(":");
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

const formatNet = (n: Net) => `${formatIP(n.base)}/${n.prefix}`;

/** An address literal as Go's net.IPAddr prints it (a zone only on IPv6), or undefined. */
function addressLiteral(host: string): string | undefined {
  const pct = host.indexOf("%");
  const [addr, zone] = pct < 0 ? [host, ""] : [host.slice(0, pct), host.slice(pct)];
  if (zone === "%" || (zone !== "" && !addr.includes(":"))) return undefined;
  const ip = parseIP(addr);
  return ip === undefined ? undefined : formatIP(ip) + zone;
}

// ---------------------------------------------------------------------------------------------

function cidrContains(args: Value[]): Value {
  const n = cidrOperand(args, 0);
  const s = str(args, 1);
  const ip = parseIP(s);
  if (ip !== undefined) return contains(n, ip);
  const inner = parseCIDR(s);
  if (inner === undefined) throw builtinError(`not a valid textual representation of an IP address or CIDR: ${s}`);
  return contains(n, inner.base) && contains(n, { value: last(inner), bits: inner.base.bits });
}

/**
 * The (CIDR, key) pairs of a cidr_contains_matches operand: a string is its own key; an array's
 * elements are keyed by index, an object's by key, a set's by themselves; an element is a CIDR
 * string or a non-empty array whose first element is one (`["10.0.0.0/8", "extra"]`). Pairs come
 * one at a time, as OPA walks them, so a bad element fails only once the walk reaches it.
 */
function* cidrEntries(v: Value, pos: number): Generator<[Value, Value]> {
  if (typeof v === "string") {
    yield [v, v];
    return;
  }
  if (!Array.isArray(v) && !(v instanceof ObjectValue) && !(v instanceof SetValue)) throw typeError(pos + 1, v, "string", "array", "object", "set");
  const elements: [Value, Value][] = Array.isArray(v)
    ? v.map((x, i) => [x, i])
    : v instanceof ObjectValue
      ? v.entries().map(([k, x]) => [x, k])
      : v.values().map((x) => [x, x]);
  for (const [x, k] of elements) yield [cidrOfElement(x, pos), k];
}

/** The CIDR an element names; an array's first element is checked as a CIDR later, by cidr_contains. */
function cidrOfElement(x: Value, pos: number): Value {
  if (typeof x === "string") return x;
  if (Array.isArray(x) && x.length > 0) return x[0]!;
  throw builtinError(`operand ${pos + 1}: element must be string or non-empty array`);
}

/**
 * Every [key1, key2] whose CIDR of the first operand contains the CIDR or address of the second.
 * The second operand is walked afresh for each pair of the first, as OPA does (an empty first
 * operand leaves the second unread).
 */
function cidrContainsMatches(args: Value[]): Value {
  const out = new SetValue();
  for (const [cidr, k1] of cidrEntries(args[0]!, 0)) {
    for (const [other, k2] of cidrEntries(args[1]!, 1)) if (cidrContains([cidr, other]) === true) out.add([k1, k2]);
  }
  return out;
}

function cidrIntersects(args: Value[]): Value {
  const a = cidrOperand(args, 0);
  const b = cidrOperand(args, 1);
  return contains(a, b.base) || contains(b, a.base);
}

/** Expanding more addresses than this would exhaust memory. */
const MAX_EXPANSION = 1n << 20n;

function cidrExpand(args: Value[]): Value {
  const n = cidrOperand(args, 0);
  const size = 1n << BigInt(n.base.bits - n.prefix);
  if (size > MAX_EXPANSION) throw builtinError(`CIDR ${str(args, 0)} has too many addresses to expand`);
  const out = new SetValue();
  for (let v = n.base.value; v <= last(n); v++) out.add(formatIP({ value: v, bits: n.base.bits }));
  return out;
}

/** The fewest networks covering exactly the given addresses and networks, per address family. */
/**
 * net.cidr_merge as OPA: a bare IPv4 address stands for its classful network (class A /8, B /16,
 * C /24), written unmasked (`192.168.1.5/24`) when it merges with nothing; a bare IPv6 address is
 * an error. Overlapping and adjacent ranges merge into the fewest aligned networks.
 */
function cidrMerge(args: Value[]): Value {
  const ranges: Record<32 | 128, Range[]> = { 32: [], 128: [] };
  for (const a of members(args, 0)) {
    if (typeof a !== "string") throw elementError(1, args[0]!, a, "string");
    const ip = parseIP(a);
    let range: Range;
    let bits: 32 | 128 = 32;
    if (ip !== undefined) {
      if (ip.bits === 128) throw builtinError("IPv6 invalid: needs prefix length");
      const prefix = classfulPrefix(ip.value);
      const start = ip.value & mask(prefix, 32);
      range = { start, end: last({ base: { value: start, bits: 32 }, prefix }), text: `${formatIP(ip)}/${prefix}` };
    } else {
      const n = parseCIDR(a);
      if (n === undefined) throw builtinError(`invalid CIDR address: ${a}`);
      range = { start: n.base.value, end: last(n), text: formatNet(n) };
      bits = n.base.bits as 32 | 128;
    }
    ranges[bits].push(range);
  }
  const out = new SetValue();
  for (const bits of [32, 128] as const) {
    for (const r of mergeRanges(ranges[bits])) {
      if (r.text !== undefined) out.add(r.text);
      else for (const n of rangeToNets(r.start, r.end, bits)) out.add(formatNet(n));
    }
  }
  return out;
}

/** An address range; `text` is the network it came from while it has merged with no other. */
interface Range {
  start: bigint;
  end: bigint;
  text?: string;
}

/** Go's IP.DefaultMask: the classful prefix of an IPv4 address (32 for classes D and E). */
function classfulPrefix(v: bigint): number {
  const first = Number(v >> 24n);
  return first < 0x80 ? 8 : first < 0xc0 ? 16 : first < 0xe0 ? 24 : 32;
}

function mergeRanges(rs: Range[]): Range[] {
  const sorted = [...rs].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.end < b.end ? -1 : a.end > b.end ? 1 : 0));
  const out: Range[] = [];
  for (const r of sorted) {
    const prev = out[out.length - 1];
    if (prev && r.start <= prev.end + 1n) {
      out[out.length - 1] = { start: prev.start, end: r.end > prev.end ? r.end : prev.end };
    } else out.push({ ...r });
  }
  return out;
}

/** Splits [start, end] into the largest aligned blocks. */
function rangeToNets(start: bigint, end: bigint, bits: 32 | 128): Net[] {
  const nets: Net[] = [];
  while (start <= end) {
    let size = bits;
    while (size > 0) {
      const block = 1n << BigInt(bits - size + 1);
      if (start % block !== 0n || start + block - 1n > end) break;
      size--;
    }
    nets.push({ base: { value: start, bits }, prefix: size });
    start += 1n << BigInt(bits - size);
  }
  return nets;
}

/** A CIDR or address, or a collection of them (each possibly an array led by one). */
const CIDR_ITEM = T.union(T.string, T.arrayOf(T.any));
const CIDR_COLLECTION = T.union(T.string, T.arrayOf(CIDR_ITEM), T.objectOf(T.string, CIDR_ITEM), T.setOf(CIDR_ITEM));

export const NET: BuiltinDef[] = [
  { name: "net.cidr_contains", signature: fn([T.string, T.string], T.boolean), impl: cidrContains },
  // Deprecated (v0 modules only): OPA registers it with net.cidr_contains's implementation.
  { name: "net.cidr_overlap", signature: fn([T.string, T.string], T.boolean), impl: cidrContains, deprecated: true },
  { name: "net.cidr_intersects", signature: fn([T.string, T.string], T.boolean), impl: cidrIntersects },
  { name: "net.cidr_contains_matches", signature: fn([CIDR_COLLECTION, CIDR_COLLECTION], T.setOf(T.tuple(T.any, T.any))), impl: cidrContainsMatches },
  {
    name: "net.cidr_is_valid",
    signature: fn([T.string], T.boolean), // OPA's declaration; a non-string answers false
    impl: ([s]) => typeof s === "string" && parseCIDR(s) !== undefined,
  },
  { name: "net.cidr_expand", signature: fn([T.string], T.setOf(T.string)), impl: cidrExpand },
  {
    name: "net.cidr_merge",
    signature: fn([T.union(T.arrayOf(T.union(T.string)), T.setOf(T.string))], T.setOf(T.string)), // OPA's declaration, any<string> included
    impl: cidrMerge,
  },
  {
    name: "net.lookup_ip_addr",
    signature: fn([T.string], T.setOf(T.string)),
    // Lookups are deliberately disabled, as OPA's Wasm target leaves them: evaluation is
    // synchronous and replayable, so no DNS query is made. An address literal needs none: Go's
    // resolver answers it with the address itself, as OPA does.
    impl: (args) => {
      const literal = addressLiteral(str(args, 0));
      if (literal !== undefined) return SetValue.of([literal]);
      throw builtinError("network access is not available to policies (DNS lookups are disabled)");
    },
    nondeterministic: true,
  },
];
