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

/** A governor's identity and the proof of its life that other processes see. */
export interface Claim {
  owner: Owner;
  /**
   * Whether others can see this governor alive now. On PostgreSQL, false while its lock's
   * session is lost and not yet taken again: then recovery elsewhere would see it gone, so it
   * starts nothing (fail closed).
   */
  visible(): boolean;
  release(): Promise<void>;
}

/** A new governor's identity, alive until `release`. */
export async function claimOwner(db: Db): Promise<Claim> {
  const owner: Owner = { instance: randomUUID(), host: hostname(), pid: process.pid };
  const lock = db.holdLock ? await db.holdLock(lockName(owner.instance)) : undefined;
  open.add(owner.instance);
  let released: Promise<void> | undefined;
  return {
    owner,
    visible: () => open.has(owner.instance) && (lock?.held() ?? true),
    release: () => {
      open.delete(owner.instance);
      return (released ??= lock?.release() ?? Promise.resolve());
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
