// The governor's durable state, in the same store as the audit trail: approvals waiting for a
// human (so a paused action survives a restart), the notify queue (executed actions a human must
// review within 24 hours), operator settings (kill switch), the principals directory and the
// service's API tokens (their hashes).
//
// The audit trail is the record of what happened; these tables are an index of what holds now,
// and nothing in them is trusted on its own. Every change to a row is written in one transaction
// with the audit record that makes it (the record's `state` field holds the row's new content,
// the row holds that record's seq and hash). Every read checks the row against the newest record
// for it: same seq, same hash, same content, and the record an intact link of the chain. A row
// edited, deleted, inserted or rolled back to an older record in SQL is refused (TamperedState)
// wherever it would be used, and reported by `warden audit verify` (see check()).
import { canonicalJSON } from "../canonical-json.ts";
import type { AuditEntry, AuditLog } from "../audit/log.ts";
import { migrate, type Db, type Migration, type Queryable } from "../audit/db.ts";
import type { Approval, AuditRecord, DirectoryEntry } from "../schemas/types.ts";
import { validate } from "../schemas/validate.ts";
import { TamperedState } from "./errors.ts";

const MIGRATIONS: Migration[] = [
  `CREATE TABLE IF NOT EXISTS approvals (
     approval_id TEXT PRIMARY KEY,
     action_id TEXT NOT NULL,
     status TEXT NOT NULL,
     approver_role TEXT NOT NULL,
     body TEXT NOT NULL
   );
   CREATE INDEX IF NOT EXISTS approvals_status ON approvals (status);
   CREATE TABLE IF NOT EXISTS notify_queue (
     action_id TEXT PRIMARY KEY,
     action TEXT NOT NULL,
     enqueued_at TEXT NOT NULL,
     due_at TEXT NOT NULL,
     reviewed_at TEXT,
     reviewed_by TEXT
   );
   CREATE TABLE IF NOT EXISTS settings (
     key TEXT PRIMARY KEY,
     value TEXT NOT NULL
   );`,
  // Rows bound to the audit records that set them; the directory.
  (q) => `
   ALTER TABLE approvals ADD COLUMN seq ${q.types.int};
   ALTER TABLE approvals ADD COLUMN hash TEXT;
   ALTER TABLE notify_queue ADD COLUMN seq ${q.types.int};
   ALTER TABLE notify_queue ADD COLUMN hash TEXT;
   ALTER TABLE settings ADD COLUMN seq ${q.types.int};
   ALTER TABLE settings ADD COLUMN hash TEXT;
   CREATE TABLE IF NOT EXISTS principals (
     id TEXT PRIMARY KEY,
     body TEXT NOT NULL,
     seq ${q.types.int},
     hash TEXT
   );`,
  // API tokens of the service (warden serve): the secret's hash, never the secret.
  (q) => `
   CREATE TABLE IF NOT EXISTS api_tokens (
     id TEXT PRIMARY KEY,
     body TEXT NOT NULL,
     seq ${q.types.int},
     hash TEXT
   );`,
  // Rollback claims: an action is rolled back once (the row is the compare-and-set).
  (q) => `
   CREATE TABLE IF NOT EXISTS rollbacks (
     action_id TEXT PRIMARY KEY,
     body TEXT NOT NULL,
     seq ${q.types.int},
     hash TEXT
   );`,
  // Resource leases: one action or rollback at a time changes a resource (the row names it).
  (q) => `
   CREATE TABLE IF NOT EXISTS leases (
     resource TEXT PRIMARY KEY,
     body TEXT NOT NULL,
     seq ${q.types.int},
     hash TEXT
   );`,
];

/** The governance tables: those an audit record's `state` may name (schemas/audit-record.schema.json). */
export type Table = NonNullable<AuditRecord["state"]>["table"];

/** Who rolls back an action (the rollback's own action id), while running and once done. */
export interface RollbackClaim {
  rollback_id: string;
  status: "running" | "done";
}

