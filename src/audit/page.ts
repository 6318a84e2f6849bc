// Verification's reading: a page of stored rows in two blobs (one query, no per-row objects).
// `meta` holds, per row, a header of decimal lengths then the small columns' bytes:
//   SEQ:ID:TYPE:ACTION:TIME:HASH:SUBJECT:BODY;<id><type><action_id><time><hash><subject>
// (each length in bytes, -1 for NULL); `bodies` holds the bodies back to back, as stored. Lengths
// frame every value, so no column's content can be read as another's; bodies are hashed as stored.
import type { Queryable } from "./db.ts";

const COLS = ["id", "type", "action_id", "time", "hash", "subject"];
const LENGTHS = [...COLS, "body"].map((c) => `CAST(coalesce(octet_length(${c}), -1) AS TEXT)`).join(" || ':' || ");
const VALUES = COLS.map((c) => `coalesce(${c}, '')`).join(" || ");
const META = `CAST(seq AS TEXT) || ':' || ${LENGTHS} || ';' || ${VALUES}`;
const SQL = {
  sqlite:
    `SELECT COUNT(*) AS n, MAX(seq) AS last, CAST(group_concat(${META}, '') AS BLOB) AS meta, CAST(group_concat(body, '') AS BLOB) AS bodies ` +
    "FROM (SELECT * FROM audit_records WHERE seq > $1 ORDER BY seq LIMIT $2)",
  postgres:
    `SELECT COUNT(*) AS n, MAX(seq) AS last, convert_to(string_agg(${META}, '' ORDER BY seq), 'UTF8') AS meta, ` +
    "convert_to(string_agg(body, '' ORDER BY seq), 'UTF8') AS bodies FROM (SELECT * FROM audit_records WHERE seq > $1 ORDER BY seq LIMIT $2) r",
};

export interface Page {
  /** Rows in the page, and the seq column of its last. */
  rows: number;
  last: number;
  /** The small columns (see above), each byte one character. */
  meta: string;
  /** The bodies' bytes, and the same as a one-byte string (each byte one character) for scanning. */
  bytes: Buffer;
  text: string;
}

/** Up to `limit` rows after seq `after`, in seq order. */
export async function readPage(q: Queryable, after: number, limit: number): Promise<Page> {
  const [r] = await q.query<{ n: number; last: number | null; meta: Buffer | null; bodies: Buffer | null }>(SQL[q.dialect], [after, limit]);
  const bytes = r?.bodies ?? Buffer.alloc(0);
  return { rows: Number(r?.n ?? 0), last: Number(r?.last ?? after), meta: (r?.meta ?? Buffer.alloc(0)).toString("latin1"), bytes, text: bytes.toString("latin1") };
}

/** One row's framing: where each column's bytes are in meta and its body in the bodies (A..B; A = -1 for NULL). */
export class RowFrame {
  seq = 0;
  idA = 0; idB = 0;
  typeA = 0; typeB = 0;
  actionA = 0; actionB = 0;
  timeA = 0; timeB = 0;
  hashA = 0; hashB = 0;
  subjectA = 0; subjectB = 0;
  bodyA = 0; bodyB = 0;
  /** Where the next row's header starts in meta. */
  next = 0;
}

const lens = new Float64Array(7);

/**
 * Reads the row whose header starts at `at` in `meta` into `f` (column ranges in `meta`, the
 * body's range in the bodies, starting at `bodyAt`); false when the framing is not as written
 * (the caller reads the rest of the page row by row).
 */
export function frameRow(text: string, at: number, bodyAt: number, f: RowFrame, bodiesLength: number): boolean {
  let i = at;
  let seq = 0;
  let digits = 0;
  for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) {
    seq = seq * 10 + (c - 48);
    digits++;
  }
  if (digits === 0 || digits > 15 || text.charCodeAt(i) !== 58) return false;
  i++;
  for (let k = 0; k < 7; k++) {
    let n = 0;
    let neg = false;
    if (text.charCodeAt(i) === 45) {
      neg = true;
      i++;
    }
    const start = i;
    for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) n = n * 10 + (c - 48);
    if (i === start || i - start > 12 || (neg && n !== 1)) return false;
    if (text.charCodeAt(i) !== (k === 6 ? 59 : 58)) return false;
    i++;
    lens[k] = neg ? -1 : n;
  }
  // id, type, time, hash and body are NOT NULL; a NULL there is left to the general path.
  if (lens[0]! < 0 || lens[1]! < 0 || lens[3]! < 0 || lens[4]! < 0 || lens[6]! < 0) return false;
  f.seq = seq;
  f.idA = i; f.idB = i += lens[0]!;
  f.typeA = i; f.typeB = i += lens[1]!;
  f.actionA = lens[2]! < 0 ? -1 : i; f.actionB = i += Math.max(0, lens[2]!);
  f.timeA = i; f.timeB = i += lens[3]!;
  f.hashA = i; f.hashB = i += lens[4]!;
  f.subjectA = lens[5]! < 0 ? -1 : i; f.subjectB = i += Math.max(0, lens[5]!);
  f.next = i;
  f.bodyA = bodyAt;
  f.bodyB = bodyAt + lens[6]!;
  return i <= text.length && f.bodyB <= bodiesLength;
}

/** Whether s[a, b) and t[c, d) hold the same characters. */
export function sameRange(s: string, a: number, b: number, t: string, c: number, d: number): boolean {
  if (b - a !== d - c) return false;
  for (; a < b; a++, c++) if (s.charCodeAt(a) !== t.charCodeAt(c)) return false;
  return true;
}
