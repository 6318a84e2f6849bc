// time.*: instants are int64 nanoseconds since the Unix epoch; calendars are proleptic Gregorian;
// layouts are Go's reference-time layouts ("2006-01-02T15:04:05Z07:00"), parsed and printed as
// Go's time package does, error messages included.
import { intValue, isNumber, toBigInt, type Value } from "../values/value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { builtinError, fn, int, str, typeError } from "./args.ts";
import { T } from "./types.ts";

const NS = 1_000_000_000n;
const SECONDS_PER_DAY = 86400;
const MIN_NS = -(1n << 63n);
const MAX_NS = (1n << 63n) - 1n;

// ---------------------------------------------------------------------------------------------
// Calendar arithmetic (days since 1970-01-01; Howard Hinnant's civil-date algorithms)

function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [era * 400 + yoe + (m <= 2 ? 1 : 0), m, d];
}

const isLeap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);

function daysIn(month: number, year: number): number {
  return month === 2 ? (isLeap(year) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

// ---------------------------------------------------------------------------------------------
// Zones

interface Zone {
  /** UTC offset in seconds at an instant (seconds since the epoch). */
  offset(unixSeconds: number): number;
  /** The zone's abbreviation at an instant ("CET", "EST"), for the MST layout element. */
  abbr(unixSeconds: number): string;
}

function fixedZone(offset: number, abbr: string): Zone {
  return { offset: () => offset, abbr: () => abbr };
}

const UTC = fixedZone(0, "UTC");

const zones = new Map<string, Zone>();

/** "" and "UTC" are UTC, "Local" the process's zone, anything else an IANA zone name. */
function loadZone(name: string): Zone {
  if (name === "" || name === "UTC") return UTC;
  const iana = name === "Local" ? new Intl.DateTimeFormat().resolvedOptions().timeZone : name;
  let zone = zones.get(iana);
  if (zone === undefined) {
    try {
      zone = intlZone(iana);
    } catch {
      throw builtinError(`unknown time zone ${name}`);
    }
    zones.set(iana, zone);
  }
  return zone;
}

/** Locales whose short zone names, between them, cover most of tzdata's abbreviations. */
const ABBREVIATION_LOCALES = ["en-US", "en-GB", "en-AU", "en-IN"];

/** A zone read off Intl: the offset is the wall clock's distance from UTC. */
function intlZone(timeZone: string): Zone {
  const clock = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    era: "short",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  const names = ABBREVIATION_LOCALES.map((l) => new Intl.DateTimeFormat(l, { timeZone, timeZoneName: "short" }));
  const offset = (unixSeconds: number) => {
    const parts: Record<string, string> = {};
    for (const p of clock.formatToParts(new Date(unixSeconds * 1000))) parts[p.type] = p.value;
    const year = parts.era === "BC" ? 1 - Number(parts.year) : Number(parts.year);
    const wall =
      daysFromCivil(year, Number(parts.month), Number(parts.day)) * SECONDS_PER_DAY +
      Number(parts.hour) * 3600 +
      Number(parts.minute) * 60 +
      Number(parts.second);
    return wall - unixSeconds;
  };
  const abbr = (unixSeconds: number) => {
    for (const f of names) {
      const name = f.formatToParts(new Date(unixSeconds * 1000)).find((p) => p.type === "timeZoneName")?.value;
      if (name && !/^GMT[+-]/.test(name)) return name;
    }
    return numericAbbr(offset(unixSeconds));
  };
  return { offset, abbr };
}

/** tzdata's name for zones without a letter abbreviation: "+03", "+0530". */
function numericAbbr(offset: number): string {
  const sign = offset < 0 ? "-" : "+";
  const m = Math.floor(Math.abs(offset) / 60);
  return sign + pad2(Math.floor(m / 60)) + (m % 60 === 0 ? "" : pad2(m % 60));
}

// ---------------------------------------------------------------------------------------------
// Instants and wall clocks

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  min: number;
  sec: number;
  nsec: number;
  offset: number;
  /** The zone's abbreviation, computed on demand. */
  abbr: () => string;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function toWall(ns: bigint, zone: Zone): Wall {
  const unix = floorDiv(ns, NS);
  const nsec = Number(ns - unix * NS);
  const offset = zone.offset(Number(unix));
  const local = Number(unix) + offset;
  const days = Math.floor(local / SECONDS_PER_DAY);
  const secOfDay = local - days * SECONDS_PER_DAY;
  const [year, month, day] = civilFromDays(days);
  return {
    year,
    month,
    day,
    hour: Math.floor(secOfDay / 3600),
    min: Math.floor(secOfDay / 60) % 60,
    sec: secOfDay % 60,
    nsec,
    offset,
    abbr: () => zone.abbr(Number(unix)),
  };
}

/**
 * The instant of a wall-clock reading in a zone, normalising out-of-range fields as Go's
 * time.Date does (month 13 is January of the next year, day 0 the last of the previous month).
 */
function fromWall(w: Omit<Wall, "offset" | "abbr">, zone: Zone): bigint {
  const m0 = w.month - 1;
  const year = w.year + Math.floor(m0 / 12);
  const month = (((m0 % 12) + 12) % 12) + 1;
  const local = BigInt(daysFromCivil(year, month, 1) + w.day - 1) * 86400n + BigInt(w.hour * 3600 + w.min * 60 + w.sec);
  // Near a transition the offset at the naive instant may be the wrong one; look again.
  const guess = zone.offset(Number(local));
  let offset = zone.offset(Number(local) - guess);
  if (offset !== guess) offset = zone.offset(Number(local) - offset);
  return (local - BigInt(offset)) * NS + BigInt(w.nsec);
}

function checkRange(ns: bigint): bigint {
  if (ns < MIN_NS || ns > MAX_NS) throw builtinError("time outside of valid range");
  return ns;
}

const nsValue = (ns: bigint): Value => intValue(checkRange(ns));

/** The nanoseconds of a number operand; fractions are rejected as OPA does. */
function nanos(v: Value, pos: number): bigint {
  if (!isNumber(v)) throw typeError(pos, v, "number");
  const i = toBigInt(v);
  if (i === null || i < MIN_NS || i > MAX_NS) throw builtinError("timestamp too big");
  return i;
}

const TIME_OPERAND = "either number (ns) or [number (ns), string (tz)]";

/** The layout names time.format and time.parse_ns accept (Go's constants OPA exposes; others are layouts). */
const LAYOUTS: Record<string, string> = {
  ANSIC: "Mon Jan _2 15:04:05 2006",
  UnixDate: "Mon Jan _2 15:04:05 MST 2006",
  RubyDate: "Mon Jan 02 15:04:05 -0700 2006",
  RFC822: "02 Jan 06 15:04 MST",
  RFC822Z: "02 Jan 06 15:04 -0700",
  RFC850: "Monday, 02-Jan-06 15:04:05 MST",
  RFC1123: "Mon, 02 Jan 2006 15:04:05 MST",
  RFC1123Z: "Mon, 02 Jan 2006 15:04:05 -0700",
  RFC3339: "2006-01-02T15:04:05Z07:00",
  RFC3339Nano: "2006-01-02T15:04:05.999999999Z07:00",
};

/** A time operand: ns, or [ns], [ns, zone] or [ns, zone, layout]. */
function timeOperand(v: Value, pos: number): { ns: bigint; zone: Zone; layout: string } {
  if (isNumber(v)) return { ns: nanos(v, pos), zone: UTC, layout: LAYOUTS.RFC3339Nano! };
  if (!Array.isArray(v) || v.length === 0) throw typeError(pos, v, TIME_OPERAND);
  const ns = nanos(v[0]!, pos);
  const text = (x: Value) => {
    if (typeof x !== "string") throw typeError(pos, x, "string");
    return x;
  };
  const zone = v.length > 1 ? loadZone(text(v[1]!)) : UTC;
  const layout = v.length > 2 ? text(v[2]!) : "RFC3339Nano";
  return { ns, zone, layout: Object.hasOwn(LAYOUTS, layout) ? LAYOUTS[layout]! : layout };
}

const wallOf = (v: Value) => {
  const t = timeOperand(v, 1);
  return toWall(t.ns, t.zone);
};

// ---------------------------------------------------------------------------------------------
// Layouts: split into literal text and Go's std elements

const LONG_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const LONG_MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** Go's std elements in the order its nextStdChunk tries them at a position. */
const STD_ELEMENTS = [
  "January", "Jan", "Monday", "Mon", "MST",
  "01", "02", "03", "04", "05", "06", "002",
  "15", "1", "2006", "2", "_2006", "__2", "_2", "3", "4", "5", "PM", "pm",
  "-07:00:00", "-070000", "-0700", "-07:00", "-07",
  "Z07:00:00", "Z070000", "Z0700", "Z07:00", "Z07",
];

type Chunk = { literal: string } | { std: string };

const layoutCache = new Map<string, Chunk[]>();

function chunks(layout: string): Chunk[] {
  let out = layoutCache.get(layout);
  if (out) return out;
  out = [];
  let literal = "";
  for (let i = 0; i < layout.length; ) {
    const std = stdAt(layout, i);
    if (std === undefined) {
      literal += layout[i++];
      continue;
    }
    if (std === "_2006") {
      // "_2006" is a literal underscore before the year.
      literal += "_";
      i++;
      continue;
    }
    if (literal) out.push({ literal });
    literal = "";
    out.push({ std });
    i += std.length;
  }
  if (literal) out.push({ literal });
  layoutCache.set(layout, out);
  return out;
}

function stdAt(layout: string, i: number): string | undefined {
  const frac = /^[.,](0+|9+)(?![0-9])/.exec(layout.slice(i));
  if (frac) return frac[0];
  for (const e of STD_ELEMENTS) {
    if (!layout.startsWith(e, i)) continue;
    // "Jan" and "Mon" followed by a lower-case letter are words, not elements.
    if ((e === "Jan" || e === "Mon") && /^[a-z]/.test(layout.slice(i + 3))) continue;
    return e;
  }
  return undefined;
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/** 0 for Sunday; 1970-01-01 was a Thursday. */
const weekdayIndex = (w: { year: number; month: number; day: number }) =>
  (((daysFromCivil(w.year, w.month, w.day) + 4) % 7) + 7) % 7;

function formatLayout(layout: string, w: Wall): string {
  const weekday = weekdayIndex(w);
  const yday = daysFromCivil(w.year, w.month, w.day) - daysFromCivil(w.year, 1, 1) + 1;
  let out = "";
  for (const c of chunks(layout)) {
    if ("literal" in c) {
      out += c.literal;
      continue;
    }
    const s = c.std;
    switch (s) {
      case "January": out += LONG_MONTHS[w.month - 1]; break;
      case "Jan": out += LONG_MONTHS[w.month - 1]!.slice(0, 3); break;
      case "Monday": out += LONG_DAYS[weekday]; break;
      case "Mon": out += LONG_DAYS[weekday]!.slice(0, 3); break;
      case "MST": out += w.abbr() || numericOffset(w.offset, false, false, false); break;
      case "01": out += pad2(w.month); break;
      case "1": out += w.month; break;
      case "02": out += pad2(w.day); break;
      case "2": out += w.day; break;
      case "_2": out += String(w.day).padStart(2, " "); break;
      case "002": out += String(yday).padStart(3, "0"); break;
      case "__2": out += String(yday).padStart(3, " "); break;
      case "03": out += pad2(w.hour % 12 || 12); break;
      case "3": out += w.hour % 12 || 12; break;
      case "15": out += pad2(w.hour); break;
      case "04": out += pad2(w.min); break;
      case "4": out += w.min; break;
      case "05": out += pad2(w.sec); break;
      case "5": out += w.sec; break;
      case "06": out += pad2(((w.year % 100) + 100) % 100); break;
      case "2006": out += w.year < 0 ? "-" + String(-w.year).padStart(4, "0") : String(w.year).padStart(4, "0"); break;
      case "PM": out += w.hour >= 12 ? "PM" : "AM"; break;
      case "pm": out += w.hour >= 12 ? "pm" : "am"; break;
      default:
        out += s[0] === "." || s[0] === "," ? fraction(s, w.nsec) : offsetText(s, w.offset);
    }
  }
  return out;
}

/** `.000` keeps that many digits; `.999` drops trailing zeros (and the point if nothing is left). */
function fraction(std: string, nsec: number): string {
  const digits = String(nsec).padStart(9, "0").slice(0, std.length - 1);
  if (std[1] === "0") return std[0] + digits;
  const trimmed = digits.replace(/0+$/, "");
  return trimmed === "" ? "" : std[0] + trimmed;
}

/** -0700 style elements; the Z forms print "Z" for UTC. */
function offsetText(std: string, offset: number): string {
  if (std[0] === "Z" && offset === 0) return "Z";
  const colon = std.includes(":");
  const seconds = std.length === (colon ? 9 : 7);
  const short = std.length === 3;
  return numericOffset(offset, colon, seconds, short);
}

function numericOffset(offset: number, colon: boolean, seconds: boolean, short: boolean): string {
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  const sep = colon ? ":" : "";
  let s = sign + pad2(Math.floor(abs / 3600));
  if (!short) s += sep + pad2(Math.floor(abs / 60) % 60);
  if (seconds) s += sep + pad2(abs % 60);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Parsing (Go's time.Parse)

class ParseFailure extends Error {}

function parseLayout(layout: string, value: string): bigint {
  const cannot = (rest: string, elem: string) =>
    new ParseFailure(`parsing time ${quote(value)} as ${quote(layout)}: cannot parse ${quote(rest)} as ${quote(elem)}`);
  const outOfRange = (what: string) => new ParseFailure(`parsing time ${quote(value)}: ${what} out of range`);

  let rest = value;
  let year = 0;
  let month = -1;
  let day = -1;
  let yday = -1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nsec = 0;
  let pm: boolean | undefined;
  let offset: number | undefined;

  /** Digits at the start of `rest`: exactly `width` of them, or 1-2 when not fixed. */
  const number = (elem: string, fixed: boolean, width = 2): number => {
    const m = (fixed ? new RegExp(`^[0-9]{${width}}`) : width === 3 ? /^[0-9]{1,3}/ : /^[0-9]{1,2}/).exec(rest);
    if (!m) throw cannot(rest, elem);
    rest = rest.slice(m[0].length);
    return Number(m[0]);
  };
  const lookup = (elem: string, names: string[]): number => {
    const i = names.findIndex((n) => rest.slice(0, n.length).toLowerCase() === n.toLowerCase());
    if (i < 0) throw cannot(rest, elem);
    rest = rest.slice(names[i]!.length);
    return i;
  };
  const fractionDigits = (elem: string, count: number): void => {
    const digits = rest.slice(1, count);
    if (!/^[0-9]*$/.test(digits) || !/[.,]/.test(rest[0] ?? "")) throw cannot(rest, elem);
    nsec = Number(digits.slice(0, 9).padEnd(9, "0"));
    rest = rest.slice(count);
  };

  const parts = chunks(layout);
  for (let k = 0; k < parts.length; k++) {
    const c = parts[k]!;
    if ("literal" in c) {
      const after = skipLiteral(rest, c.literal);
      if (after === undefined) throw cannot(rest, c.literal);
      rest = after;
      continue;
    }
    const s = c.std;
    switch (s) {
      case "2006":
        if (!/^[0-9]{4}/.test(rest)) throw cannot(rest, s);
        year = Number(rest.slice(0, 4));
        rest = rest.slice(4);
        break;
      case "06": {
        const y = number(s, true);
        year = y >= 69 ? 1900 + y : 2000 + y;
        break;
      }
      case "January":
        month = lookup(s, LONG_MONTHS) + 1;
        break;
      case "Jan":
        month = lookup(s, LONG_MONTHS.map((m) => m.slice(0, 3))) + 1;
        break;
      case "Monday":
        lookup(s, LONG_DAYS);
        break;
      case "Mon":
        lookup(s, LONG_DAYS.map((d) => d.slice(0, 3)));
        break;
      case "01":
      case "1":
        month = number(s, s === "01");
        if (month < 1 || month > 12) throw outOfRange("month");
        break;
      case "_2":
      case "02":
      case "2":
        if (s === "_2" && rest[0] === " ") rest = rest.slice(1);
        day = number(s, s === "02");
        break;
      case "__2":
      case "002":
        if (s === "__2") rest = rest.replace(/^ {1,2}/, "");
        yday = number(s, s === "002", 3);
        if (yday < 1 || yday > 366) throw outOfRange("day-of-year");
        break;
      case "15":
        hour = number(s, false);
        if (hour > 23) throw outOfRange("hour");
        break;
      case "03":
      case "3":
        hour = number(s, s === "03");
        if (hour > 12) throw outOfRange("hour");
        break;
      case "04":
      case "4":
        min = number(s, s === "04");
        if (min > 59) throw outOfRange("minute");
        break;
      case "05":
      case "5": {
        sec = number(s, s === "05");
        if (sec > 59) throw outOfRange("second");
        // A fraction after the seconds is accepted even when the layout does not ask for one.
        const next = parts[k + 1];
        const layoutHasFraction = next !== undefined && "std" in next && /^[.,]/.test(next.std);
        const m = /^[.,][0-9]+/.exec(rest);
        if (m && !layoutHasFraction) fractionDigits(s, m[0].length);
        break;
      }
      case "PM":
      case "pm": {
        const ampm = rest.slice(0, 2);
        const want = s === "PM" ? ["AM", "PM"] : ["am", "pm"];
        if (!want.includes(ampm)) throw cannot(rest, s);
        pm = ampm === want[1];
        rest = rest.slice(2);
        break;
      }
      case "MST": {
        const m = /^(UTC|GMT[+-][0-9]{1,2}|[A-Z]{3,5}|[+-][0-9]{2,4})/.exec(rest);
        if (!m) throw cannot(rest, s);
        rest = rest.slice(m[1]!.length);
        // Abbreviations carry no offset; Go assumes UTC unless the name says (GMT+3).
        offset ??= m[1]!.startsWith("GMT") ? Number(m[1]!.slice(3)) * 3600 : 0;
        break;
      }
      default:
        if (s[0] === "." || s[0] === ",") {
          if (s[1] === "0") {
            if (rest.length < s.length) throw cannot(rest, s);
            fractionDigits(s, s.length);
          } else {
            const m = /^[.,][0-9]+/.exec(rest);
            if (m) fractionDigits(s, m[0].length);
          }
        } else {
          offset = parseOffset(s, () => cannot(rest, s), (n) => (rest = rest.slice(n)), rest);
        }
    }
  }
  if (rest !== "") throw new ParseFailure(`parsing time ${quote(value)}: extra text: ${quote(rest)}`);
  if (pm === true && hour < 12) hour += 12;
  if (pm === false && hour === 12) hour = 0;
  if (yday >= 0) {
    const [, m, d] = civilFromDays(daysFromCivil(year, 1, 1) + yday - 1);
    if ((month >= 0 && month !== m) || (day >= 0 && day !== d)) throw outOfRange("day-of-year");
    [month, day] = [m, d];
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > daysIn(month, year)) throw outOfRange("day");
  return fromWall({ year, month, day, hour, min, sec, nsec }, fixedZone(offset ?? 0, ""));
}

/** Go's time.quote: ASCII as is (with \" and \\ escaped), other bytes as \xNN. */
function quote(s: string): string {
  let out = '"';
  for (const c of s) {
    const cp = c.codePointAt(0)!;
    if (cp < 0x20 || cp >= 0x80) {
      for (const b of new TextEncoder().encode(c)) out += "\\x" + b.toString(16).padStart(2, "0");
    } else out += c === '"' || c === "\\" ? "\\" + c : c;
  }
  return out + '"';
}

/** Go's skip: the literal must match, with a run of spaces matching any run of spaces. */
function skipLiteral(value: string, literal: string): string | undefined {
  let v = value;
  for (let i = 0; i < literal.length; ) {
    if (literal[i] === " ") {
      if (v.length > 0 && v[0] !== " ") return undefined;
      while (literal[i] === " ") i++;
      v = v.replace(/^ +/, "");
      continue;
    }
    if (v[0] !== literal[i]) return undefined;
    v = v.slice(1);
    i++;
  }
  return v;
}

/** A numeric zone offset for a -0700 / Z07:00 style element, in seconds east of UTC. */
function parseOffset(std: string, fail: () => Error, consume: (n: number) => void, rest: string): number {
  if (std[0] === "Z" && rest[0] === "Z") {
    consume(1);
    return 0;
  }
  const colon = std.includes(":");
  const seconds = std.length === (colon ? 9 : 7);
  const short = std.length === 3;
  const sep = colon ? ":" : "";
  const re = new RegExp(`^([+-])([0-9]{2})${short ? "" : `${sep}([0-9]{2})`}${seconds ? `${sep}([0-9]{2})` : ""}`);
  const m = re.exec(rest);
  if (!m) throw fail();
  consume(m[0].length);
  const [h, mm, ss] = [Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0)];
  if (h > 24 || mm > 60 || ss > 60) throw fail();
  const total = h * 3600 + mm * 60 + ss;
  return m[1] === "-" ? -total : total;
}

/** Whether Go's time.Parse(layout, value) succeeds (the JSON Schema date and time formats). */
export function parsesAs(layout: string, value: string): boolean {
  try {
    parseLayout(layout, value);
    return true;
  } catch (e) {
    if (e instanceof ParseFailure) return false;
    throw e;
  }
}

function parseWith(layout: string, value: string): Value {
  try {
    return nsValue(parseLayout(layout, value));
  } catch (e) {
    if (e instanceof ParseFailure) throw builtinError(e.message);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Durations (Go's time.ParseDuration)

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  "µs": 1000n, // U+00B5 micro sign
  "μs": 1000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: NS,
  m: 60n * NS,
  h: 3600n * NS,
};

function parseDuration(s: string): bigint {
  const invalid = () => builtinError(`time: invalid duration ${quote(s)}`);
  let rest = s;
  let negative = false;
  if (rest[0] === "-" || rest[0] === "+") {
    negative = rest[0] === "-";
    rest = rest.slice(1);
  }
  if (rest === "0") return 0n;
  if (rest === "") throw invalid();
  let total = 0n;
  while (rest !== "") {
    const m = /^([0-9]*)(?:\.([0-9]*))?/.exec(rest)!;
    if (m[0] === "" || m[0] === ".") throw invalid();
    rest = rest.slice(m[0].length);
    const unitText = /^[^0-9.]*/.exec(rest)![0];
    if (unitText === "") throw builtinError(`time: missing unit in duration ${quote(s)}`);
    const unit = UNITS[unitText];
    if (unit === undefined) {
      throw builtinError(`time: unknown unit ${quote(unitText)} in duration ${quote(s)}`);
    }
    rest = rest.slice(unitText.length);
    const frac = m[2] ?? "";
    total += BigInt(m[1] || "0") * unit + (frac === "" ? 0n : (BigInt(frac) * unit) / 10n ** BigInt(frac.length));
    if (total > MAX_NS + (negative ? 1n : 0n)) throw invalid();
  }
  return negative ? -total : total;
}

// ---------------------------------------------------------------------------------------------

function addDate(args: Value[]): Value {
  const t = timeOperand(args[0]!, 1);
  const [years, months, days] = [int(args, 1), int(args, 2), int(args, 3)];
  const w = toWall(t.ns, t.zone);
  return nsValue(fromWall({ ...w, year: w.year + years, month: w.month + months, day: w.day + days }, t.zone));
}

/** The calendar difference between two instants, as [years, months, days, hours, minutes, seconds]. */
function diff(args: Value[]): Value {
  const a = timeOperand(args[0]!, 1);
  const b = timeOperand(args[1]!, 2);
  const [early, late] = a.ns <= b.ns ? [a.ns, b.ns] : [b.ns, a.ns];
  // Both are read in the first operand's zone.
  const x = toWall(early, a.zone);
  const y = toWall(late, a.zone);
  let [year, month, day] = [y.year - x.year, y.month - x.month, y.day - x.day];
  let [hour, min, sec] = [y.hour - x.hour, y.min - x.min, y.sec - x.sec];
  if (sec < 0) [sec, min] = [sec + 60, min - 1];
  if (min < 0) [min, hour] = [min + 60, hour - 1];
  if (hour < 0) [hour, day] = [hour + 24, day - 1];
  if (day < 0) [day, month] = [day + daysIn(x.month, x.year), month - 1];
  if (month < 0) [month, year] = [month + 12, year - 1];
  return [year, month, day, hour, min, sec];
}

const weekdayOf = (w: Wall) => LONG_DAYS[weekdayIndex(w)]!;

/** Nanoseconds, or [ns, timezone] (OPA's declaration). */
const TIME_ARG = T.union(T.tuple(T.number, T.string), T.number);
/** time.format also takes [ns, timezone, layout]. */
const FORMAT_ARG = T.union(T.tuple(T.number, T.string, T.string), T.tuple(T.number, T.string), T.number);
const NS_RESULT = T.number;

export const TIME: BuiltinDef[] = [
  {
    name: "time.now_ns",
    signature: fn([], NS_RESULT),
    impl: (_args, ctx) => intValue(ctx.nowNs),
    nondeterministic: true,
  },
  {
    name: "time.parse_ns",
    signature: fn([T.string, T.string], NS_RESULT),
    impl: (args) => {
      const layout = str(args, 0);
      return parseWith(Object.hasOwn(LAYOUTS, layout) ? LAYOUTS[layout]! : layout, str(args, 1));
    },
  },
  {
    name: "time.parse_rfc3339_ns",
    signature: fn([T.string], NS_RESULT),
    impl: (args) => parseWith(LAYOUTS.RFC3339!, str(args, 0)),
  },
  {
    name: "time.parse_duration_ns",
    signature: fn([T.string], NS_RESULT),
    impl: (args) => intValue(parseDuration(str(args, 0))),
  },
  {
    name: "time.format",
    signature: fn([FORMAT_ARG], T.string),
    impl: ([x]) => {
      const t = timeOperand(x!, 1);
      return formatLayout(t.layout, toWall(t.ns, t.zone));
    },
  },
  {
    name: "time.date",
    signature: fn([TIME_ARG], T.tuple(T.number, T.number, T.number)),
    impl: ([x]) => {
      const w = wallOf(x!);
      return [w.year, w.month, w.day];
    },
  },
  {
    name: "time.clock",
    signature: fn([TIME_ARG], T.tuple(T.number, T.number, T.number)),
    impl: ([x]) => {
      const w = wallOf(x!);
      return [w.hour, w.min, w.sec];
    },
  },
  { name: "time.weekday", signature: fn([TIME_ARG], T.string), impl: ([x]) => weekdayOf(wallOf(x!)) },
  { name: "time.add_date", signature: fn([T.number, T.number, T.number, T.number], NS_RESULT), impl: addDate },
  {
    name: "time.diff",
    signature: fn([TIME_ARG, TIME_ARG], T.tuple(T.number, T.number, T.number, T.number, T.number, T.number)),
    impl: diff,
  },
];
