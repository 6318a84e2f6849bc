// Minimal benchmarking: warm up, then run for a fixed time and report operations per second.

export interface Measurement {
  name: string;
  opsPerSec: number;
  /** Median and 99th-percentile latency of one operation, in microseconds. */
  p50us: number;
  p99us: number;
  runs: number;
}

export function measure(name: string, op: () => unknown, seconds = 1): Measurement {
  const warmupEnd = performance.now() + 200;
  while (performance.now() < warmupEnd) op();
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  let t = performance.now();
  while (t < end) {
    op();
    const now = performance.now();
    samples.push(now - t);
    t = now;
  }
  const total = samples.reduce((a, b) => a + b, 0);
  samples.sort((a, b) => a - b);
  const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor(samples.length * p))]! * 1000;
  return { name, opsPerSec: (samples.length / total) * 1000, p50us: pct(0.5), p99us: pct(0.99), runs: samples.length };
}

/** Times one run of `op` in milliseconds (for long operations such as compiling). */
export function timeOnce(op: () => unknown): number {
  const t = performance.now();
  op();
  return performance.now() - t;
}
