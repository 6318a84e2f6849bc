import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
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

const USAGE = `warden audit verify|show|export|checkpoint|prove|consistency|receipt|verify-receipt|witness|keygen [OPTIONS]

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

${tlogUsage()}

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
    checkpoint: { type: "string", multiple: true },
    verifier: { type: "string" },
    key: { type: "string" },
    origin: { type: "string" },
    out: { type: "string" },
    state: { type: "string" },
    proof: { type: "string" },
    witness: { type: "boolean" },
  },
  async run(v, positionals) {
    const [sub, ...rest] = positionals;
    const allowed: Record<string, string[]> = {
      verify: ["store", "expect-head", "file", "json", "checkpoint", "verifier", "origin"],
      show: ["store", "json", "action", "type", "since", "limit", "reverse"],
      export: ["store", "output", "since"],
      ...TLOG_ALLOWED,
    };
    if (sub === undefined) throw new UsageError("audit: give a subcommand: verify, show or export (see warden audit --help)");
    const ok = allowed[sub];
    if (!ok) throw new UsageError(`audit: unknown subcommand ${JSON.stringify(sub)}: verify, show or export`);
    for (const k of Object.keys(v)) if (!ok.includes(k)) throw new UsageError(`audit ${sub}: --${k} does not apply`);
    if (sub === "verify" && v.checkpoint !== undefined && (v.file !== undefined || v["expect-head"] !== undefined)) throw new UsageError("audit verify: --checkpoint checks a store, without --file or --expect-head");
    if (sub in TLOG_ALLOWED || (sub === "verify" && v.checkpoint !== undefined)) return tlog(sub, rest, v);
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
  const progress = process.stderr.isTTY && !v.json;
  const result = await verifyJSONL(linesOf(file), {
    expectHead: v["expect-head"] as string | undefined,
    progressEvery: 100_000,
    onProgress: progress ? (n) => process.stderr.write(`\rverified ${n} records`) : undefined,
  });
  if (progress) process.stderr.write("\n");
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

// --- the Merkle tree, checkpoints, proofs, receipts, witness (src/audit/tree.ts and friends) ---

function tlogUsage(): string {
  return `
warden audit keygen NAME [--witness] [--out DIR] [--json]
  A new Ed25519 key named NAME (a schema-less URL such as example.com/warden-audit): writes
  DIR/<name>.key (signer key, mode 600) and DIR/<name>.vkey (verifier key NAME+ID+KEY); --witness
  makes a cosigning key (tlog-cosignature, type 0x04). DIR defaults to .warden/keys.

warden audit checkpoint [--key FILE] [--origin NAME] [--out DIR] [--json]
  Catches the Merkle tree up with the records and prints a signed checkpoint (C2SP
  tlog-checkpoint: origin, tree size, base64 root, then the signature lines). --key: a signer key
  (PRIVATE+KEY+...) or a PEM Ed25519 private key with --origin (default $WARDEN_CHECKPOINT_KEY);
  the origin defaults to the key's name. --out DIR also writes DIR/checkpoint.<size> and
  DIR/checkpoint (the latest), to keep outside the store.

warden audit verify --checkpoint FILE|DIR... [--verifier KEY] [--store URL] [--json]
  The chain walk, then the store against checkpoints taken earlier: every record re-hashed from
  its body into the tree each checkpoint signed. Exit 1 naming the first disagreeing record:
  rewritten (edited, deleted and re-chained, a fork), truncated, emptied, not_in_tree (a record
  not appended by the audit log). --verifier: the log's verifier key (text or file; a PEM public
  key with --origin) to check the checkpoints' signatures (default $WARDEN_CHECKPOINT_VERIFIER).

warden audit prove SEQ [--checkpoint FILE] [--verifier KEY] [--json]
  The RFC 9162 inclusion proof of record SEQ in the tree of the checkpoint (default: the whole
  tree now): leaf index SEQ-1, tree size, root, and the path, hex.

warden audit consistency OLD NEW [--verifier KEY] [--json]
  The RFC 9162 consistency proof between two tree sizes or two checkpoint files. Exit 1 if the
  store's tree does not have the checkpoints' roots.

