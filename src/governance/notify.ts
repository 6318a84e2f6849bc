// The notify queue's review: a human looks at an executed notify-category action (within 24 hours)
// and says so. The entry is written with its audit record (state.ts); the reviewer must hold a
// role that may review (directory.ts).
import type { Principal } from "../schemas/types.ts";
import { authorize } from "./directory.ts";
import { GovernanceError } from "./errors.ts";
import { audited } from "./refusals.ts";
import type { GovernanceState, NotifyItem } from "./state.ts";

export class NotifyReviewError extends GovernanceError {}

/** The queue entry of an action that just ran as notify, due 24 hours after `now`. */
export function notifyItem(action_id: string, action: string, now: Date): NotifyItem {
  return { action_id, action, enqueued_at: now.toISOString(), due_at: new Date(now.getTime() + 24 * 3600 * 1000).toISOString(), reviewed_at: null, reviewed_by: null };
}

/** Marks an action reviewed and audits it; refuses actions not queued or already reviewed. */
export async function reviewNotified(
  state: GovernanceState,
  action_id: string,
  by: string,
  opts: { comment?: string; now?: Date } = {},
): Promise<{ item: NotifyItem; late_ms: number }> {
  const now = opts.now ?? new Date();
  return audited(state.audit, { operation: "notify_review", action_id, actor: { id: by } }, () =>
    state.transaction(async (tx) => {
      const reviewer: Principal = await authorize(state, by, "notify_review", tx);
      const item = (await state.read<NotifyItem>(tx, "notify_queue", action_id, { lock: true }))?.value;
      if (!item) throw new NotifyReviewError(`action ${action_id} is not in the review queue`);
      if (item.reviewed_at !== null) throw new NotifyReviewError(`action ${action_id} was already reviewed (by ${item.reviewed_by} at ${item.reviewed_at})`);
      const late_ms = Math.max(0, now.getTime() - Date.parse(item.due_at));
      const reviewed: NotifyItem = { ...item, reviewed_at: now.toISOString(), reviewed_by: by };
      await state.write(tx, "notify_queue", action_id, reviewed, {
        type: "notify",
        action_id,
        actor: reviewer,
        details: { event: "reviewed", action: item.action, due_at: item.due_at, late_ms, ...(opts.comment !== undefined ? { comment: opts.comment } : {}) },
      });
      return { item: reviewed, late_ms };
    }),
  );
}
