/**
 * Events per second over a sliding window, kept as a ring of fixed-width
 * time buckets so that counting an event is O(1) and memory is fixed.
 * Events that arrive out of order by less than a bucket still count; older
 * ones are counted in the newest bucket.
 */
export class SlidingRate {
  private readonly counts: Float64Array;
  /** Absolute number (time / bucketMs) of the newest bucket; -Infinity before any. */
  private newestBucket = -Infinity;

  /**
   * @param startedAtMs clock time counting began; early rates divide by the
   *   time since then instead of the whole window.
   * @param windowMs span the rate averages over. Default 10000.
   * @param bucketMs resolution of the window. Default 1000.
   */
  constructor(
    private readonly startedAtMs: number,
    private readonly windowMs = 10_000,
    private readonly bucketMs = 1_000,
  ) {
    this.counts = new Float64Array(Math.max(1, Math.round(windowMs / bucketMs)));
  }

  add(atMs: number, amount = 1): void {
    this.advanceTo(atMs);
    this.counts[this.slotOf(this.newestBucket)]! += amount;
  }

  /** Returns events per second over the window that ends at `nowMs`. */
  perSecond(nowMs: number): number {
    this.advanceTo(nowMs);
    let total = 0;
    for (const count of this.counts) total += count;
    const oldestStartMs = (this.newestBucket - this.counts.length + 1) * this.bucketMs;
    const spanMs = nowMs - Math.max(oldestStartMs, this.startedAtMs);
    if (spanMs <= 0 || total === 0) return 0;
    return total / (Math.min(spanMs, this.windowMs) / 1000);
  }

  private advanceTo(atMs: number): void {
    const bucket = Math.floor(atMs / this.bucketMs);
    if (bucket <= this.newestBucket) return;
    const steps = Math.min(bucket - this.newestBucket, this.counts.length);
    for (let i = 1; i <= steps; i++) {
      this.counts[this.slotOf(bucket - steps + i)] = 0;
    }
    this.newestBucket = bucket;
  }

  /** Ring index of an absolute bucket number, which may be negative. */
  private slotOf(bucket: number): number {
    const length = this.counts.length;
    return ((bucket % length) + length) % length;
  }
}
