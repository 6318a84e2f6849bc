// `warden audit verify|show|export` as a user runs them (node bin/warden.mjs), on a SQLite file;
// including a byte of one record flipped inside the database file on disk.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/log.ts";
import type { AuditRecord } from "../../src/schemas/types.ts";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");

function warden(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(ROOT, "bin/warden.mjs"), ...args], { cwd: ROOT, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), "warden-audit-cli-"));
const store = join(dir, "warden.db");
const records: AuditRecord[] = [];

beforeAll(async () => {
  const log = await AuditLog.open(store);
  for (let i = 1; i <= 20; i++) {
    records.push(
      await log.append(
        i % 2
          ? { type: "intent", action_id: `act-${i}`, executed: { action: "refund.issue", parameters: { amount: i } }, details: { note: `marker-${String(i).padStart(4, "0")}` } }
          : { type: "outcome", action_id: `act-${i - 1}`, status: "succeeded", details: { note: `marker-${String(i).padStart(4, "0")}` } },
      ),
    );
  }
  await log.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each run starts node and tsx: seconds on a busy machine.
describe("warden audit", { timeout: 300_000 }, () => {
  it("verify passes on an intact store and prints its head", async () => {
    const r = await warden(["audit", "verify", "--store", store]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("ok: 20 record(s) verified");
    expect(r.stdout).toContain(`head: 20:${records[19]!.hash}`);
  });

  it("show prints one record, filtered lists and JSON lines; export writes JSONL that verifies on its own", async () => {
    const one = await warden(["audit", "show", "3", "--store", store]);
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toEqual(JSON.parse(JSON.stringify(records[2])));
    const byId = await warden(["audit", "show", records[4]!.id, "--json"], { WARDEN_STORE: store });
    expect(JSON.parse(byId.stdout).seq).toBe(5);
    const list = await warden(["audit", "show", "--store", store, "--action", "act-3"]);
    expect(list.stdout.trim().split("\n")).toHaveLength(2);
    expect(list.stdout).toMatch(/^ +3 .* intent +act-3 +refund\.issue/m);
    expect(list.stdout).toMatch(/^ +4 .* outcome +act-3 +succeeded/m);
    const json = await warden(["audit", "show", "--store", store, "--type", "outcome", "--limit", "3", "--reverse", "--json"]);
    expect(json.stdout.trim().split("\n").map((l) => JSON.parse(l).seq)).toEqual([20, 18, 16]);
    const missing = await warden(["audit", "show", "999", "--store", store]);
    expect(missing.code).toBe(1);
    const out = join(dir, "export.jsonl");
    const exp = await warden(["audit", "export", "--store", store, "-o", out]);
    expect(exp.code).toBe(0);
    const lines = readFileSync(out, "utf8").trim().split("\n");
    expect(lines).toHaveLength(20);
    expect(JSON.parse(lines[0]!)).toEqual(JSON.parse(JSON.stringify(records[0])));
    expect((await warden(["audit", "verify", "--file", out, "--expect-head", records[19]!.hash])).code).toBe(0);
    writeFileSync(out, lines.filter((_, i) => i !== 9).join("\n"));
    const cut = await warden(["audit", "verify", "--file", out]);
    expect(cut.code).toBe(1);
    expect(cut.stdout).toContain("first bad record: seq 10");
  });

  it("usage: --help for the command and its subcommands, exit 2 on mistakes", async () => {
    const helps = await Promise.all([[], ["verify"], ["show"], ["export"]].map((sub) => warden(["audit", ...sub, "--help"])));
    for (const h of helps) {
      expect(h.code).toBe(0);
      expect(h.stdout).toContain("warden audit verify [--store URL]");
    }
    const mistakes = await Promise.all([
      warden(["audit"]),
      warden(["audit", "verify", "--limit", "3", "--store", store]),
      warden(["audit", "show", "--store", join(dir, "nothing.db")]),
      warden(["audit", "verify", "--store", store, "--expect-head", "xyz"]),
    ]);
    expect(mistakes.map((m) => m.code)).toEqual([2, 2, 2, 2]);
  });

  it("verify exits 1 naming the record whose bytes were edited inside the SQLite file", async () => {
    expect(existsSync(`${store}-wal`) ? readFileSync(`${store}-wal`).length : 0).toBe(0);
    const bytes = readFileSync(store);
    // SQLite may keep stale copies of a cell in free space after a page split; edit every copy so
    // the live one is among them (marker-0007 -> marker-0008, one byte each).
    let edited = 0;
    for (let at = bytes.indexOf("marker-0007"); at >= 0; at = bytes.indexOf("marker-0007", at + 1)) {
      bytes[at + "marker-000".length] = "8".charCodeAt(0);
      edited++;
    }
    expect(edited).toBeGreaterThan(0);
    writeFileSync(store, bytes);
    const r = await warden(["audit", "verify", "--store", store]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`first bad record: seq 7 (id ${records[6]!.id}): hash_mismatch`);
    expect(r.stdout).toContain("6 record(s) before it verified");
    const j = await warden(["audit", "verify", "--store", store, "--json"]);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, records: 6, firstBad: { seq: 7, id: records[6]!.id, reason: "hash_mismatch" } });
  });
});
