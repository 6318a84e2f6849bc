// Whether the governor that started an action is still alive, so that recovery resolves only
// what a crash left. Every governor has an instance id, written on each started mark with its
// host and process id. It is alive while:
//   - in this process: the governor is open (not closed);
//   - on PostgreSQL: its session lock is held (any host; the server drops it when the process dies);
//   - on SQLite, on this host: its process exists (a reused process id errs towards alive).
// Anything else (another host on SQLite, a mark written before owners were recorded) is unknown,
// which recovery treats as alive unless the operator forces it.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Db } from "../audit/db.ts";

export interface Owner {
  instance: string;
  host: string;
  pid: number;
}

export type Liveness = "alive" | "gone" | "unknown";

/** Instances open in this process. */
const open = new Set<string>();

const lockName = (instance: string) => `warden:governor:${instance}`;

/** A new governor's identity, alive until `release`. */
export async function claimOwner(db: Db): Promise<{ owner: Owner; release: () => Promise<void> }> {
  const owner: Owner = { instance: randomUUID(), host: hostname(), pid: process.pid };
  const unlock = db.holdLock ? await db.holdLock(lockName(owner.instance)) : async () => {};
  open.add(owner.instance);
  let released: Promise<void> | undefined;
  return {
    owner,
    release: () => {
      open.delete(owner.instance);
      return (released ??= unlock());
    },
  };
}

export async function ownerLiveness(db: Db, owner: Owner | undefined): Promise<Liveness> {
  if (!owner) return "unknown";
  if (owner.host === hostname() && owner.pid === process.pid) return open.has(owner.instance) ? "alive" : "gone";
  if (db.lockHeld) return (await db.lockHeld(lockName(owner.instance))) ? "alive" : "gone";
  if (owner.host !== hostname()) return "unknown";
  try {
    process.kill(owner.pid, 0);
    return "alive";
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH" ? "gone" : "alive"; // EPERM: it exists
  }
}
