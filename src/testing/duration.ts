// Go's time.ParseDuration, as OPA reads `--timeout`: a sequence of decimal numbers with units
// (`5s`, `1m30s`, `250ms`, `1.5h`; ns, us/µs, ms, s, m, h). Returns nanoseconds, undefined when
// the text is not a duration.
const UNITS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

export function parseDuration(text: string): number | undefined {
  if (text === "0") return 0;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let at = 0;
  for (let m = part.exec(text); m; m = part.exec(text)) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    at = part.lastIndex;
  }
  return at > 0 && at === text.length && Number.isFinite(total) ? Math.round(total) : undefined;
}
