// Refusals of requests that carry no valid credential, on the chain at a bounded rate. Each is
// audited one by one while its client address stays within `perSecond` (burst 20 times that) and
// all addresses together within ten times that; past either, the caller gets 429 and the refusal
// is counted instead, and every `windowMs` one record sums up what was counted (the busiest
// addresses first). So anyone who can reach the port cannot grow the audit trail faster than the
// limits allow, and no refusal goes unrecorded.
import type { AuditLog } from "../audit/index.ts";
import { tokenBuckets } from "./limit.ts";

/** Addresses named one by one in a summary; the rest are counted together. */
const NAMED = 20;
/** Addresses counted per window; past it, new ones are counted under "other". */
const TRACKED = 10_000;

export class UnauthenticatedRefusals {
  private readonly perAddress;
  private readonly overall;
  private counted = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly audit: AuditLog,
    private readonly perSecond: number,
    private readonly windowMs = 10_000,
  ) {
    this.perAddress = tokenBuckets(perSecond, perSecond * 20);
    this.overall = tokenBuckets(perSecond * 10, perSecond * 200);
    this.timer = setInterval(() => void this.flush().catch(() => undefined), windowMs);
    this.timer.unref();
  }

  /** True: audit this refusal on its own. False: it was counted for the next summary. */
  admit(ip: string): boolean {
    if (!this.perSecond || (this.perAddress(ip) && this.overall("*"))) return true;
    const key = this.counted.has(ip) || this.counted.size < TRACKED ? ip : "other";
    this.counted.set(key, (this.counted.get(key) ?? 0) + 1);
    return false;
  }

  /** Writes the summary of the refusals counted since the last one, if any. */
  async flush(): Promise<void> {
    if (this.counted.size === 0) return;
    const counted = [...this.counted].sort((a, b) => b[1] - a[1]);
    this.counted = new Map();
    const total = counted.reduce((n, [, c]) => n + c, 0);
    await this.audit.append({
      type: "refusal",
      details: {
        operation: "http (unauthenticated, summarised)",
        code: "rate_limited",
        message: `${total} requests without a valid credential refused beyond ${this.perSecond}/s per address, counted here rather than one by one`,
        requests: total,
        addresses: Object.fromEntries(counted.slice(0, NAMED)),
        ...(counted.length > NAMED ? { other_addresses: counted.length - NAMED } : {}),
        window_s: this.windowMs / 1000,
      },
    });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
