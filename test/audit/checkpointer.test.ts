// Periodic checkpoints (src/audit/checkpointer.ts): every N records or T seconds, written to a
// directory and POSTed; a checkpointer restarted from its directory keeps its memory; a store
// whose tree was rewritten since the last checkpoint is refused, not signed.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/log.ts";
import { generateKey, openCheckpoint } from "../../src/audit/checkpoint.ts";
import { CheckpointRefused, Checkpointer } from "../../src/audit/checkpointer.ts";
import { syncTree } from "../../src/audit/tree.ts";

const open: AuditLog[] = [];
afterEach(async () => {
  for (const l of open.splice(0)) await l.close();
});

it("every N records or T seconds, to a directory and a URL; refuses a rewritten tree", async () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-checkpointer-"));
  const log = await AuditLog.open(join(dir, "w.db"));
  open.push(log);
  const key = generateKey("example.com/log");
  let clock = 0;
  const posted: string[] = [];
  const cps = join(dir, "cps");
  const c = new Checkpointer({ db: log.db, signer: key.signer, dir: cps, url: "http://witness.invalid/add", everyRecords: 5, everySeconds: 60, now: () => clock, post: async (_u, note) => void posted.push(note) });
  const sizes: number[] = [];
  for (let i = 1; i <= 12; i++) {
    await log.append({ type: "decision", action_id: `a${i}`, details: { i } });
    const w = await c.appended();
    if (w) sizes.push(w.size);
  }
  expect(sizes).toEqual([5, 10]);
  clock += 61_000;
  await log.append({ type: "decision", action_id: "a13" });
  expect((await c.appended())?.size).toBe(13); // T seconds passed
  expect(posted).toHaveLength(3);
  expect(openCheckpoint(readFileSync(join(cps, "checkpoint"), "utf8"), key.signer).size).toBe(13);
  expect(openCheckpoint(readFileSync(join(cps, "checkpoint.5"), "utf8"), key.signer).size).toBe(5);

  // Restarted: remembers 13 from its directory; an insider rebuilds the tree over an edited record.
  const again = new Checkpointer({ db: log.db, signer: key.signer, dir: cps });
  expect(again.lastSigned?.size).toBe(13);
  const [r] = await log.db.query<{ body: string }>("SELECT body FROM audit_records WHERE seq = 3");
  await log.db.run("UPDATE audit_records SET body = $1 WHERE seq = 3", [r!.body.replace('"i":3', '"i":33')]);
  await log.db.run("DELETE FROM audit_tree");
  await syncTree(log.db);
  await expect(again.checkpoint()).rejects.toBeInstanceOf(CheckpointRefused);
});