/**
 * The action (or rollback) that last took a resource: it holds the resource until its outcome is
 * on the chain. The outcome releases it, whoever writes it (the governor, or recovery after a
 * crash), so a lease is never released by a record of its own.
 */
export interface Lease {
  action_id: string;
}

export interface KillSwitch {
  on: boolean;
  by?: string;
  at?: string;
  reason?: string;
}

export interface NotifyItem {
  action_id: string;
  action: string;
  enqueued_at: string;
  due_at: string;
  reviewed_at: string | null;
  reviewed_by: string | null;
}

/** How one table's rows map to the values audit records carry. */
interface Spec<T> {
  key: string;
  /** The row's columns for a value (seq and hash excepted). */
  columns(key: string, value: T): Record<string, unknown>;
  value(row: Record<string, unknown>): T;
}

const SPECS: { [K in Table]: Spec<unknown> } = {
  approvals: {
    key: "approval_id",
    columns: (key, a) => {
      const v = a as Approval;
      return { approval_id: key, action_id: v.action_id, status: v.status, approver_role: v.approver_role, body: JSON.stringify(v) };
    },
    value: (row) => JSON.parse(row.body as string),
  },
  notify_queue: {
    key: "action_id",
    columns: (key, n) => ({ ...(n as NotifyItem), action_id: key }),
    value: (row) => {
      const { action_id, action, enqueued_at, due_at, reviewed_at, reviewed_by } = row as unknown as NotifyItem;
      return { action_id, action, enqueued_at, due_at, reviewed_at: reviewed_at ?? null, reviewed_by: reviewed_by ?? null };
    },
  },
  settings: {
    key: "key",
    columns: (key, v) => ({ key, value: JSON.stringify(v) }),
    value: (row) => JSON.parse(row.value as string),
  },
  principals: {
    key: "id",
    columns: (key, p) => ({ id: key, body: JSON.stringify(p) }),
    value: (row) => JSON.parse(row.body as string),
  },
  api_tokens: {
    key: "id",
    columns: (key, t) => ({ id: key, body: JSON.stringify(t) }),
    value: (row) => JSON.parse(row.body as string),
  },
  rollbacks: {
    key: "action_id",
    columns: (key, c) => ({ action_id: key, body: JSON.stringify(c) }),
    value: (row) => JSON.parse(row.body as string),
  },
  leases: {
    key: "resource",
    columns: (key, l) => ({ resource: key, body: JSON.stringify(l) }),
    value: (row) => JSON.parse(row.body as string),
  },
};

/** A row of governance state, as the audit trail vouches for it. */
export interface Bound<T> {
  value: T;
  /** The audit record that set it. */
  seq: number;
}

/** One disagreement between a governance table and the audit trail. */
export interface StateMismatch {
  table: Table;
  key: string;
  message: string;
}

export interface StateCheck {
  rows: number;
  mismatches: StateMismatch[];
}

export class GovernanceState {
  private constructor(readonly audit: AuditLog) {}

  static async open(audit: AuditLog): Promise<GovernanceState> {
    await migrate(audit.db, "governance", MIGRATIONS);
    return new GovernanceState(audit);
  }

  /** The governance state of a store that has it; undefined for a store holding only an audit trail. */
  static async ifPresent(audit: AuditLog): Promise<GovernanceState | undefined> {
    const rows = await audit.db.query("SELECT 1 AS one FROM warden_schema WHERE component = 'governance'");
    return rows.length ? GovernanceState.open(audit) : undefined;
  }

  get db(): Db {
    return this.audit.db;
  }

