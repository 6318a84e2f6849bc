// Signed checkpoints of the audit tree, in the formats of the C2SP specifications, so tools
// outside Warden (the Go sumdb/note package, Sigstore's, any witness) read them:
//   - c2sp.org/tlog-checkpoint: the note text is three lines, origin, tree size (decimal), root
//     hash (standard base64), then optional extension lines;
//   - c2sp.org/signed-note: the text, a blank line, then lines `— NAME base64(keyID || sig)`;
//     Ed25519 (signature type 0x01) over the text, key ID = SHA-256(NAME || 0x0A || 0x01 ||
//     public key)[:4]; verifier keys written `NAME+KEYID(8 hex)+base64(0x01 || public key)`;
//   - c2sp.org/tlog-cosignature: a witness's timestamped Ed25519 signature (type 0x04) over
//     "cosignature/v1\ntime T\n" followed by the checkpoint text; its signature bytes are
//     keyID || u64 big-endian T || signature.
// Pure apart from node:crypto; reading key files is the caller's (loadSigner / loadVerifier).
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import { HASH_SIZE, toHex, type Hash } from "./merkle.ts";

export type CheckpointErrorCode =
  | "malformed_note" // not a signed note: no blank line before signatures, bad signature line, control characters
  | "malformed_checkpoint" // the note text is not origin, size, root hash (and extension lines)
  | "bad_key" // a signer or verifier key that cannot be read
  | "no_signature" // no signature by the expected key
  | "bad_signature" // a signature by the expected key that does not verify
  | "origin_mismatch"; // a checkpoint of another log

export class CheckpointError extends Error {
  constructor(
    readonly code: CheckpointErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The body of a checkpoint: what the log commits to. */
export interface Checkpoint {
  origin: string;
  size: number;
  root: Hash;
  /** Extension lines (without newlines), empty for Warden's own. */
  extensions: string[];
}

/** Signature types of c2sp.org/signed-note used here. */
export const ED25519 = 0x01;
export const COSIGNATURE_V1 = 0x04;
export type SignatureType = typeof ED25519 | typeof COSIGNATURE_V1;

// --- checkpoint text --------------------------------------------------------------------------

const STD_B64 = /^[A-Za-z0-9+/]*={0,2}$/;

function b64decode(s: string, what: string, code: CheckpointErrorCode): Buffer {
  const b = Buffer.from(s, "base64");
  if (!STD_B64.test(s) || b.toString("base64") !== s) throw new CheckpointError(code, `${what} is not canonical standard base64`);
  return b;
}

/** The note text of a checkpoint (ends with a newline). */
export function formatCheckpoint(c: Checkpoint): string {
  if (!c.origin || /[\n\r]/.test(c.origin)) throw new CheckpointError("malformed_checkpoint", "the origin must be one non-empty line");
  if (!Number.isSafeInteger(c.size) || c.size < 0) throw new CheckpointError("malformed_checkpoint", `tree size must be a whole number, got ${c.size}`);
  if (c.root.length !== HASH_SIZE) throw new CheckpointError("malformed_checkpoint", "the root hash must be 32 bytes");
  for (const e of c.extensions) if (!e || /\n/.test(e)) throw new CheckpointError("malformed_checkpoint", "extension lines must be non-empty single lines");
  return [c.origin, String(c.size), Buffer.from(c.root).toString("base64"), ...c.extensions].map((l) => `${l}\n`).join("");
}

/** Parses a checkpoint's note text (as formatCheckpoint writes it). */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith("\n")) throw new CheckpointError("malformed_checkpoint", "a checkpoint ends with a newline");
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3) throw new CheckpointError("malformed_checkpoint", "a checkpoint has at least three lines: origin, tree size, root hash");
  const [origin, size, root, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin === "") throw new CheckpointError("malformed_checkpoint", "the origin line is empty");
  if (!/^(0|[1-9][0-9]*)$/.test(size) || !Number.isSafeInteger(Number(size))) throw new CheckpointError("malformed_checkpoint", `the tree size line ${JSON.stringify(size)} is not a decimal number`);
  const hash = b64decode(root, "the root hash line", "malformed_checkpoint");
  if (hash.length !== HASH_SIZE) throw new CheckpointError("malformed_checkpoint", `the root hash is ${hash.length} bytes, not 32`);
  for (const e of extensions) if (e === "") throw new CheckpointError("malformed_checkpoint", "an extension line is empty");
  return { origin, size: Number(size), root: hash, extensions };
}

// --- signed notes -----------------------------------------------------------------------------

export interface NoteSignature {
  name: string;
  /** The 4-byte key ID, as a number (big-endian uint32). */
  keyId: number;
  /** What the key signed, after the key ID. */
  signature: Buffer;
}

