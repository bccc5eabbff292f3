/** Sends and rejections remembered; at higher rates a window is counted in part. */
export const SEND_HISTORY_SIZE = 4096;

/**
 * Send times of the latest requests to one endpoint, and of those among
 * them that were rejected with a 429, in two fixed rings. Memory and the
 * cost of a send stay the same whatever the rate.
 */
export class SendHistory {
  private readonly sent = new TimeRing(SEND_HISTORY_SIZE);
  private readonly rejected = new TimeRing(SEND_HISTORY_SIZE);

  recordSent(sentAtMs: number): void {
    this.sent.push(sentAtMs);
  }

  recordRejected(sentAtMs: number): void {
    this.rejected.push(sentAtMs);
  }

  /**
   * Counts the requests sent in (`endMs - windowMs`, `endMs`] and how many
   * of them were not rejected. A request still in flight counts as admitted.
   */
  countWindow(endMs: number, windowMs: number): { sent: number; admitted: number } {
    const startMs = endMs - windowMs;
    const sent = this.sent.countBetween(startMs, endMs);
    const rejected = this.rejected.countBetween(startMs, endMs);
    return { sent, admitted: Math.max(0, sent - rejected) };
  }
}

/** The latest `size` times pushed, overwriting the oldest. */
class TimeRing {
  private readonly timesMs: Float64Array;
  private count = 0;

  constructor(private readonly size: number) {
    this.timesMs = new Float64Array(size);
  }

  push(atMs: number): void {
    this.timesMs[this.count % this.size] = atMs;
    this.count += 1;
  }

  /**
   * Counts times in (`afterMs`, `untilMs`]. Times arrive nearly in order
   * (rejections in the order their replies came back), so the scan goes
   * from the newest back and stops once a whole second of older times
   * has passed below `afterMs`.
   */
  countBetween(afterMs: number, untilMs: number): number {
    const oldest = Math.max(0, this.count - this.size);
    let matches = 0;
    for (let index = this.count - 1; index >= oldest; index--) {
      const atMs = this.timesMs[index % this.size]!;
      if (atMs > afterMs && atMs <= untilMs) matches += 1;
      else if (atMs <= afterMs - 1000) break;
    }
    return matches;
  }
}
