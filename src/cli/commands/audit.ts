import { createReadStream, createWriteStream, existsSync } from "node:fs";
import type { Writable } from "node:stream";
import { UsageError, type Command } from "../command.ts";
// The store (better-sqlite3, pg, ajv) loads when an audit command runs, not with every command.
import type { AuditLog, VerifyResult } from "../../audit/log.ts";
import { formatHead, parseHead } from "../../audit/chain.ts";
import type { StateCheck } from "../../governance/state.ts";
import type { AuditRecord } from "../../schemas/types.ts";
import { canonicalJSON } from "../../canonical-json.ts";

const STORE_HELP = `  --store URL       the store: a SQLite file path, sqlite:PATH or postgres://...
                    (default: $WARDEN_STORE, else .warden/warden.db)`;

const USAGE = `warden audit verify|show|export [OPTIONS]

The tamper-evident audit trail: every decision, intent, outcome and approval, hash-chained.

warden audit verify [--store URL] [--expect-head [SEQ:]HASH] [--file FILE.jsonl] [--json]
  Walks the whole chain and checks every record's hash, its link to the record before, its seq
  and the store's head. Exit 0 when intact; exit 1 naming the FIRST bad record (seq, id, why:
  missing, hash_mismatch, rehashed, inserted, seq_mismatch, truncated, ...).
  --expect-head H   a head printed by an earlier verify (SEQ:HASH or HASH), kept outside the
                    store: fails if the log no longer contains it (tail cut off or rewritten)
  --file FILE       verify an exported JSONL file instead of a store
  --json            print the result as one line of JSON

warden audit show [SEQ|ID] [--action ID] [--type T] [--since SEQ|TIME] [--limit N] [--reverse] [--json]
  With SEQ or ID: that record, as JSON. Otherwise one line per record (seq, time, type,
  action, summary), oldest first (--reverse: newest first), filtered by action id, record type
  (decision, intent, started, outcome, approval, notify, kill_switch, mode, principal, refusal)
  or from a seq / an RFC 3339 time.
  --json prints records as JSON lines. Exit 1 if the record is not found.

warden audit export [-o FILE] [--since SEQ|TIME]
  Writes every record (with its hash) as JSON lines, in seq order, to FILE or stdout.
  The file verifies on its own: warden audit verify --file FILE.

${STORE_HELP}`;

export const audit: Command = {
  summary: "verify, show or export the tamper-evident audit trail",
  usage: USAGE,
  options: {
    store: { type: "string" },
    "expect-head": { type: "string" },
    file: { type: "string" },
    json: { type: "boolean" },
    action: { type: "string" },
    type: { type: "string" },
    since: { type: "string" },
    limit: { type: "string" },
    reverse: { type: "boolean" },
    output: { type: "string", short: "o" },
  },
  async run(v, positionals) {
    const [sub, ...rest] = positionals;
    const allowed: Record<string, string[]> = {
      verify: ["store", "expect-head", "file", "json"],
      show: ["store", "json", "action", "type", "since", "limit", "reverse"],
      export: ["store", "output", "since"],
    };
    if (sub === undefined) throw new UsageError("audit: give a subcommand: verify, show or export (see warden audit --help)");
    const ok = allowed[sub];
    if (!ok) throw new UsageError(`audit: unknown subcommand ${JSON.stringify(sub)}: verify, show or export`);
    for (const k of Object.keys(v)) if (!ok.includes(k)) throw new UsageError(`audit ${sub}: --${k} does not apply`);
    if (sub !== "show" && rest.length) throw new UsageError(`audit ${sub}: unexpected argument ${JSON.stringify(rest[0])}`);
    if (rest.length > 1) throw new UsageError("audit show: give at most one SEQ or ID");
    if (v["expect-head"] !== undefined) {
      try {
        parseHead(v["expect-head"] as string);
      } catch (e) {
        throw new UsageError(`--expect-head: ${(e as Error).message}`);
      }
    }
    if (sub === "verify" && v.file !== undefined) return verifyFile(v.file as string, v);
    let log: AuditLog | undefined;
    try {
      log = await openExisting(v.store as string | undefined);
      if (sub === "verify") return await verify(log, v);
      if (sub === "show") return await show(log, rest[0], v);
      return await exportLog(log, v);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      // The store could not be read (unreachable server, not a database, ...): say so, exit 1.
      console.error(`warden: audit ${sub}: ${(e as Error).message}`);
      return 1;
    } finally {
      await log?.close();
    }
  },
};

async function openExisting(store: string | undefined): Promise<AuditLog> {
  const { storeURL } = await import("../../audit/db.ts");
  const { AuditLog } = await import("../../audit/log.ts");
  const url = storeURL(store);
  if (!/^postgres(ql)?:\/\//.test(url)) {
    const path = url.startsWith("sqlite:") ? url.slice("sqlite:".length) : url;
    if (path !== ":memory:" && !existsSync(path)) throw new UsageError(`no audit store at ${path} (use --store or WARDEN_STORE)`);
  }
  return AuditLog.open(url);
}

function since(v: Record<string, unknown>): number | string | undefined {
  const s = v.since as string | undefined;
  if (s === undefined) return undefined;
  if (/^\d+$/.test(s)) return Number(s);
  if (Number.isNaN(Date.parse(s))) throw new UsageError(`--since: expected a seq or an RFC 3339 time, got ${JSON.stringify(s)}`);
  return s;
}