export interface Note {
  /** The signed text, with its final newline. */
  text: string;
  signatures: NoteSignature[];
}

const MAX_SIGNATURES = 100;

function checkName(name: string): void {
  if (!name || /[\s+\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u.test(name)) {
    throw new CheckpointError("bad_key", `key name ${JSON.stringify(name)} must be non-empty, without spaces or '+'`);
  }
}

/** Parses a signed note; checks its form, not its signatures. */
export function parseNote(note: string): Note {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) throw new CheckpointError("malformed_note", "a signed note holds no control characters but newlines");
  if (!note.endsWith("\n")) throw new CheckpointError("malformed_note", "a signed note ends with a newline");
  const split = note.lastIndexOf("\n\n");
  if (split < 0) throw new CheckpointError("malformed_note", "no blank line separates the text from the signatures");
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) throw new CheckpointError("malformed_note", `more than ${MAX_SIGNATURES} signatures`);
  const signatures = lines.map((line, i) => {
    const m = /^\u2014 (\S+) (\S+)$/u.exec(line);
    if (!m) throw new CheckpointError("malformed_note", `signature line ${i + 1} is not "— NAME SIGNATURE"`);
    const name = m[1]!;
    if (name.includes("+")) throw new CheckpointError("malformed_note", `signature line ${i + 1}: the key name holds '+'`);
    const bytes = b64decode(m[2]!, `signature line ${i + 1}`, "malformed_note");
    if (bytes.length < 5) throw new CheckpointError("malformed_note", `signature line ${i + 1} is too short`);
    return { name, keyId: bytes.readUInt32BE(0), signature: bytes.subarray(4) };
  });
  return { text, signatures };
}

/** A signature line (with its newline). */
export function signatureLine(s: NoteSignature): string {
  const id = Buffer.alloc(4);
  id.writeUInt32BE(s.keyId);
  return `\u2014 ${s.name} ${Buffer.concat([id, s.signature]).toString("base64")}\n`;
}

export function formatNote(n: Note): string {
  return `${n.text}\n${n.signatures.map(signatureLine).join("")}`;
}

// --- keys -------------------------------------------------------------------------------------

/** SHA-256(name || 0x0A || type || public key)[:4], as a big-endian uint32. */
export function keyIdOf(name: string, type: SignatureType, publicKey: Uint8Array): number {
  return createHash("sha256").update(name).update(Buffer.from([0x0a, type])).update(publicKey).digest().readUInt32BE(0);
}

export interface Verifier {
  name: string;
  type: SignatureType;
  keyId: number;
  /** The raw 32-byte Ed25519 public key. */
  publicKey: Buffer;
  key: KeyObject;
}

export interface Signer extends Verifier {
  privateKey: KeyObject;
}

function rawPublic(key: KeyObject): Buffer {
  const jwk = key.export({ format: "jwk" }) as { crv?: string; x?: string };
  if (jwk.crv !== "Ed25519" || !jwk.x) throw new CheckpointError("bad_key", "not an Ed25519 key");
  return Buffer.from(jwk.x, "base64url");
}

function publicFromRaw(raw: Buffer): KeyObject {
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" });
}

/** A signer from an Ed25519 private key. */
export function signerOf(name: string, privateKey: KeyObject, type: SignatureType = ED25519): Signer {
  checkName(name);
  if (privateKey.asymmetricKeyType !== "ed25519") throw new CheckpointError("bad_key", "checkpoint keys are Ed25519 keys");
  const key = createPublicKey(privateKey);
  const publicKey = rawPublic(key);
  return { name, type, keyId: keyIdOf(name, type, publicKey), publicKey, key, privateKey };
}

/** A verifier from a public key (KeyObject or the raw 32 bytes). */
export function verifierOf(name: string, publicKey: KeyObject | Buffer, type: SignatureType = ED25519): Verifier {
  checkName(name);
  const key = Buffer.isBuffer(publicKey) ? publicFromRaw(publicKey) : publicKey;
  if (key.asymmetricKeyType !== "ed25519") throw new CheckpointError("bad_key", "checkpoint keys are Ed25519 keys");
  const raw = rawPublic(key);
  return { name, type, keyId: keyIdOf(name, type, raw), publicKey: raw, key };
}

/** The verifier key text: `NAME+KEYID+base64(type || public key)`. */
export function verifierKey(v: Verifier): string {
  return `${v.name}+${v.keyId.toString(16).padStart(8, "0")}+${Buffer.concat([Buffer.from([v.type]), v.publicKey]).toString("base64")}`;
}

