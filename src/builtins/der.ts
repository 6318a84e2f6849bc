// A minimal DER reader: enough ASN.1 to lay out X.509 certificates and requests field by field
// as Go's crypto/x509 does (Node's X509Certificate hides the raw structure OPA's results show).
// Every read is bounds-checked; malformed input throws DerError, which callers turn into OPA's error.

export class DerError extends Error {}

export interface Tlv {
  /** The identifier octet (class, constructed bit and tag number < 31). */
  tag: number;
  /** The contents octets. */
  body: Buffer;
  /** The whole element, header included (Go's Raw* fields). */
  raw: Buffer;
}

/** Reads the element at `pos`; returns it and the offset after it. */
export function readTlv(buf: Buffer, pos = 0): [Tlv, number] {
  if (pos + 2 > buf.length) throw new DerError("truncated element");
  const tag = buf[pos]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError("high tag numbers are not supported");
  let len = buf[pos + 1]!;
  let head = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || pos + 2 + n > buf.length) throw new DerError("bad length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + 2 + i]!;
    head += n;
  }
  const end = pos + head + len;
  if (end > buf.length) throw new DerError("element overruns its parent");
  return [{ tag, body: buf.subarray(pos + head, end), raw: buf.subarray(pos, end) }, end];
}

/** The elements inside a constructed element's body. */
export function children(body: Buffer): Tlv[] {
  const out: Tlv[] = [];
  let pos = 0;
  while (pos < body.length) {
    const [t, next] = readTlv(body, pos);
    out.push(t);
    pos = next;
  }
  return out;
}

/** Reads one element that must fill `buf` exactly. */
export function readOne(buf: Buffer, tag?: number): Tlv {
  const [t, end] = readTlv(buf);
  if (end !== buf.length) throw new DerError("trailing data");
  if (tag !== undefined && t.tag !== tag) throw new DerError(`expected tag ${tag}, got ${t.tag}`);
  return t;
}

export function expect(t: Tlv | undefined, tag: number): Tlv {
  if (!t || t.tag !== tag) throw new DerError(`expected tag ${tag}`);
  return t;
}

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  utf8: 0x0c,
  sequence: 0x30,
  set: 0x31,
  utcTime: 0x17,
  generalizedTime: 0x18,
} as const;

export function integer(t: Tlv): bigint {
  if (t.body.length === 0) throw new DerError("empty integer");
  let n = BigInt("0x" + t.body.toString("hex"));
  if (t.body[0]! & 0x80) n -= 1n << BigInt(t.body.length * 8);
  return n;
}

/** An OBJECT IDENTIFIER as its arcs (Go marshals asn1.ObjectIdentifier as an array of ints). */
export function oid(t: Tlv): number[] {
  const arcs: number[] = [];
  let v = 0;
  for (const b of t.body) {
    v = v * 128 + (b & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER) throw new DerError("oid arc too large");
    if (!(b & 0x80)) {
      if (arcs.length === 0) arcs.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else arcs.push(v);
      v = 0;
    }
  }
  return arcs;
}

/** UTCTime or GeneralizedTime as an RFC 3339 string in UTC, as Go's time.Time marshals. */
export function time(t: Tlv): string {
  const s = t.body.toString("latin1");
  const m = t.tag === TAG.utcTime ? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s) : /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s);
  if (!m) throw new DerError("bad time");
  let year = m[1]!;
  if (t.tag === TAG.utcTime) year = (Number(year) < 50 ? "20" : "19") + year;
  return `${year}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`;
}

/** A string-typed value (PrintableString, UTF8String, IA5String...) as text. */
export function text(t: Tlv): string {
  return t.tag === 0x1e ? Buffer.from(t.body).swap16().toString("utf16le") : t.body.toString("utf8");
}
