// A running governor signs checkpoints of the audit tree (deployment checkpoint_* settings): every
// N records, once at open and once at dispose, to a directory outside the store; the store agrees
// with every one. A store rewritten behind the governor's back is refused at the next checkpoint,
// and from then on nothing runs (store_rewritten), on SQLite and PostgreSQL.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/index.ts";
import { generateKey, openCheckpoint } from "../../src/audit/checkpoint.ts";
import { verifyStore } from "../../src/audit/consistency.ts";
import { sha256 } from "../../src/audit/chain.ts";
import { canonicalJSON } from "../../src/canonical-json.ts";
import { DeploymentError, openCheckpointer, readConfig, resolveDeployment } from "../../src/governance/deployment.ts";
import { Governor } from "../../src/governance/governor.ts";
import { Evaluator } from "../../src/evaluator/evaluator.ts";
import { MemoryStateStore } from "../../src/rollback/index.ts";
import { backends } from "../audit/backends.ts";
import { policyBundle, request, seedDirectory } from "./fixture.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "warden-cp-"));
const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closing.splice(0).reverse()) await c();
});

const KEY = generateKey("example.com/warden-audit");

function deployment(dir: string, store: string, extra: Record<string, unknown> = {}) {
  const keyFile = join(dir, "audit.key");
  writeFileSync(keyFile, KEY.signerKey, { mode: 0o600 });
  const file = join(dir, "warden.yaml");
  const lines = { store, revision: "r1", checkpoint_key: "audit.key", checkpoint_dir: "checkpoints", checkpoint_every_records: 5, ...extra };
  writeFileSync(file, Object.entries(lines).map(([k, v]) => `${k}: ${typeof v === "string" ? JSON.stringify(v) : v}`).join("\n"));
  return resolveDeployment({}, file);
}

async function governorOn(store: string, dir: string, errors: unknown[]) {
  const d = deployment(dir, store);
  const audit = await AuditLog.open(d.store);
  await seedDirectory(audit);
  const checkpointer = openCheckpointer(d, audit)!;
  const evaluator = await Evaluator.load({ bytes: await policyBundle() }, { allowUnsigned: true });
  const gov = await Governor.open({ evaluator, audit, state: new MemoryStateStore(), checkpointer, onCheckpointError: (e) => errors.push(e) });
  return { gov, audit, checkpoints: join(dir, "checkpoints") };
}

const signed = (dir: string) =>
  readdirSync(dir)
    .filter((f) => /^checkpoint\.\d+$/.test(f))
    .map((f) => openCheckpoint(readFileSync(join(dir, f), "utf8"), KEY.signer))
    .sort((a, b) => a.size - b.size);

const settle = () => new Promise((r) => setTimeout(r, 50));

describe("checkpoint settings", () => {
  it("are read from warden.yaml with paths relative to it, and refused when they cannot work", () => {
    const dir = tmp();
    const d = deployment(dir, "sqlite:w.db", { checkpoint_every_seconds: 30 });
    expect(d.checkpoint_key).toBe(join(dir, "audit.key"));
    expect(d.checkpoint_dir).toBe(join(dir, "checkpoints"));
    expect([d.checkpoint_every_records, d.checkpoint_every_seconds]).toEqual([5, 30]);
    writeFileSync(join(dir, "bad.yaml"), "checkpoint_every_records: 0\n");
    expect(() => readConfig(join(dir, "bad.yaml"))).toThrow(/checkpoint_every_records: a whole number above 0, not 0/);
    writeFileSync(join(dir, "bad.yaml"), "checkpoint_every_seconds: soon\n");
    expect(() => readConfig(join(dir, "bad.yaml"))).toThrow(/a whole number above 0/);
    const audit = { db: undefined } as unknown as AuditLog;
    expect(() => openCheckpointer({ ...d, checkpoint_dir: undefined }, audit)).toThrow(/checkpoints go nowhere/);
    expect(() => openCheckpointer({ ...d, checkpoint_key: undefined }, audit)).toThrow(DeploymentError);
    writeFileSync(join(dir, "audit.key"), "not a key");
    expect(() => openCheckpointer(d, audit)).toThrow(/the checkpoint key .*audit\.key/);
  });
});

