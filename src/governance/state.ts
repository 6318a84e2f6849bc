// The governor's durable state, in the same store as the audit trail: approvals waiting for a
// human (so a paused action survives a restart), the notify queue (executed actions a human must
// review within 24 hours), and operator settings (kill switch, mode). The audit trail stays the
// record of what happened; these tables are what is pending now.
import { migrate, type Db, type Migration } from "../audit/db.ts";
import type { Approval } from "../schemas/types.ts";
import { validate } from "../schemas/validate.ts";

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
];

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

export class GovernanceState {
  private constructor(readonly db: Db) {}

  static async open(db: Db): Promise<GovernanceState> {
    await migrate(db, "governance", MIGRATIONS);
    return new GovernanceState(db);
  }

  async putApproval(a: Approval): Promise<void> {
    validate("approval", a);
    await this.db.run(
      `INSERT INTO approvals (approval_id, action_id, status, approver_role, body) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (approval_id) DO UPDATE SET status = excluded.status, approver_role = excluded.approver_role, body = excluded.body`,
      [a.approval_id, a.action_id, a.status, a.approver_role, JSON.stringify(a)],
    );
  }

  async getApproval(approval_id: string): Promise<Approval | undefined> {
    const [row] = await this.db.query<{ body: string }>("SELECT body FROM approvals WHERE approval_id = $1", [approval_id]);
    return row ? (JSON.parse(row.body) as Approval) : undefined;
  }

  async listApprovals(status?: Approval["status"]): Promise<Approval[]> {
    const rows = status
      ? await this.db.query<{ body: string }>("SELECT body FROM approvals WHERE status = $1 ORDER BY approval_id", [status])
      : await this.db.query<{ body: string }>("SELECT body FROM approvals ORDER BY approval_id");
    return rows.map((r) => JSON.parse(r.body) as Approval);
  }

  async enqueueNotify(action_id: string, action: string, now: Date): Promise<void> {
    const due = new Date(now.getTime() + 24 * 3600 * 1000);
    await this.db.run(
      "INSERT INTO notify_queue (action_id, action, enqueued_at, due_at) VALUES ($1, $2, $3, $4) ON CONFLICT (action_id) DO NOTHING",
      [action_id, action, now.toISOString(), due.toISOString()],
    );
  }

  async notifyQueue(opts: { pendingOnly?: boolean } = {}): Promise<NotifyItem[]> {
    const where = opts.pendingOnly ? " WHERE reviewed_at IS NULL" : "";
    return this.db.query<NotifyItem>(`SELECT action_id, action, enqueued_at, due_at, reviewed_at, reviewed_by FROM notify_queue${where} ORDER BY enqueued_at, action_id`);
  }

  async markReviewed(action_id: string, by: string, now: Date): Promise<boolean> {
    const n = await this.db.run("UPDATE notify_queue SET reviewed_at = $1, reviewed_by = $2 WHERE action_id = $3 AND reviewed_at IS NULL", [now.toISOString(), by, action_id]);
    return n > 0;
  }

  async killSwitch(): Promise<KillSwitch> {
    const [row] = await this.db.query<{ value: string }>("SELECT value FROM settings WHERE key = 'kill_switch'");
    return row ? (JSON.parse(row.value) as KillSwitch) : { on: false };
  }

  async setKillSwitch(k: KillSwitch): Promise<void> {
    await this.db.run(
      "INSERT INTO settings (key, value) VALUES ('kill_switch', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      [JSON.stringify(k)],
    );
  }
}
