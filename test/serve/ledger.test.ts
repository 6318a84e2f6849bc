// The audit trail's tree over HTTP: the head (unsigned, or a signed C2SP checkpoint when the
// service holds a key), inclusion proofs of every record and consistency proofs between sizes,
// each checked here with the Merkle verifier against the roots the service gave; receipts that
// verify offline; bounded refusals of bad sizes. And the directory, read by an admin.
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKey, loadVerifier, openCheckpoint } from "../../src/audit/checkpoint.ts";
import { fromHex, leafHash, verifyConsistency, verifyInclusion } from "../../src/audit/merkle.ts";
import { verifyReceipt } from "../../src/audit/receipt.ts";
import { lookup, serve, type Served } from "./fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "warden-serve-ledger-"));
const key = generateKey("warden.test/log");
let s: Served;
const actions: string[] = [];

beforeAll(async () => {
  s = await serve(`sqlite:${join(dir, "w.db")}`, { checkpointSigner: key.signer });
  for (let i = 0; i < 3; i++) actions.push((await s.call("support-bot-1", "POST", "/v1/actions", { request: lookup(`A-${i}`) })).body.action_id);
});
afterAll(async () => {
  await s.close();
});

describe("audit checkpoint and proofs over HTTP", () => {
  it("the signed head verifies with the log's key; every record's inclusion proof leads to its root", async () => {
    const head = await s.call("auditor", "GET", "/v1/audit/checkpoint");
    expect(head.status).toBe(200);
    expect(head.body).toMatchObject({ origin: "warden.test/log", signed: true });
    const opened = openCheckpoint(head.body.checkpoint, loadVerifier(key.verifierKey));
    expect(opened.size).toBe(head.body.size);
    expect(Buffer.from(opened.root).toString("hex")).toBe(head.body.root);
    expect(head.body.size).toBeGreaterThanOrEqual(3);
    for (let seq = 1; seq <= head.body.size; seq++) {
      const p = await s.call("auditor", "GET", `/v1/audit/proofs/inclusion/${seq}?tree_size=${head.body.size}`);
      expect(p.status).toBe(200);
      expect(p.body.root).toBe(head.body.root);
      expect(createHash("sha256").update(p.body.body).digest("hex")).toBe(p.body.record_hash);
      expect(() => verifyInclusion(seq - 1, head.body.size, leafHash(p.body.body), p.body.proof.map(fromHex), opened.root)).not.toThrow();
    }
  });

  it("the tree grows consistently: the old head's root is a prefix of the new one's", async () => {
    const old = (await s.call("auditor", "GET", "/v1/audit/checkpoint")).body;
    actions.push((await s.call("support-bot-1", "POST", "/v1/actions", { request: lookup("B-1") })).body.action_id);
    const now = (await s.call("auditor", "GET", "/v1/audit/checkpoint")).body;
    expect(now.size).toBeGreaterThan(old.size);
    const c = await s.call("ops", "GET", `/v1/audit/proofs/consistency?old=${old.size}&new=${now.size}`);
    expect(c.status).toBe(200);
    expect([c.body.old_root, c.body.new_root]).toEqual([old.root, now.root]);
    expect(() => verifyConsistency(old.size, now.size, fromHex(old.root), fromHex(now.root), c.body.proof.map(fromHex))).not.toThrow();
    // A proof to another root is refused by the same verifier: the test can fail.
    expect(() => verifyConsistency(old.size, now.size, fromHex(now.root), fromHex(now.root), c.body.proof.map(fromHex))).toThrow();
  });

  it("a receipt of a governed action verifies offline against the checkpoint it carries", async () => {
    const r = await s.call("auditor", "GET", `/v1/audit/receipts/${actions[0]}`);
    expect(r.status).toBe(200);
    expect(r.body.record.inclusion).toBeDefined();
    const check = verifyReceipt(r.body, openCheckpoint(r.body.checkpoint, loadVerifier(key.verifierKey)));
    expect(check.action_id).toBe(actions[0]);
  });

  it("bad sizes and unknown actions are bounded, coded refusals", async () => {
    const size = (await s.call("auditor", "GET", "/v1/audit/checkpoint")).body.size as number;
    expect((await s.call("auditor", "GET", "/v1/audit/proofs/inclusion/0")).body.code).toBe("beyond_tree");
    expect((await s.call("auditor", "GET", `/v1/audit/proofs/inclusion/${size + 50}`)).status).toBe(404);
    expect((await s.call("auditor", "GET", `/v1/audit/proofs/inclusion/1?tree_size=${size + 50}`)).status).toBe(404);
    expect((await s.call("auditor", "GET", "/v1/audit/proofs/inclusion/abc")).body.code).toBe("input_invalid");
    expect((await s.call("auditor", "GET", "/v1/audit/proofs/inclusion/1?tree_size=1e9")).status).toBe(400);
    expect((await s.call("auditor", "GET", "/v1/audit/proofs/consistency?old=3&new=2")).status).toBe(400);
    expect((await s.call("auditor", "GET", "/v1/audit/proofs/consistency?old=1")).status).toBe(400);
    expect((await s.call("auditor", "GET", `/v1/audit/proofs/consistency?old=1&new=${size + 50}`)).status).toBe(404);
    expect((await s.call("auditor", "GET", "/v1/audit/receipts/no-such-action")).status).toBe(404);
  });
});

describe("without a checkpoint key", () => {
  it("the head is unsigned and receipts carry no inclusion proof", async () => {
    const t = await serve(`sqlite:${join(dir, "unsigned.db")}`);
    try {
      const id = (await t.call("support-bot-1", "POST", "/v1/actions", { request: lookup() })).body.action_id;
      const head = await t.call("auditor", "GET", "/v1/audit/checkpoint");
      expect(head.body).toMatchObject({ signed: false });
      expect(head.body.checkpoint).toBeUndefined();
      const r = await t.call("auditor", "GET", `/v1/audit/receipts/${id}`);
      expect(r.status).toBe(200);
      expect(r.body.record.inclusion).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});

describe("the principals directory", () => {
  it("an admin lists and shows principals with their roles; an unknown one is 404", async () => {
    const list = await s.call("admin", "GET", "/v1/principals");
    expect(list.status).toBe(200);
    expect(list.body.principals.find((p: { id: string }) => p.id === "lena")).toMatchObject({ kind: "user", roles: ["support-lead", "warden:reviewer"] });
    expect((await s.call("admin", "GET", "/v1/principals/carla")).body.principal).toMatchObject({ id: "carla", roles: ["cfo"] });
    expect((await s.call("admin", "GET", "/v1/principals/nobody")).status).toBe(404);
  });
});
