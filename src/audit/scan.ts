// The fast path of chain verification: reads a stored body as text, without JSON.parse, and says
// whether it is certainly canonical JSON of an object, taking out only the top-level fields the
// chain check needs. It answers "yes, and here are the fields" or "not sure": anything unusual
// (escapes, non-ASCII keys, a non-string id, deep nesting, a malformed or non-canonical body)
// is "not sure", and the caller checks that record on the general path (chain.ts's check, with
// JSON.parse and canonicalJSON), which names what is wrong. So this scanner never has to be
// right about a bad body, only never wrong about a good one.
//
// Contract: the range holds no backslash and no control character (U+0000..U+001F); the caller
// finds those with SPECIAL over the whole page first. Then every string token is exactly what
// JSON.stringify writes for its contents (no escapes needed), and a string ends at the next '"'.

/** Characters the scanner leaves to the general path: a backslash, a control character. */
export const SPECIAL = /[\x00-\x1f\\]/g;

/** Where SPECIAL matches in `text`, in order (few or none in a page of canonical records). */
export function specialsIn(text: string): number[] {
  const at: number[] = [];
  SPECIAL.lastIndex = 0;
  for (let m = SPECIAL.exec(text); m; m = SPECIAL.exec(text)) at.push(m.index);
  return at;
}

/** Ranges [start, end) of the top-level fields a chain check reads; -1 when absent. */
export class BodyFields {
  seq = NaN;
  prevA = -1;
  prevB = -1;
  idA = -1;
  idB = -1;
  typeA = -1;
  typeB = -1;
  timeA = -1;
  timeB = -1;
  /** action_id: a string's range; absent or null leaves -1. */
  actionA = -1;
  actionB = -1;
  /** state.table and state.key when `state` is an object holding both as strings. */
  tableA = -1;
  tableB = -1;
  keyA = -1;
  keyB = -1;
  /** The `"hash":"..."` member (an exported line's), from its key's quote to its value's end. */
  hashA = -1;
  hashB = -1;
  hashValA = -1;
  hashValB = -1;

  reset(): void {
    this.seq = NaN;
    this.prevA = this.prevB = this.idA = this.idB = this.typeA = this.typeB = this.timeA = this.timeB = -1;
    this.actionA = this.actionB = this.tableA = this.tableB = this.keyA = this.keyB = -1;
    this.hashA = this.hashB = this.hashValA = this.hashValB = -1;
  }
}

const MAX_DEPTH = 64;
const kind = new Uint8Array(MAX_DEPTH); // 1 object, 2 array
const prevKeyA = new Int32Array(MAX_DEPTH);
const prevKeyB = new Int32Array(MAX_DEPTH);

// Top-level keys the chain reads; `state` (0) and its `table`/`key` members are tracked apart.
const enum Top {
  other,
  seq,
  prev_hash,
  id,
  type,
  time,
  action_id,
  state,
  hash,
}

function topKey(s: string, a: number, b: number): Top {
  switch (b - a) {
    case 2:
      return s.startsWith("id", a) ? Top.id : Top.other;
    case 3:
      return s.startsWith("seq", a) ? Top.seq : Top.other;
    case 4:
      return s.startsWith("type", a) ? Top.type : s.startsWith("time", a) ? Top.time : s.startsWith("hash", a) ? Top.hash : Top.other;
    case 5:
      return s.startsWith("state", a) ? Top.state : Top.other;
    case 9:
      return s.startsWith("prev_hash", a) ? Top.prev_hash : s.startsWith("action_id", a) ? Top.action_id : Top.other;
    default:
      return Top.other;
  }
}

/**
 * Whether s[start, end) is certainly the canonical JSON of an object (keys in UTF-16 order,
 * unique, no whitespace, numbers as JSON.stringify writes them); fills `out` when it is.
 * `allowHash`: a top-level `hash` member is allowed (an exported line) instead of refused.
 */