/** Parses a verifier key text; its key ID must be the one its name and key give. */
export function parseVerifierKey(text: string): Verifier {
  const parts = text.trim().split("+");
  // The base64 part may itself hold '+': the name has none, the ID is 8 hex digits.
  if (parts.length < 3) throw new CheckpointError("bad_key", "a verifier key is NAME+KEYID+KEY");
  const [name, id] = parts as [string, string];
  const b = b64decode(parts.slice(2).join("+"), "the verifier key", "bad_key");
  if (!/^[0-9a-f]{8}$/.test(id)) throw new CheckpointError("bad_key", `key ID ${JSON.stringify(id)} is not 8 hex digits`);
  const type = b[0];
  if ((type !== ED25519 && type !== COSIGNATURE_V1) || b.length !== 33) throw new CheckpointError("bad_key", "only Ed25519 verifier keys (type 0x01 or 0x04, 32 bytes) are supported");
  const v = verifierOf(name, b.subarray(1), type);
  if (v.keyId !== parseInt(id, 16)) throw new CheckpointError("bad_key", `key ID ${id} is not the ID of key ${name} (${v.keyId.toString(16).padStart(8, "0")})`);
  return v;
}

const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/** The signer key text as Go's golang.org/x/mod/sumdb/note writes it: `PRIVATE+KEY+NAME+KEYID+base64(type || seed)`. */
export function signerKey(s: Signer): string {
  const der = s.privateKey.export({ format: "der", type: "pkcs8" });
  const seed = der.subarray(der.length - 32);
  return `PRIVATE+KEY+${s.name}+${s.keyId.toString(16).padStart(8, "0")}+${Buffer.concat([Buffer.from([s.type]), seed]).toString("base64")}`;
}

export interface GeneratedKey {
  signer: Signer;
  /** PKCS#8 PEM of the private key. */
  privatePem: string;
  /** SPKI PEM of the public key. */
  publicPem: string;
  /** `PRIVATE+KEY+NAME+...` */
  signerKey: string;
  /** `NAME+KEYID+...` */
  verifierKey: string;
}

/** A new Ed25519 key for signing checkpoints (type 0x01) or cosigning them (type 0x04). */
export function generateKey(name: string, type: SignatureType = ED25519): GeneratedKey {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const signer = signerOf(name, privateKey, type);
  return {
    signer,
    privatePem: privateKey.export({ format: "pem", type: "pkcs8" }) as string,
    publicPem: publicKey.export({ format: "pem", type: "spki" }) as string,
    signerKey: signerKey(signer),
    verifierKey: verifierKey(signer),
  };
}

/**
 * A signer from the text of a key file: a `PRIVATE+KEY+NAME+ID+...` signer key (its name is the
 * key's), or a PKCS#8 PEM Ed25519 private key (then `name` is required).
 */
export function loadSigner(text: string, name?: string, type: SignatureType = ED25519): Signer {
  const t = text.trim();
  if (t.startsWith("PRIVATE+KEY+")) {
    const parts = t.split("+");
    if (parts.length < 5) throw new CheckpointError("bad_key", "a signer key is PRIVATE+KEY+NAME+KEYID+KEY");
    const [, , keyName, id] = parts as [string, string, string, string];
    const b = b64decode(parts.slice(4).join("+"), "the signer key", "bad_key");
    if (b.length !== 33 || (b[0] !== ED25519 && b[0] !== COSIGNATURE_V1)) throw new CheckpointError("bad_key", "only Ed25519 signer keys are supported");
    const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, b.subarray(1)]), format: "der", type: "pkcs8" });
    const s = signerOf(name ?? keyName, privateKey, b[0] as SignatureType);
    if (name === undefined && s.keyId !== parseInt(id, 16)) throw new CheckpointError("bad_key", `key ID ${id} is not the ID of signer key ${keyName}`);
    return s;
  }
  if (t.includes("-----BEGIN")) {
    if (!name) throw new CheckpointError("bad_key", "a PEM key has no name: give the key name (the origin)");
    let key: KeyObject;
    try {
      key = createPrivateKey(t);
    } catch (e) {
      throw new CheckpointError("bad_key", `not a private key: ${(e as Error).message}`);
    }
    return signerOf(name, key, type);
  }
  throw new CheckpointError("bad_key", "a signer key file holds PRIVATE+KEY+... or a PEM private key");
}

/** A verifier from text: a verifier key `NAME+ID+KEY`, or a PEM public key (then `name` is required). */
export function loadVerifier(text: string, name?: string, type: SignatureType = ED25519): Verifier {
  const t = text.trim();
  if (t.includes("-----BEGIN")) {
    if (!name) throw new CheckpointError("bad_key", "a PEM key has no name: give the key name (the origin)");
    let key: KeyObject;
    try {
      key = createPublicKey(t);
    } catch (e) {
      throw new CheckpointError("bad_key", `not a public key: ${(e as Error).message}`);
    }
    return verifierOf(name, key, type);
  }
  return parseVerifierKey(t);
}

