// Checkpoints as C2SP signed notes (src/audit/checkpoint.ts): Go's sumdb/note example note and
// keys (signed byte for byte: Ed25519 is deterministic), a real witness cosignature
// (tlog-cosignature, type 0x04) from a public CT log checkpoint, then Warden's own checkpoints:
// any changed byte, another key, another origin is refused with a code.
import { describe, expect, it } from "vitest";
import {
  COSIGNATURE_V1,
  CheckpointError,
  addSignatures,
  cosign,
  formatCheckpoint,
  generateKey,
  loadSigner,
  loadVerifier,
  openCheckpoint,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  signCheckpoint,
  signText,
  formatNote,
  verifierKey,
  verifyCosignature,
} from "../../src/audit/checkpoint.ts";
import { leafHash, toHex } from "../../src/audit/merkle.ts";

const GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

// A checkpoint of a public CT log (arche2025h1 staging) and one witness's cosignature of it.
const CT_TEXT = "arche2025h1.staging.ct.transparency.dev\n1432088532\nU7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n";
const CT_NOTE = `${CT_TEXT}\n— remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==\n`;
const REMORA_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2";

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof CheckpointError) return e.code;
    throw e;
  }
  return "ok";
};

describe("signed notes: published vectors", () => {
  it("signs Go's example note byte for byte and opens it with Go's verifier key", () => {
    const signer = loadSigner(GO_SKEY);
    expect(verifierKey(signer)).toBe(GO_VKEY);
    expect(formatNote({ text: GO_TEXT, signatures: [signText(GO_TEXT, signer)] })).toBe(GO_NOTE);
    const v = parseVerifierKey(GO_VKEY);
    expect(v.keyId.toString(16)).toBe("c74f20a3");
    expect(parseNote(GO_NOTE).text).toBe(GO_TEXT);
    // Go's text is no checkpoint; the signature still checks before the body is parsed.
    expect(code(() => openCheckpoint(GO_NOTE, v))).toBe("malformed_checkpoint");
    expect(code(() => openCheckpoint(GO_NOTE.replace("cryptography", "cryptographY"), v))).toBe("bad_signature");
  });

  it("verifies a real witness cosignature (tlog-cosignature v1) and refuses it on another checkpoint", () => {
    const witness = parseVerifierKey(REMORA_VKEY);
    expect(witness.type).toBe(COSIGNATURE_V1);
    const time = verifyCosignature(CT_NOTE, witness);
    expect(new Date(time * 1000).getUTCFullYear()).toBeGreaterThanOrEqual(2025);
    expect(parseCheckpoint(parseNote(CT_NOTE).text)).toMatchObject({ origin: "arche2025h1.staging.ct.transparency.dev", size: 1432088532 });
    expect(code(() => verifyCosignature(CT_NOTE.replace("1432088532", "1432088533"), witness))).toBe("bad_signature");
  });

  it("refuses mangled verifier keys", () => {
    for (const bad of [GO_VKEY.slice(0, -1), GO_VKEY.replace("c74f20a3", "c74f20a4"), GO_VKEY.replace("PeterNeumann", "Peter Neumann"), "PeterNeumann+c74f20a3", GO_VKEY.replace("+ARpc", "+AhRpc")]) {
      expect(code(() => parseVerifierKey(bad)), bad).toBe("bad_key");
    }
  });
});

describe("Warden checkpoints", () => {
  const log = generateKey("warden.example/audit");
  const root = leafHash("x");
  const cp = { origin: "warden.example/audit", size: 42, root, extensions: [] };

  it("round-trips: origin, size, base64 root; signed by the log key; verifier key and PEMs load", () => {
    const text = formatCheckpoint(cp);
    expect(text).toBe(`warden.example/audit\n42\n${Buffer.from(root).toString("base64")}\n`);
    const note = signCheckpoint(cp, log.signer);
    const opened = openCheckpoint(note, parseVerifierKey(log.verifierKey), "warden.example/audit");
    expect(opened).toMatchObject({ origin: cp.origin, size: 42, extensions: [] });
    expect(toHex(opened.root)).toBe(toHex(root));
    expect(loadVerifier(log.publicPem, "warden.example/audit").keyId).toBe(log.signer.keyId);
    expect(loadSigner(log.privatePem, "warden.example/audit").keyId).toBe(log.signer.keyId);
    expect(loadSigner(log.signerKey).keyId).toBe(log.signer.keyId);
    const ext = signCheckpoint({ ...cp, extensions: ["warden-time 2026-12-02T07:00:00Z"] }, log.signer);
    expect(openCheckpoint(ext, log.signer).extensions).toEqual(["warden-time 2026-12-02T07:00:00Z"]);
  });

  it("refuses any changed byte of the note, another key, another origin, malformed text", () => {
    const note = signCheckpoint(cp, log.signer);
    for (let i = 0; i < note.length; i++) {
      const ch = note[i]!;
      const changed = note.slice(0, i) + (ch === "A" ? "B" : ch === "\n" ? " " : "A") + note.slice(i + 1);
      expect(code(() => openCheckpoint(changed, log.signer)), `byte ${i}`).not.toBe("ok");
    }
    const other = generateKey("warden.example/audit");
    expect(code(() => openCheckpoint(note, other.signer))).toBe("no_signature");
    expect(code(() => openCheckpoint(note, log.signer, "elsewhere/audit"))).toBe("origin_mismatch");
    expect(code(() => parseNote("no signatures\n"))).toBe("malformed_note");
    expect(code(() => parseCheckpoint("origin\n042\nAAAA\n"))).toBe("malformed_checkpoint");
    expect(code(() => parseCheckpoint("origin\n1\nAAAA\n"))).toBe("malformed_checkpoint");
    expect(code(() => parseNote(`a\tb\n\n— x AAAAAAA=\n`))).toBe("malformed_note");
  });

  it("a witness cosigns a checkpoint; its cosignature is bound to the text and the time", () => {
    const witness = generateKey("witness.example/w1", COSIGNATURE_V1);
    const note = signCheckpoint(cp, log.signer);
    const cosigned = addSignatures(note, [cosign(parseNote(note).text, witness.signer, 1764658800)]);
    expect(verifyCosignature(cosigned, parseVerifierKey(witness.verifierKey))).toBe(1764658800);
    expect(openCheckpoint(cosigned, log.signer).size).toBe(42); // the log's signature still verifies
    const line = cosigned.trimEnd().split("\n").pop()!;
    const sig = Buffer.from(line.split(" ")[2]!, "base64");
    sig.writeBigUInt64BE(1764658801n, 4); // move the time
    const moved = cosigned.replace(line, `— witness.example/w1 ${sig.toString("base64")}`);
    expect(code(() => verifyCosignature(moved, witness.signer))).toBe("bad_signature");
    expect(code(() => cosign("x\n", log.signer, 1))).toBe("bad_key");
    expect(code(() => signCheckpoint(cp, witness.signer))).toBe("bad_key");
  });
});