export function scanCanonical(s: string, start: number, end: number, out: BodyFields, allowHash = false): boolean {
  out.reset();
  if (s.charCodeAt(start) !== 123) return false;
  let i = start;
  let d = -1;
  // Where the value being read goes: a top-level field, a state member, or nowhere.
  let top: Top = Top.other;
  let stateMember = 0; // 1 table, 2 key (inside the top-level state object)
  let stateDepth = -1; // depth of the top-level state object while inside it
  let sawState = false;
  for (;;) {
    // A value starts at i.
    const c = s.charCodeAt(i);
    if (c === 34) {
      const j = s.indexOf('"', i + 1);
      if (j < 0 || j >= end) return false;
      if (d === 0) {
        if (top === Top.prev_hash) (out.prevA = i + 1), (out.prevB = j);
        else if (top === Top.id) (out.idA = i + 1), (out.idB = j);
        else if (top === Top.type) (out.typeA = i + 1), (out.typeB = j);
        else if (top === Top.time) (out.timeA = i + 1), (out.timeB = j);
        else if (top === Top.action_id) (out.actionA = i + 1), (out.actionB = j);
        else if (top === Top.hash) (out.hashValA = i + 1), (out.hashValB = j), (out.hashB = j + 1);
        else if (top === Top.seq || top === Top.state) return false;
      } else if (d === stateDepth && stateMember === 1) (out.tableA = i + 1), (out.tableB = j);
      else if (d === stateDepth && stateMember === 2) (out.keyA = i + 1), (out.keyB = j);
      i = j + 1;
    } else if (c === 123 || c === 91) {
      if (d === 0 && top !== Top.other && top !== Top.state) return false;
      if (++d >= MAX_DEPTH) return false;
      kind[d] = c === 123 ? 1 : 2;
      if (d === 1 && top === Top.state) {
        if (c !== 123) return false;
        stateDepth = 1;
      }
      i++;
      const close = c === 123 ? 125 : 93;
      if (s.charCodeAt(i) === close) {
        if (d === stateDepth) stateDepth = -1;
        if (--d < 0) return false; // {}: no record
        i++;
      } else if (c === 123) {
        prevKeyA[d] = -1;
        i = readKey(s, i, end, d);
        if (i < 0) return false;
        if (d === 0) top = topOf(s, out);
        else if (d === stateDepth) stateMember = memberOfState(s, d);
        continue;
      } else {
        continue; // an array's first element
      }
    } else if (c === 116 || c === 102) {
      const word = c === 116 ? "true" : "false";
      if (!s.startsWith(word, i)) return false;
      if ((d === 0 && top !== Top.other) || (d === stateDepth && stateMember !== 0)) return false;
      i += word.length;
    } else if (c === 110) {
      if (!s.startsWith("null", i)) return false;
      if ((d === 0 && top !== Top.other && top !== Top.action_id) || (d === stateDepth && stateMember !== 0)) return false;
      i += 4;
    } else {
      const j = numberEnd(s, i, end);
      if (j === i) return false;
      const n = numberValue(s, i, j);
      if (n === undefined) return false;
      if (d === 0) {
        if (top === Top.seq) out.seq = n;
        else if (top !== Top.other) return false;
      } else if (d === stateDepth && stateMember !== 0) return false;
      i = j;
    }
    if (d === 0 && top === Top.state) sawState = true;
    // After a value: ',' then the next member or element, or close containers.
    for (;;) {
      const k = s.charCodeAt(i);
      if (k === 44) {
        i++;
        if (kind[d] === 1) {
          i = readKey(s, i, end, d);
          if (i < 0) return false;
          if (d === 0) top = topOf(s, out);
          else if (d === stateDepth) stateMember = memberOfState(s, d);
        }
        break;
      }
      if (k !== (kind[d] === 1 ? 125 : 93)) return false;
      i++;
      if (d === stateDepth) stateDepth = -1;
      if (d-- === 0) {
        if (i !== end) return false;
        if (out.hashValA >= 0 && !allowHash) return false;
        // A state that is not an object with string table and key: the general path decides.
        if (sawState && (out.tableA < 0 || out.keyA < 0)) return false;
        return true;
      }
      if (d === 0 && top === Top.state) sawState = true;
    }
  }
}

/** The top-level key just read; a `hash` member's start is noted (its key's opening quote). */
function topOf(s: string, out: BodyFields): Top {
  const t = topKey(s, prevKeyA[0]!, prevKeyB[0]!);
  if (t === Top.hash) out.hashA = prevKeyA[0]! - 1;
  return t;
}

function memberOfState(s: string, d: number): number {
  const a = prevKeyA[d]!;
  const len = prevKeyB[d]! - a;
  return len === 5 && s.startsWith("table", a) ? 1 : len === 3 && s.startsWith("key", a) ? 2 : 0;
}

/**
 * Reads `"key":` at i inside the object at depth d: the key must be ASCII and sort strictly
 * after the previous key of that object. Returns where the value starts, or -1.
 */
function readKey(s: string, i: number, end: number, d: number): number {
  if (s.charCodeAt(i) !== 34) return -1;
  const a = i + 1;
  const b = s.indexOf('"', a);
  if (b < 0 || b >= end || s.charCodeAt(b + 1) !== 58) return -1;
  const pa = prevKeyA[d]!;
  if (pa >= 0) {
    // ASCII keys compare by code unit as canonicalJSON sorts them; equal keys are duplicates.
    const pb = prevKeyB[d]!;
    let x = pa;
    let y = a;
    for (;;) {
      if (y === b) return -1; // the new key is a prefix of (or equal to) the previous one
      const cy = s.charCodeAt(y);
      if (cy >= 0x80) return -1;
      if (x === pb) break; // the previous key is a proper prefix: in order
      const cx = s.charCodeAt(x);
      if (cx !== cy) {
        if (cx > cy) return -1;
        break;
      }
      x++;
      y++;
    }
    for (; y < b; y++) if (s.charCodeAt(y) >= 0x80) return -1;
  } else {
    for (let y = a; y < b; y++) if (s.charCodeAt(y) >= 0x80) return -1;
  }
  prevKeyA[d] = a;
  prevKeyB[d] = b;
  return b + 2;
}

function numberEnd(s: string, i: number, end: number): number {
  let j = i;
  while (j < end) {
    const x = s.charCodeAt(j);
    if ((x >= 48 && x <= 57) || x === 45 || x === 46 || x === 101 || x === 43) j++;
    else break;
  }
  return j;
}

/** The number s[i, j) stands for, if the text is exactly how JSON.stringify writes it. */
function numberValue(s: string, i: number, j: number): number | undefined {
  // Fast: a plain integer of at most 15 digits, no leading zero, not -0 (exact in a double).
  let k = i;
  if (s.charCodeAt(k) === 45) k++;
  const digits = j - k;
  if (digits > 0 && digits <= 15) {
    let n = 0;
    let plain = true;
    for (let m = k; m < j; m++) {
      const x = s.charCodeAt(m) - 48;
      if (x < 0 || x > 9) {
        plain = false;
        break;
      }
      n = n * 10 + x;
    }
    if (plain) {
      if (digits > 1 && s.charCodeAt(k) === 48) return undefined;
      if (k > i) return n === 0 ? undefined : -n;
      return n;
    }
  }
  const text = s.slice(i, j);
  const n = Number(text);
  return String(n) === text ? n : undefined;
}