// --- signing and verifying --------------------------------------------------------------------

/** Signs note text: the signature line's parts. */
export function signText(text: string, signer: Signer): NoteSignature {
  if (signer.type !== ED25519) throw new CheckpointError("bad_key", `key ${signer.name} is a cosigning key (type 0x04), not a checkpoint key`);
  return { name: signer.name, keyId: signer.keyId, signature: sign(null, Buffer.from(text, "utf8"), signer.privateKey) };
}

/** A checkpoint as a signed note, signed by the log's key. */
export function signCheckpoint(c: Checkpoint, signer: Signer): string {
  const text = formatCheckpoint(c);
  return formatNote({ text, signatures: [signText(text, signer)] });
}

function findSignatures(note: Note, v: Verifier): NoteSignature[] {
  return note.signatures.filter((s) => s.name === v.name && s.keyId === v.keyId);
}

export interface OpenedCheckpoint extends Checkpoint {
  /** The note text that was signed. */
  text: string;
  note: Note;
}

/**
 * Parses and verifies a signed checkpoint: a signature by the log's key must verify (signatures
 * by other keys are ignored, as signed-note says). With `origin`, the checkpoint must be that
 * log's. Throws CheckpointError with a code saying why not.
 */
export function openCheckpoint(noteText: string, log: Verifier, origin?: string): OpenedCheckpoint {
  const note = parseNote(noteText);
  const sigs = findSignatures(note, log);
  if (sigs.length === 0) throw new CheckpointError("no_signature", `the checkpoint is not signed by key ${log.name} (${log.keyId.toString(16).padStart(8, "0")})`);
  for (const s of sigs) {
    if (!verify(null, Buffer.from(note.text, "utf8"), log.key, s.signature)) throw new CheckpointError("bad_signature", `the signature of ${log.name} on the checkpoint does not verify: the checkpoint was altered or forged`);
  }
  const c = parseCheckpoint(note.text);
  if (origin !== undefined && c.origin !== origin) throw new CheckpointError("origin_mismatch", `the checkpoint is of log ${JSON.stringify(c.origin)}, not ${JSON.stringify(origin)}`);
  return { ...c, text: note.text, note };
}

/** Parses a signed checkpoint without checking any signature (for tools that only read it). */
export function readCheckpointUnverified(noteText: string): OpenedCheckpoint {
  const note = parseNote(noteText);
  return { ...parseCheckpoint(note.text), text: note.text, note };
}

// --- cosignatures (c2sp.org/tlog-cosignature) -------------------------------------------------

function cosignedMessage(text: string, time: bigint): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${time}\n${text}`, "utf8");
}

/** A witness's cosignature on checkpoint text, at `time` (seconds since the epoch). */
export function cosign(text: string, witness: Signer, time: number | bigint): NoteSignature {
  if (witness.type !== COSIGNATURE_V1) throw new CheckpointError("bad_key", `key ${witness.name} is not a cosigning key (type 0x04)`);
  const t = BigInt(time);
  if (t < 0n || t > 2n ** 63n - 1n) throw new CheckpointError("bad_key", "a cosignature's time is 0 .. 2^63-1");
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(t);
  return { name: witness.name, keyId: witness.keyId, signature: Buffer.concat([ts, sign(null, cosignedMessage(text, t), witness.privateKey)]) };
}

/** Adds signature lines to a signed note. */
export function addSignatures(noteText: string, sigs: readonly NoteSignature[]): string {
  const note = parseNote(noteText);
  return formatNote({ text: note.text, signatures: [...note.signatures, ...sigs] });
}

/** Verifies a witness's cosignature on a signed checkpoint; returns its time (seconds). */
export function verifyCosignature(noteText: string, witness: Verifier): number {
  if (witness.type !== COSIGNATURE_V1) throw new CheckpointError("bad_key", `key ${witness.name} is not a cosigning key (type 0x04)`);
  const note = parseNote(noteText);
  const sigs = findSignatures(note, witness);
  if (sigs.length === 0) throw new CheckpointError("no_signature", `the checkpoint carries no cosignature of ${witness.name}`);
  let time = 0;
  for (const s of sigs) {
    if (s.signature.length !== 8 + 64) throw new CheckpointError("bad_signature", `the cosignature of ${witness.name} is not timestamp and Ed25519 signature`);
    const t = s.signature.readBigUInt64BE(0);
    if (!verify(null, cosignedMessage(note.text, t), witness.key, s.signature.subarray(8))) throw new CheckpointError("bad_signature", `the cosignature of ${witness.name} does not verify`);
    time = Number(t);
  }
  return time;
}

/** A one-line description of a checkpoint, for messages. */
export function describeCheckpoint(c: Checkpoint): string {
  return `${c.origin} size ${c.size} root ${toHex(c.root)}`;
}