warden audit receipt ACTION_ID [--checkpoint FILE] [--verifier KEY] [-o FILE] [--json]
  The receipt of one governed decision: its record (seq, hash, body), bundle revision, request
  digest, the approval it relied on, and with --checkpoint the inclusion proofs against it.

warden audit verify-receipt RECEIPT [--checkpoint FILE] [--verifier KEY] [--json]
  Checks a receipt offline (no store): hashes, fields, inclusion proofs against the checkpoint
  (default: the one the receipt carries). Exit 1 when any of it does not hold.

warden audit witness --checkpoint FILE --key WITNESS_KEY --verifier LOG_KEY --state DIR
                     [--proof FILE | --store URL] [-o FILE] [--json]
  A witness: keeps the last checkpoint it cosigned per log in DIR, checks the new one's
  signature and its consistency proof from the last (from --proof, the JSON of audit
  consistency --json, or computed from --store), cosigns it (tlog-cosignature v1) and prints
  the cosigned checkpoint. Refuses (exit 1) a smaller tree, another root at the same size, or a
  proof that fails: a fork.`;
}

const TLOG_ALLOWED: Record<string, string[]> = {
  keygen: ["witness", "out", "json"],
  checkpoint: ["store", "key", "origin", "out", "json"],
  prove: ["store", "checkpoint", "verifier", "origin", "json"],
  consistency: ["store", "verifier", "origin", "json"],
  receipt: ["store", "checkpoint", "verifier", "origin", "output", "json"],
  "verify-receipt": ["checkpoint", "verifier", "origin", "json"],
  witness: ["store", "checkpoint", "key", "verifier", "origin", "state", "proof", "output", "json"],
};
const TLOG_ARGS: Record<string, number> = { keygen: 1, checkpoint: 0, prove: 1, consistency: 2, receipt: 1, "verify-receipt": 1, witness: 0, verify: 0 };

/** A tlog subcommand (or `verify --checkpoint`): usage checked, then run; failures exit 1. */
async function tlog(sub: string, args: string[], v: Record<string, unknown>): Promise<number> {
  if (args.length !== TLOG_ARGS[sub]) throw new UsageError(`audit ${sub}: expected ${TLOG_ARGS[sub]} argument(s), got ${args.length} (see warden audit --help)`);
  // A directory stands for the checkpoints `audit checkpoint --out DIR` wrote there.
  const cps = ((v.checkpoint as string[] | undefined) ?? []).flatMap((f) =>
    existsSync(f) && statSync(f).isDirectory() ? readdirSync(f).filter((n) => /^checkpoint\.\d+$/.test(n)).map((n) => join(f, n)) : [f],
  );
  if (sub !== "verify" && cps.length > 1) throw new UsageError(`audit ${sub}: give one --checkpoint`);
  if (v.checkpoint !== undefined && cps.length === 0) throw new UsageError(`audit ${sub}: no checkpoint files in ${(v.checkpoint as string[]).join(", ")}`);
  for (const f of cps) if (!existsSync(f)) throw new UsageError(`no such checkpoint file: ${f}`);
  const cp = await import("../../audit/checkpoint.ts");
  try {
    if (sub === "keygen") return keygen(cp, args[0]!, v);
    if (sub === "verify-receipt") return await verifyReceiptCmd(cp, args[0]!, cps[0], v);
    if (sub === "witness") return await witness(cp, v);
    return await withStore(v, async (db) => {
      if (sub === "checkpoint") return checkpointCmd(cp, db, v);
      if (sub === "verify") return verifyCheckpoints(cp, db, cps, v);
      if (sub === "prove") return prove(cp, db, args[0]!, cps[0], v);
      if (sub === "consistency") return consistency(cp, db, args[0]!, args[1]!, v);
      return receipt(cp, db, args[0]!, cps[0], v);
    });
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as { code?: unknown }).code;
    console.error(`warden: audit ${sub}: ${(e as Error).message}${typeof code === "string" && !code.startsWith("SQLITE") ? ` (${code})` : ""}`);
    return 1;
  }
}

type CP = typeof import("../../audit/checkpoint.ts");
type Store = import("../../audit/db.ts").Db;

async function withStore(v: Record<string, unknown>, fn: (db: Store) => Promise<number>): Promise<number> {
  const log = await openExisting(v.store as string | undefined);
  try {
    const { openTree } = await import("../../audit/tree.ts");
    await openTree(log.db);
    return await fn(log.db);
  } finally {
    await log.close();
  }
}

function fileOrText(s: string): string {
  return existsSync(s) ? readFileSync(s, "utf8") : s;
}

function verifierOption(cp: CP, v: Record<string, unknown>, required: boolean): ReturnType<CP["loadVerifier"]> | undefined {
  const given = (v.verifier as string | undefined) ?? process.env.WARDEN_CHECKPOINT_VERIFIER;
  if (given === undefined) {
    if (required) throw new UsageError("give the log's verifier key: --verifier KEY|FILE (or $WARDEN_CHECKPOINT_VERIFIER)");
    return undefined;
  }
  try {
    return cp.loadVerifier(fileOrText(given), v.origin as string | undefined);
  } catch (e) {
    throw new UsageError(`--verifier: ${(e as Error).message}`);
  }
}

/** A checkpoint file, its signature checked when a verifier key is known. */
function readCheckpointFile(cp: CP, file: string, v: Record<string, unknown>, required = false): ReturnType<CP["openCheckpoint"]> & { signed: boolean } {
  const text = readFileSync(file, "utf8");
  const verifier = verifierOption(cp, v, required);
  if (!verifier) {
    console.error(`warden: ${file}: the checkpoint's signature is not checked (no --verifier)`);
    return { ...cp.readCheckpointUnverified(text), signed: false };
  }
  return { ...cp.openCheckpoint(text, verifier), signed: true };
}