for (const backend of backends()) {
  describe.skipIf(backend.skip)(`a governor's checkpoints on ${backend.name}`, { timeout: 120_000 }, () => {
    it("are signed every N records, at open and at dispose, and the store agrees with each", async () => {
      const dir = tmp();
      const errors: unknown[] = [];
      const url = await backend.fresh();
      const { gov, audit, checkpoints } = await governorOn(url, dir, errors);
      expect(signed(checkpoints).map((c) => c.size)).toEqual([await audit.count()]); // at open: the seeded directory
      for (let i = 0; i < 12; i++) {
        const out = await gov.execute(request("order.lookup", { order: `A-${i}` }), async () => ({ output: { found: true } }));
        expect(out.status).toBe("executed");
        await settle();
      }
      const sizes = signed(checkpoints).map((c) => c.size);
      expect(errors).toEqual([]);
      expect(sizes.length).toBeGreaterThanOrEqual(4); // open, and at least every 5 of ~36 records
      expect(sizes).toEqual([...new Set(sizes)].sort((a, b) => a - b));
      const total = await audit.count();
      // dispose signs what is left; the store agrees with every checkpoint.
      await gov.dispose();
      const again = await AuditLog.open(url);
      closing.push(() => again.close());
      const all = signed(checkpoints);
      expect(all.at(-1)!.size).toBe(total);
      const v = await verifyStore(again.db, all);
      expect(v).toMatchObject({ ok: true, agreed: all.length, records: total });
      expect(errors).toEqual([]);
    });

    it("refuse a store rewritten behind the governor's back, and then nothing runs", async () => {
      const dir = tmp();
      const errors: unknown[] = [];
      const url = await backend.fresh();
      const { gov, audit } = await governorOn(url, dir, errors);
      closing.push(() => gov.dispose());
      for (let i = 0; i < 6; i++) await gov.execute(request("order.lookup", { order: `A-${i}` }), async () => ({}));
      await settle();
      // An insider edits an early record and recomputes the chain, head and tree.
      const rows = await audit.db.query<{ seq: number; body: string }>("SELECT seq, body FROM audit_records ORDER BY seq");
      const victim = rows.find((r) => JSON.parse(r.body).type === "decision")!.seq;
      let prev = JSON.parse(rows[0]!.body).prev_hash;
      for (const r of rows) {
        const rec = JSON.parse(r.body);
        rec.prev_hash = prev;
        if (r.seq === victim) rec.details = { ...rec.details, forged: true };
        const body = canonicalJSON(rec);
        prev = sha256(body);
        await audit.db.run("UPDATE audit_records SET body = $1, hash = $2 WHERE seq = $3", [body, prev, r.seq]);
      }
      await audit.db.run("UPDATE audit_head SET hash = $1 WHERE one = 1", [prev]);
      await audit.db.run("DELETE FROM audit_tree");
      expect((await audit.verify()).ok).toBe(true); // the chain alone cannot tell
      let ran = 0;
      let refused: unknown;
      for (let i = 0; i < 8 && !refused; i++) {
        const out = await gov.execute(request("order.lookup", { order: `B-${i}` }), async () => void ran++);
        if (out.status === "refused") refused = out;
        await settle();
      }
      expect(refused).toMatchObject({ status: "refused", code: "store_rewritten" });
      expect(errors.some((e) => (e as Error).message.includes("not an extension"))).toBe(true);
      const before = ran;
      const out = await gov.execute(request("order.lookup", { order: "C" }), async () => void ran++);
      expect(out).toMatchObject({ status: "refused", code: "store_rewritten" });
      expect(ran).toBe(before);
      expect(existsSync(join(dir, "checkpoints", "checkpoint"))).toBe(true);
      // A governor opened later on the same store and checkpoint directory refuses from the start.
      const later = await governorOn(url, dir, errors);
      closing.push(() => later.gov.dispose());
      expect(await later.gov.execute(request("order.lookup", { order: "D" }), async () => void ran++)).toMatchObject({ status: "refused", code: "store_rewritten" });
      expect(ran).toBe(before);
    });
  });
}
