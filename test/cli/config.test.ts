// The deployment config (warden.yaml, `warden init`), found from the working directory upward,
// and the command line's contract around it: --version, did-you-mean, one-line errors with
// their exit codes, --json on the bundle commands, a reader that goes away.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/index.ts";
import { CONFIG_FILE, findConfig, readConfig, resolveDeployment } from "../../src/governance/deployment.ts";
import { COMMANDS, closest } from "../../src/cli/main.ts";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
const fresh = (name: string) => realpathSync(mkdtempSync(join(tmpdir(), `warden-${name}-`)));

function warden(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ["WARDEN_STORE", "WARDEN_CONFIG", "WARDEN_DEBUG"]) delete env[k];
  return new Promise((done) => {
    execFile(process.execPath, [join(ROOT, "bin/warden.mjs"), ...args], { cwd, env }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("the deployment config", () => {
  it("is the nearest warden.yaml or .warden/deployment.json upward; relative paths are the config's directory's", () => {
    const top = fresh("config");
    const deep = join(top, "a", "b");
    mkdirSync(deep, { recursive: true });
    expect(findConfig(undefined, deep)).toBeUndefined();
    writeFileSync(join(top, CONFIG_FILE), "store: .warden/w.db\nbundles: bundles\nentrypoint: authz/decision\nmode: shadow\nverification_key: keys/pub.pem\n");
    expect(findConfig(undefined, deep)).toBe(join(top, CONFIG_FILE));
    const cfg = readConfig(join(top, CONFIG_FILE))!;
    expect(cfg).toMatchObject({ store: join(top, ".warden/w.db"), bundles: join(top, "bundles"), verification_key: join(top, "keys/pub.pem"), mode: "shadow", entrypoint: "authz/decision" });
    const d = resolveDeployment({ revision: "r1", mode: "enforce" }, join(top, CONFIG_FILE));
    expect(d).toMatchObject({ revision: "r1", mode: "enforce", entrypoint: "authz/decision", bundles: join(top, "bundles") });
    // A nearer .warden/deployment.json (what the demo writes) wins over a farther warden.yaml.
    mkdirSync(join(top, "a", ".warden"));
    writeFileSync(join(top, "a", ".warden", "deployment.json"), JSON.stringify({ store: ".warden/demo.db", revision: "r2" }));
    expect(findConfig(undefined, deep)).toBe(join(top, "a", ".warden", "deployment.json"));
    expect(readConfig(join(top, "a", ".warden", "deployment.json"))!.store).toBe(join(top, "a", ".warden/demo.db"));
  });

  it("refuses unknown settings and wrong values, naming the file", () => {
    const dir = fresh("config-bad");
    writeFileSync(join(dir, CONFIG_FILE), "stroe: x.db\n");
    expect(() => readConfig(join(dir, CONFIG_FILE))).toThrow(/unknown setting "stroe"/);
    writeFileSync(join(dir, CONFIG_FILE), "mode: loud\n");
    expect(() => readConfig(join(dir, CONFIG_FILE))).toThrow(/mode: enforce or shadow/);
  });

  it("warden init writes it; governance commands below read it; --config names another", { timeout: 60_000 }, async () => {
    const dir = fresh("init");
    const init = await warden(dir, "init", "--store", "gov.db", "--allow-unsigned", "--entrypoint", "governance/decision");
    expect(init.code).toBe(0);
    expect((await warden(dir, "init")).stderr).toMatch(/^warden: warden.yaml exists: pass --force/);
    expect(readConfig(join(dir, CONFIG_FILE))).toMatchObject({ store: join(dir, "gov.db"), allow_unsigned: true, entrypoint: "governance/decision", mode: "enforce" });
    (await AuditLog.open(join(dir, "gov.db"))).close();
    mkdirSync(join(dir, "sub"));
    const status = await warden(join(dir, "sub"), "kill-switch", "status", "--json");
    expect(status.stderr).toBe("");
    expect(status.code).toBe(0);
    const other = fresh("init-other");
    const named = await warden(other, "kill-switch", "status", "--config", join(dir, CONFIG_FILE));
    expect(named.code).toBe(0);
    const missing = await warden(other, "kill-switch", "status", "--config", join(other, "nope.yaml"));
    expect([missing.code, missing.stderr]).toEqual([2, `warden: no config file ${join(other, "nope.yaml")}\n`]);
  });
});

describe("the command line", () => {
  it("lists each command with its own summary (the list is kept in main.ts so that --help loads no command)", async () => {
    for (const [name, entry] of Object.entries(COMMANDS)) expect([name, (await entry.load()).summary]).toEqual([name, entry.summary]);
  });

  it("suggests the nearest command or flag", () => {
    expect(closest("aprovals", Object.keys(COMMANDS))).toBe("approvals");
    expect(closest("kill", Object.keys(COMMANDS))).toBe("kill-switch");
    expect(closest("zzz", Object.keys(COMMANDS))).toBeUndefined();
  });

  it("--version; did-you-mean; one line per error, exit 2 for usage and missing files; --json on the bundle commands; EPIPE is quiet", { timeout: 120_000 }, async () => {
    const dir = fresh("cli");
    const [version, command, flag, missing, built] = await Promise.all([
      warden(dir, "--version"),
      warden(dir, "biuld"),
      warden(dir, "inspect", "--jsno", "x.tar.gz"),
      warden(dir, "check", "nowhere/"),
      warden(dir, "build", join(ROOT, "policy"), "-o", "b.tar.gz", "--json"),
    ]);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect([command.code, command.stderr]).toEqual([2, 'warden: unknown command "biuld" (did you mean build?): see warden --help\n']);
    expect([flag.code, flag.stderr]).toEqual([2, "warden: inspect: unknown option --jsno (did you mean --json?): see warden inspect --help\n"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toMatch(/^warden: .*nowhere/);
    expect(built.code).toBe(0);
    const b = JSON.parse(built.stdout) as { revision: string; entrypoints: string[]; signed: boolean };
    expect(b).toMatchObject({ output: "b.tar.gz", entrypoints: ["governance/decision"], signed: false });
    const published = JSON.parse((await warden(dir, "publish", "b.tar.gz", "--store", "bs", "--json")).stdout) as { added: boolean; revision: string };
    expect(published).toMatchObject({ added: true, revision: b.revision });
    const checked = await warden(dir, "check", join(ROOT, "policy"), "--json");
    expect(JSON.parse(checked.stdout)).toEqual({ files: 2, errors: [] });
    const piped = await new Promise<{ code: number; stderr: string }>((done) => {
      execFile("sh", ["-c", `node ${join(ROOT, "bin/warden.mjs")} inspect b.tar.gz | head -c 1 >/dev/null`], { cwd: dir }, (err, _o, stderr) => done({ code: err ? 1 : 0, stderr }));
    });
    expect(piped).toEqual({ code: 0, stderr: "" });
  });
});