async function verify(log: AuditLog, v: Record<string, unknown>): Promise<number> {
  const progress = process.stderr.isTTY && !v.json;
  const result = await log.verify({
    expectHead: v["expect-head"] as string | undefined,
    progressEvery: 100_000,
    onProgress: progress ? (n, total) => process.stderr.write(`\rverified ${n} of ${total} records`) : undefined,
  });
  if (progress) process.stderr.write("\n");
  // Governance rows (approvals, notify queue, settings, principals) the chain does not vouch for.
  const { GovernanceState } = await import("../../governance/state.ts");
  const state = await GovernanceState.ifPresent(log);
  const governance = state ? await state.check() : undefined;
  const code = printVerify(result, v, log.db.location, governance);
  return governance?.mismatches.length ? 1 : code;
}

async function verifyFile(file: string, v: Record<string, unknown>): Promise<number> {
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  const { verifyJSONL } = await import("../../audit/log.ts");
  const result = await verifyJSONL(linesOf(file), { expectHead: v["expect-head"] as string | undefined });
  return printVerify(result, v, file);
}

/** The file's lines, read in chunks. (readline's iterator, left early, can leave the process hanging.) */
async function* linesOf(file: string): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of createReadStream(file, { encoding: "utf8" })) {
    const parts = (rest + (chunk as string)).split("\n");
    rest = parts.pop()!;
    yield* parts;
  }
  if (rest !== "") yield rest;
}

function printVerify(result: VerifyResult, v: Record<string, unknown>, where: string, governance?: StateCheck): number {
  if (v.json) {
    const state = governance ? { governance_state: { ok: governance.mismatches.length === 0, ...governance } } : {};
    console.log(JSON.stringify({ ...result, head: formatHead(result.head), ...state }));
    return result.ok ? 0 : 1;
  }
  if (governance && governance.mismatches.length === 0) console.log(`ok: ${governance.rows} governance row(s) agree with the chain`);
  if (governance && governance.mismatches.length) {
    console.log(`FAILED: ${governance.mismatches.length} governance row(s) disagree with the chain:`);
    for (const m of governance.mismatches) console.log(`  ${m.message}`);
  }
  if (result.ok) {
    console.log(`ok: ${result.records} record(s) verified in ${where}`);
    console.log(`head: ${formatHead(result.head)}`);
  } else {
    const bad = result.firstBad!;
    console.log(`FAILED: first bad record: seq ${bad.seq}${bad.id ? ` (id ${bad.id})` : ""}: ${bad.reason}`);
    console.log(`  ${bad.message}`);
    console.log(`  ${result.records} record(s) before it verified; last good head ${formatHead(result.head)}`);
  }
  return result.ok ? 0 : 1;
}

async function show(log: AuditLog, key: string | undefined, v: Record<string, unknown>): Promise<number> {
  if (key !== undefined) {
    const rec = await log.get(/^\d+$/.test(key) ? Number(key) : key);
    if (!rec) {
      console.error(`warden: no audit record ${JSON.stringify(key)}`);
      return 1;
    }
    console.log(v.json ? canonicalJSON(rec) : JSON.stringify(sortKeys(rec), null, 2));
    return 0;
  }
  const TYPES = ["decision", "intent", "started", "outcome", "approval", "notify", "kill_switch", "mode", "principal", "refusal"];
  const type = v.type as string | undefined;
  if (type !== undefined && !TYPES.includes(type)) throw new UsageError(`--type: expected one of ${TYPES.join(", ")}`);
  const limit = v.limit === undefined ? undefined : Number(v.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) throw new UsageError("--limit: expected a whole number");
  const records = log.list({ type: type as AuditRecord["type"] | undefined, action_id: v.action as string | undefined, since: since(v), limit, desc: v.reverse === true });
  let n = 0;
  for await (const rec of records) {
    n++;
    await write(process.stdout, `${v.json ? canonicalJSON(rec) : line(rec)}\n`);
  }
  if (!v.json && n === 0) console.error("no audit records match");
  return 0;
}

async function exportLog(log: AuditLog, v: Record<string, unknown>): Promise<number> {
  const file = v.output as string | undefined;
  const out: Writable = file ? createWriteStream(file) : process.stdout;
  const n = await log.exportJSONL((l) => write(out, l), { since: since(v) });
  if (file) {
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    console.error(`exported ${n} record(s) to ${file}`);
  }
  return 0;
}

function write(out: Writable, text: string): Promise<void> | void {
  if (!out.write(text)) return new Promise((resolve) => out.once("drain", resolve));
}

function sortKeys(rec: AuditRecord): unknown {
  return JSON.parse(canonicalJSON(rec));
}

/** One line per record: what a reader scanning the log wants to see. */
function line(r: AuditRecord): string {
  return [String(r.seq).padStart(6), r.time, r.type.padEnd(11), (r.action_id ?? "-").padEnd(20), summary(r)].join("  ");
}

function summary(r: AuditRecord): string {
  const who = r.initiator?.id ?? r.actor?.id;
  const parts: string[] = [];
  const action = r.executed?.action ?? r.request?.action;
  if (action) parts.push(action);
  if (r.decision) {
    const res = r.decision.result as { category?: unknown; allow?: unknown } | undefined;
    if (res && typeof res === "object") {
      if (res.category !== undefined) parts.push(String(res.category));
      if (res.allow !== undefined) parts.push(res.allow ? "allowed" : "denied");
    }
    if (r.decision.mode === "shadow") parts.push("shadow");
  }
  if (r.status) parts.push(r.status);
  if (r.error) parts.push(`error: ${r.error}`);
  if (r.approval) parts.push(`approval ${r.approval.status}`);
  if (r.rolls_back) parts.push(`rolls back ${r.rolls_back}`);
  if (who) parts.push(`by ${who}`);
  return parts.join(" · ");
}
