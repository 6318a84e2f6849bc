// Token buckets by key (a principal, a client address): `perSecond` tokens a second up to
// `burst`. The map is bounded: past `maxKeys` the least recently seen key is forgotten (it starts
// again with a full bucket), so a flood of new keys costs memory only up to the bound.
export type Limiter = (key: string) => boolean;

export function tokenBuckets(perSecond: number, burst: number, maxKeys = 10_000): Limiter {
  if (!perSecond) return () => true;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (key) => {
    const now = Date.now();
    const b = buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    buckets.delete(key); // re-inserted last: the map's order is the order keys were last seen
    buckets.set(key, b);
    if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value!);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  };
}