const hex = (h: Uint8Array) => Buffer.from(h).toString("hex");
const fileName = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, "_");

function keygen(cp: CP, name: string, v: Record<string, unknown>): number {
  let k;
  try {
    k = cp.generateKey(name, v.witness ? cp.COSIGNATURE_V1 : cp.ED25519);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const dir = (v.out as string | undefined) ?? ".warden/keys";
  mkdirSync(dir, { recursive: true });
  const keyFile = join(dir, `${fileName(name)}.key`);
  const vkeyFile = join(dir, `${fileName(name)}.vkey`);
  if (existsSync(keyFile)) throw new UsageError(`${keyFile} exists: not overwriting a key`);
  writeFileSync(keyFile, `${k.signerKey}\n`, { mode: 0o600 });
  writeFileSync(vkeyFile, `${k.verifierKey}\n`);
  if (v.json) console.log(JSON.stringify({ name, key_file: keyFile, verifier_key_file: vkeyFile, verifier_key: k.verifierKey }));
  else console.log(`${k.verifierKey}\nwrote ${keyFile} (keep it secret) and ${vkeyFile}`);
  return 0;
}

async function checkpointCmd(cp: CP, db: Store, v: Record<string, unknown>): Promise<number> {
  const keyFile = (v.key as string | undefined) ?? process.env.WARDEN_CHECKPOINT_KEY;
  if (keyFile === undefined) throw new UsageError("audit checkpoint: give --key FILE (or $WARDEN_CHECKPOINT_KEY); make one with warden audit keygen NAME");
  if (!existsSync(keyFile)) throw new UsageError(`no such key file: ${keyFile}`);
  let signer;
  try {
    signer = cp.loadSigner(readFileSync(keyFile, "utf8"), v.origin as string | undefined);
  } catch (e) {
    throw new UsageError(`--key: ${(e as Error).message}`);
  }
  const { syncTree, treeHead } = await import("../../audit/tree.ts");
  await syncTree(db);
  const head = await db.transaction((q) => treeHead(q), "read");
  const note = cp.signCheckpoint({ origin: (v.origin as string | undefined) ?? signer.name, size: head.size, root: head.root, extensions: [] }, signer);
  let file: string | undefined;
  if (v.out !== undefined) {
    const dir = v.out as string;
    mkdirSync(dir, { recursive: true });
    file = join(dir, `checkpoint.${head.size}`);
    writeFileSync(file, note);
    writeFileSync(`${join(dir, "checkpoint")}.tmp`, note);
    renameSync(`${join(dir, "checkpoint")}.tmp`, join(dir, "checkpoint"));
  }
  if (v.json) console.log(JSON.stringify({ origin: (v.origin as string | undefined) ?? signer.name, size: head.size, root: hex(head.root), ...(file ? { file } : {}), checkpoint: note }));
  else process.stdout.write(note);
  return 0;
}

async function verifyCheckpoints(cp: CP, db: Store, files: string[], v: Record<string, unknown>): Promise<number> {
  const { AuditLog } = await import("../../audit/log.ts");
  const { verifyStore } = await import("../../audit/consistency.ts");
  const checkpoints = files.map((f) => readCheckpointFile(cp, f, v));
  const origins = new Set(checkpoints.map((c) => c.origin));
  if (origins.size > 1) throw new UsageError(`the checkpoints are of different logs: ${[...origins].join(", ")}`);
  const log = await AuditLog.open(db);
  const chain = await log.verify();
  const result = await verifyStore(db, checkpoints);
  const ok = chain.ok && result.ok;
  if (v.json) {
    console.log(JSON.stringify({ ok, chain: { ...chain, head: formatHead(chain.head) }, checkpoints: { ...result, signed: checkpoints.every((c) => c.signed) } }));
    return ok ? 0 : 1;
  }
  if (chain.ok) console.log(`ok: the chain of ${chain.records} record(s) is intact (which alone does not rule out a rewrite)`);
  else console.log(`FAILED: the chain: first bad record: seq ${chain.firstBad!.seq}${chain.firstBad!.id ? ` (id ${chain.firstBad!.id})` : ""}: ${chain.firstBad!.reason}\n  ${chain.firstBad!.message}`);
  if (result.ok) {
    console.log(`ok: ${result.records} record(s) agree with ${result.agreed} checkpoint(s) (largest: ${Math.max(0, ...checkpoints.map((c) => c.size))} records)`);
  } else {
    const bad = result.firstBad!;
    console.log(`FAILED: first disagreeing record: seq ${bad.seq}${bad.id ? ` (id ${bad.id})` : ""}: ${bad.problem}${bad.exact ? "" : ` (somewhere in ${bad.seq}..${bad.last})`}`);
    for (const d of result.disagreements) console.log(`  ${d.message}`);
  }
  return ok ? 0 : 1;
}

function seqArg(s: string, what: string): number {
  if (!/^\d+$/.test(s)) throw new UsageError(`${what}: expected a whole number, got ${JSON.stringify(s)}`);
  return Number(s);
}

async function prove(cp: CP, db: Store, seqText: string, file: string | undefined, v: Record<string, unknown>): Promise<number> {
  const seq = seqArg(seqText, "SEQ");
  const tree = await import("../../audit/tree.ts");
  const { verifyInclusion, leafHash } = await import("../../audit/merkle.ts");
  await tree.syncTree(db);
  const c = file ? readCheckpointFile(cp, file, v) : undefined;
  const out = await db.transaction(async (q) => {
    const head = await tree.treeHead(q, c?.size);
    if (c && hex(head.root) !== hex(c.root)) throw new Error(`the store's tree of ${c.size} records has root ${hex(head.root)}, not the checkpoint's ${hex(c.root)}: run warden audit verify --checkpoint`);
    if (seq < 1 || seq > head.size) throw new UsageError(`record ${seq} is not in a tree of ${head.size} records`);
    const [row] = await q.query<{ hash: string; body: string }>("SELECT hash, body FROM audit_records WHERE seq = $1", [seq]);
    const proof = await tree.inclusionProofAt(q, seq, head.size);
    verifyInclusion(seq - 1, head.size, leafHash(row!.body), proof, head.root);
    return { ...(c ? { origin: c.origin } : {}), seq, leaf_index: seq - 1, tree_size: head.size, root: hex(head.root), leaf_hash: hex(leafHash(row!.body)), record_hash: row!.hash, body: row!.body, proof: proof.map(hex) };
  }, "read");
  if (v.json) console.log(JSON.stringify(out));
  else console.log([`record ${seq} in the tree of ${out.tree_size} records (leaf index ${out.leaf_index})`, `root ${out.root}`, `leaf ${out.leaf_hash}`, ...out.proof.map((p, i) => `path[${i}] ${p}`)].join("\n"));
  return 0;
}

async function consistency(cp: CP, db: Store, a: string, b: string, v: Record<string, unknown>): Promise<number> {
  const tree = await import("../../audit/tree.ts");
  const { verifyConsistency } = await import("../../audit/merkle.ts");
  const side = (s: string) => (/^\d+$/.test(s) ? { size: Number(s) } : existsSync(s) ? readCheckpointFile(cp, s, v) : undefined);
  const [x, y] = [side(a), side(b)];
  if (!x || !y) throw new UsageError(`audit consistency: OLD and NEW are tree sizes or checkpoint files, got ${JSON.stringify(!x ? a : b)}`);
  if (x.size > y.size) throw new UsageError(`audit consistency: OLD (${x.size}) is larger than NEW (${y.size})`);
  await tree.syncTree(db);
  const out = await db.transaction(async (q) => {
    const [h1, h2] = [await tree.treeHead(q, x.size), await tree.treeHead(q, y.size)];
    for (const [h, c] of [[h1, x], [h2, y]] as const) {
      if ("root" in c && hex(h.root) !== hex(c.root)) throw new Error(`the store's tree of ${c.size} records has root ${hex(h.root)}, not the checkpoint's ${hex(c.root)}: run warden audit verify --checkpoint`);
    }
    const proof = await tree.consistencyProofBetween(q, x.size, y.size);
    verifyConsistency(x.size, y.size, h1.root, h2.root, proof);
    return { old_size: x.size, new_size: y.size, old_root: hex(h1.root), new_root: hex(h2.root), proof: proof.map(hex) };
  }, "read");
  if (v.json) console.log(JSON.stringify(out));
  else console.log([`from ${out.old_size} records (root ${out.old_root})`, `to ${out.new_size} records (root ${out.new_root})`, ...out.proof.map((p, i) => `proof[${i}] ${p}`)].join("\n"));
  return 0;
}

async function receipt(cp: CP, db: Store, action: string, file: string | undefined, v: Record<string, unknown>): Promise<number> {
  const { buildReceipt } = await import("../../audit/receipt.ts");
  const c = file ? readCheckpointFile(cp, file, v) : undefined;
  if (c) await (await import("../../audit/tree.ts")).syncTree(db);
  const r = await db.transaction((q) => buildReceipt(q, action, c ? { checkpoint: c, note: readFileSync(file!, "utf8") } : undefined), "read");
  const text = v.json ? JSON.stringify(r) : JSON.stringify(r, null, 2);
  if (v.output !== undefined) writeFileSync(v.output as string, `${text}\n`);
  else console.log(text);
  if (!r.record.inclusion) console.error(`warden: receipt of ${action}: no checkpoint covers record ${r.record.seq} yet: it carries no inclusion proof`);
  return 0;
}

async function verifyReceiptCmd(cp: CP, file: string, cpFile: string | undefined, v: Record<string, unknown>): Promise<number> {
  if (!existsSync(file)) throw new UsageError(`no such receipt file: ${file}`);
  const { verifyReceipt } = await import("../../audit/receipt.ts");
  let r;
  try {
    r = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    console.error(`warden: ${file} is not a receipt: ${(e as Error).message}`);
    return 1;
  }
  const noteText = cpFile ? readFileSync(cpFile, "utf8") : (r as { checkpoint?: string }).checkpoint;
  if (typeof noteText !== "string") throw new UsageError("the receipt carries no checkpoint: give --checkpoint FILE");
  const verifier = verifierOption(cp, v, false);
  const c = verifier ? cp.openCheckpoint(noteText, verifier) : cp.readCheckpointUnverified(noteText);
  if (!verifier) console.error("warden: the checkpoint's signature is not checked (no --verifier)");
  const check = verifyReceipt(r, c);
  if (v.json) console.log(JSON.stringify({ ok: true, ...check, origin: c.origin, signed: verifier !== undefined }));
  else console.log(`ok: action ${check.action_id}: record ${check.seq} is in ${c.origin}'s tree of ${c.size} records${verifier ? ", checkpoint signature verified" : ""}`);
  return 0;
}

async function witness(cp: CP, v: Record<string, unknown>): Promise<number> {
  const file = (v.checkpoint as string[] | undefined)?.[0];
  if (!file) throw new UsageError("audit witness: give --checkpoint FILE");
  if (v.key === undefined || !existsSync(v.key as string)) throw new UsageError("audit witness: give --key FILE, the witness's cosigning key (warden audit keygen NAME --witness)");
  if (v.state === undefined) throw new UsageError("audit witness: give --state DIR");
  if (v.proof !== undefined && v.store !== undefined) throw new UsageError("audit witness: give --proof or --store, not both");
  let signer;
  try {
    signer = cp.loadSigner(readFileSync(v.key as string, "utf8"), undefined, cp.COSIGNATURE_V1);
  } catch (e) {
    throw new UsageError(`--key: ${(e as Error).message}`);
  }
  if (signer.type !== cp.COSIGNATURE_V1) throw new UsageError("--key: not a cosigning key (make one with warden audit keygen NAME --witness)");
  const logKey = verifierOption(cp, v, true)!;
  const noteText = readFileSync(file, "utf8");
  const next = cp.openCheckpoint(noteText, logKey);
  const dir = v.state as string;
  mkdirSync(dir, { recursive: true });
  const stateFile = join(dir, `${fileName(next.origin)}.checkpoint`);
  const refuse = (why: string, message: string) => {
    if (v.json) console.log(JSON.stringify({ ok: false, refused: why, message }));
    else console.log(`REFUSED: ${why}: ${message}`);
    return 1;
  };
  if (existsSync(stateFile)) {
    const prev = cp.openCheckpoint(readFileSync(stateFile, "utf8"), logKey);
    const { verifyConsistency, ProofError, fromHex } = await import("../../audit/merkle.ts");
    if (next.size < prev.size) return refuse("rollback", `the log's tree shrank from ${prev.size} to ${next.size} records`);
    let proof: Uint8Array[] = [];
    if (next.size > prev.size) {
      if (v.proof !== undefined) {
        const p = JSON.parse(readFileSync(v.proof as string, "utf8")) as { old_size?: number; new_size?: number; proof?: string[] };
        if (p.old_size !== prev.size || p.new_size !== next.size || !Array.isArray(p.proof)) return refuse("bad_proof", `the proof is not from ${prev.size} to ${next.size} records`);
        proof = p.proof.map(fromHex);
      } else if (v.store !== undefined) {
        // The log's store, read only: its tree serves the proof; the witness trusts only the check.
        const log = await openExisting(v.store as string);
        try {
          const { consistencyProofBetween } = await import("../../audit/tree.ts");
          proof = await log.db.transaction((q) => consistencyProofBetween(q, prev.size, next.size), "read");
        } finally {
          await log.close();
        }
      } else {
        throw new UsageError(`audit witness: the last checkpoint seen was of ${prev.size} records: give --proof FILE or --store URL for the consistency proof to ${next.size}`);
      }
    }
    try {
      verifyConsistency(prev.size, next.size, prev.root, next.root, proof);
    } catch (e) {
      if (e instanceof ProofError) return refuse("fork", `the checkpoint of ${next.size} records is not an extension of the one of ${prev.size} this witness cosigned: ${e.message}`);
      throw e;
    }
  }
  const time = Math.floor(Date.now() / 1000);
  const cosigned = cp.addSignatures(noteText, [cp.cosign(next.text, signer, time)]);
  writeFileSync(`${stateFile}.tmp`, cosigned);
  renameSync(`${stateFile}.tmp`, stateFile);
  if (v.output !== undefined) writeFileSync(v.output as string, cosigned);
  if (v.json) console.log(JSON.stringify({ ok: true, origin: next.origin, size: next.size, root: hex(next.root), time, checkpoint: cosigned }));
  else if (v.output === undefined) process.stdout.write(cosigned);
  else console.log(`cosigned ${next.origin} at ${next.size} records: ${v.output}`);
  return 0;
}