  /** Runs fn in one write transaction (row changes and their audit records commit together). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(fn, "write");
  }

  /**
   * A row checked against the chain; undefined when it does not exist (and the chain agrees).
   * `lock`: inside a write transaction, hold the row until it ends (compare-and-set), and a row
   * found absent stays absent: every writer of these tables appends to the audit trail, so
   * holding the audit head's lock first (AuditLog.holdAppends) keeps them out until then.
   */
  async read<T>(q: Queryable, table: Table, key: string, opts: { lock?: boolean } = {}): Promise<Bound<T> | undefined> {
    const spec = SPECS[table];
    if (opts.lock) await this.audit.holdAppends(q);
    const [row] = await q.query<Record<string, unknown>>(`SELECT * FROM ${table} WHERE ${spec.key} = $1${opts.lock ? q.forUpdate : ""}`, [key]);
    let rec: AuditRecord | undefined;
    try {
      rec = await this.audit.latestState(q, table, key);
    } catch (e) {
      throw new TamperedState(table, key, (e as Error).message);
    }
    return checkRow<T>(table, key, row, rec);
  }

  /**
   * Sets a row (value null: removes it) with the audit record that says so, inside the caller's
   * write transaction; `preceding` records go ahead of it in the same append. Returns the record.
   */
  async write(tx: Queryable, table: Table, key: string, value: unknown, entry: AuditEntry, preceding: AuditEntry[] = []): Promise<AuditRecord> {
    const spec = SPECS[table];
    const rec = (await this.audit.appendIn(tx, [...preceding, { ...entry, state: { table, key, value } }])).at(-1);
    if (value === null) {
      await tx.run(`DELETE FROM ${table} WHERE ${spec.key} = $1`, [key]);
      return rec!;
    }
    const cols = { ...spec.columns(key, value), seq: rec!.seq, hash: rec!.hash };
    const names = Object.keys(cols);
    const updates = names.filter((n) => n !== spec.key).map((n) => `${n} = excluded.${n}`);
    await tx.run(
      `INSERT INTO ${table} (${names.join(", ")}) VALUES (${names.map((_, i) => `$${i + 1}`).join(", ")}) ON CONFLICT (${spec.key}) DO UPDATE SET ${updates.join(", ")}`,
      Object.values(cols),
    );
    return rec!;
  }

  /** Every row of a table (optionally filtered on an indexed column), each checked against the chain. */
  async list<T>(q: Queryable, table: Table, where?: { column: string; value: unknown }): Promise<T[]> {
    const spec = SPECS[table];
    const rows = where
      ? await q.query<Record<string, unknown>>(`SELECT * FROM ${table} WHERE ${where.column} = $1 ORDER BY ${spec.key}`, [where.value])
      : await q.query<Record<string, unknown>>(`SELECT * FROM ${table} ORDER BY ${spec.key}`);
    const out: T[] = [];
    for (const row of rows) {
      const key = String(row[spec.key]);
      let rec: AuditRecord | undefined;
      try {
        rec = await this.audit.latestState(q, table, key);
      } catch (e) {
        throw new TamperedState(table, key, (e as Error).message);
      }
      out.push(checkRow<T>(table, key, row, rec)!.value);
    }
    return out;
  }

  /**
   * Every disagreement between the governance tables and the audit trail: rows no record vouches
   * for, rows that differ from their record or were set back to an older one, and rows the
   * chain says exist but that are missing. Used by `warden audit verify`.
   */
  async check(): Promise<StateCheck> {
    const mismatches: StateMismatch[] = [];
    let rows = 0;
    const seen = new Set<string>();
    for (const table of Object.keys(SPECS) as Table[]) {
      const spec = SPECS[table];
      for (const row of await this.db.query<Record<string, unknown>>(`SELECT * FROM ${table} ORDER BY ${spec.key}`)) {
        rows++;
        const key = String(row[spec.key]);
        seen.add(`${table}/${key}`);
        try {
          checkRow(table, key, row, await this.audit.latestState(this.db, table, key));
        } catch (e) {
          mismatches.push({ table, key, message: e instanceof TamperedState ? e.message : `${table} ${key}: ${(e as Error).message}` });
        }
      }
    }
    // Rows the chain set and never removed must exist.
    const subjects = await this.db.query<{ subject: string; seq: number }>(
      "SELECT subject, MAX(seq) AS seq FROM audit_records WHERE subject IS NOT NULL GROUP BY subject ORDER BY subject",
    );
    for (const { subject } of subjects) {
      if (seen.has(subject)) continue;
      const slash = subject.indexOf("/");
      const table = subject.slice(0, slash) as Table;
      const key = subject.slice(slash + 1);
      if (!(table in SPECS)) continue;
      try {
        const rec = await this.audit.latestState(this.db, table, key);
        if (rec && (rec.state as { value: unknown }).value !== null) {
          mismatches.push({ table, key, message: `${table} ${key}: the audit trail set this row at record ${rec.seq} and never removed it, but it is missing` });
        }
      } catch (e) {
        mismatches.push({ table, key, message: `${table} ${key}: ${(e as Error).message}` });
      }
    }
    return { rows, mismatches };
  }

