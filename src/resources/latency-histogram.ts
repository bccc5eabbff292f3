import type { LatencySummary } from "./types.js";

/** Below this, buckets are 1 ms wide, so short latencies are exact to the millisecond. */
const LINEAR_LIMIT_MS = 100;
/** Above LINEAR_LIMIT_MS each bucket is 1% wider than the one before. */
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** Buckets up to about 10 hours; longer latencies share the last bucket. */
const LOG_BUCKETS = Math.ceil(Math.log(36_000_000 / LINEAR_LIMIT_MS) / LOG_GROWTH);
const BUCKETS = LINEAR_LIMIT_MS + LOG_BUCKETS;

/**
 * Latencies counted in fixed buckets (about 1,400 of them), so memory stays
 * the same however many calls a run makes. Percentiles are exact to 1 ms
 * below 100 ms and within 1% above; the maximum is exact.
 */
export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private maxMs = 0;

  record(latencyMs: number): void {
    const ms = latencyMs > 0 ? latencyMs : 0;
    let index: number;
    if (ms < LINEAR_LIMIT_MS) {
      index = Math.floor(ms);
    } else {
      const logIndex = Math.floor(Math.log(ms / LINEAR_LIMIT_MS) / LOG_GROWTH);
      index = Math.min(BUCKETS - 1, LINEAR_LIMIT_MS + logIndex);
    }
    this.counts[index]! += 1;
    this.total += 1;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  /** Latency below which `fraction` (0 to 1) of the recorded calls fall; null when empty. */
  percentile(fraction: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil(fraction * this.total));
    let seen = 0;
    for (let index = 0; index < BUCKETS; index++) {
      seen += this.counts[index]!;
      if (seen >= rank) return Math.min(this.maxMs, bucketValueMs(index));
    }
    return this.maxMs;
  }

  summary(): LatencySummary {
    if (this.total === 0) return { p50Ms: null, p95Ms: null, maxMs: null };
    return { p50Ms: this.percentile(0.5), p95Ms: this.percentile(0.95), maxMs: this.maxMs };
  }
}

/** Returns a bucket's value: its lower edge, or its geometric middle above 100 ms. */
function bucketValueMs(index: number): number {
  if (index < LINEAR_LIMIT_MS) return index;
  const lowMs = LINEAR_LIMIT_MS * GROWTH ** (index - LINEAR_LIMIT_MS);
  return Math.round(lowMs * Math.sqrt(GROWTH));
}
