// The notify queue's review: a human looks at an executed notify-category action (within 24 hours)
// and says so. The review is a human decision about an action, so it goes on the audit trail.
import type { AuditLog } from "../audit/log.ts";
import type { Principal } from "../schemas/types.ts";
import type { GovernanceState, NotifyItem } from "./state.ts";

export class NotifyReviewError extends Error {}

/** Marks an action reviewed and audits it; refuses actions not queued or already reviewed. */
export async function reviewNotified(
  audit: AuditLog,
  state: GovernanceState,
  action_id: string,
  by: Principal,
  opts: { comment?: string; now?: Date } = {},
): Promise<{ item: NotifyItem; late_ms: number }> {
  const now = opts.now ?? new Date();
  const item = (await state.notifyQueue()).find((i) => i.action_id === action_id);
  if (!item) throw new NotifyReviewError(`action ${action_id} is not in the review queue`);
  if (!(await state.markReviewed(action_id, by.id, now))) {
    throw new NotifyReviewError(`action ${action_id} was already reviewed (by ${item.reviewed_by} at ${item.reviewed_at})`);
  }
  await audit.append({
    type: "approval",
    action_id,
    actor: by,
    details: { event: "notify_reviewed", action: item.action, due_at: item.due_at, ...(opts.comment !== undefined ? { comment: opts.comment } : {}) },
  });
  return { item, late_ms: Math.max(0, now.getTime() - Date.parse(item.due_at)) };
}