  // --- typed views --------------------------------------------------------------------------

  async getApproval(approval_id: string, q: Queryable = this.db): Promise<Approval | undefined> {
    return (await this.read<Approval>(q, "approvals", approval_id))?.value;
  }

  async listApprovals(status?: Approval["status"]): Promise<Approval[]> {
    return this.list<Approval>(this.db, "approvals", status ? { column: "status", value: status } : undefined);
  }

  /** Approval ids starting with a prefix (for ids typed by people); not checked against the chain. */
  async approvalIdsStartingWith(prefix: string): Promise<string[]> {
    const rows = await this.db.query<{ approval_id: string }>("SELECT approval_id FROM approvals ORDER BY approval_id");
    return rows.map((r) => r.approval_id).filter((id) => id.startsWith(prefix));
  }

  async notifyQueue(opts: { pendingOnly?: boolean } = {}): Promise<NotifyItem[]> {
    const all = await this.list<NotifyItem>(this.db, "notify_queue");
    return all.filter((i) => !opts.pendingOnly || i.reviewed_at === null).sort((a, b) => a.enqueued_at.localeCompare(b.enqueued_at) || a.action_id.localeCompare(b.action_id));
  }

  /**
   * The kill switch as the chain vouches for it. A settings row that disagrees with the chain
   * reads as ON (fail closed), with the reason.
   */
  async killSwitch(q: Queryable = this.db): Promise<KillSwitch> {
    try {
      return (await this.read<KillSwitch>(q, "settings", "kill_switch"))?.value ?? { on: false };
    } catch (e) {
      if (!(e instanceof TamperedState)) throw e;
      return { on: true, reason: e.message };
    }
  }

  async principal(id: string, q: Queryable = this.db): Promise<DirectoryEntry | undefined> {
    const p = (await this.read<DirectoryEntry>(q, "principals", id))?.value;
    return p === undefined ? undefined : validate("directory-entry", p);
  }

  async principals(): Promise<DirectoryEntry[]> {
    return this.list<DirectoryEntry>(this.db, "principals");
  }
}

/** The row's value when the record vouches for it exactly; throws TamperedState otherwise. */
function checkRow<T>(table: Table, key: string, row: Record<string, unknown> | undefined, rec: AuditRecord | undefined): Bound<T> | undefined {
  const recorded = rec?.state as { value: unknown } | undefined;
  if (!row) {
    if (!rec || recorded!.value === null) return undefined;
    throw new TamperedState(table, key, `the audit trail set it at record ${rec.seq}, but the row is missing`);
  }
  if (!rec) throw new TamperedState(table, key, "no audit record set this row");
  if (Number(row.seq) !== rec.seq || row.hash !== rec.hash) {
    throw new TamperedState(table, key, `the row names record ${String(row.seq)}, but the newest record that sets it is ${rec.seq}`);
  }
  let value: unknown;
  try {
    value = SPECS[table].value(row);
  } catch {
    throw new TamperedState(table, key, "the row does not parse");
  }
  if (recorded!.value === null || canonicalJSON(value) !== canonicalJSON(recorded!.value)) {
    throw new TamperedState(table, key, `the row differs from what record ${rec.seq} set`);
  }
  return { value: value as T, seq: rec.seq };
}
