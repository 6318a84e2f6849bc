// `warden tokens` and `warden serve` as an operator runs them (node bin/warden.mjs in a working
// directory holding .warden/deployment.json): a token issued, listed without its secret, used
// against a running `warden serve --port 0`, revoked; serve stops on SIGTERM with exit 0.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/index.ts";
import { buildBundleBytes, openStore } from "../../src/bundle/index.ts";
import { writeDeployment } from "../../src/governance/deployment.ts";
import { seedDirectory } from "../governance/fixture.ts";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
const cwd = mkdtempSync(join(tmpdir(), "warden-serve-cli-"));
const env = { ...process.env };
delete env.WARDEN_STORE;

function warden(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(ROOT, "bin/warden.mjs"), ...args], { cwd, env }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  const { bytes } = await buildBundleBytes({ paths: [join(ROOT, "policy")] });
  const revision = openStore(join(cwd, "bundles")).put(bytes).entry.revision;
  writeDeployment({ store: join(cwd, ".warden", "warden.db"), bundles: join(cwd, "bundles"), revision, state: join(cwd, ".warden", "state"), mode: "enforce", allow_unsigned: true }, join(cwd, ".warden", "deployment.json"));
  const seeding = await AuditLog.open(join(cwd, ".warden", "warden.db"));
  await seedDirectory(seeding);
  await seeding.close();
}, 120_000);

it("tokens issue|list|revoke, and serve answers with the token until it is revoked", { timeout: 120_000 }, async () => {
  const issued = await warden("tokens", "issue", "ops", "--by", "admin", "--json");
  expect(issued.code).toBe(0);
  const { token, id } = JSON.parse(issued.stdout) as { token: string; id: string };
  expect(token).toMatch(/^wdn_[0-9a-f]{16}\./);
  expect((await warden("tokens", "issue", "ops", "--by", "lena")).code).toBe(1);
  expect((await warden("tokens", "issue", "--by", "admin")).code).toBe(2);
  const listed = await warden("tokens", "list", "--json");
  expect(listed.code).toBe(0);
  expect(listed.stdout).not.toContain(token.split(".")[1]);
  expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id, principal: "ops" })]);

  const child = spawn(process.execPath, [join(ROOT, "bin/warden.mjs"), "serve", "--port", "0", "--json", "--no-clock"], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  try {
    const url = await new Promise<string>((ok, fail) => {
      let out = "";
      child.stdout.on("data", (b: Buffer) => {
        out += b.toString();
        const line = out.split("\n")[0];
        if (out.includes("\n")) ok((JSON.parse(line!) as { url: string }).url);
      });
      child.once("exit", (code) => fail(new Error(`serve exited ${code}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const auth = { authorization: `Bearer ${token}` };
    expect(await (await fetch(`${url}/v1/kill-switch`, { headers: auth })).json()).toEqual({ on: false });
    expect((await warden("tokens", "revoke", id, "--by", "admin")).code).toBe(0);
    expect((await fetch(`${url}/v1/kill-switch`, { headers: auth })).status).toBe(401);
  } finally {
    const exited = new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  }
});
