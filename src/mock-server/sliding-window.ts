/**
 * Counts events in the last `windowMs` milliseconds. Times must not go
 * backwards. Memory is the number of events inside the window.
 */
export class SlidingWindow {
  private times: number[] = [];
  private head = 0;

  constructor(private readonly windowMs = 1000) {}

  record(nowMs: number): void {
    this.times.push(nowMs);
  }

  /** Events in (nowMs - windowMs, nowMs]. */
  count(nowMs: number): number {
    this.evict(nowMs);
    return this.times.length - this.head;
  }

  /** Returns the ms until the oldest event in the window leaves it, or 0 when empty. */
  msUntilOldestLeaves(nowMs: number): number {
    this.evict(nowMs);
    const oldest = this.times[this.head];
    return oldest === undefined ? 0 : oldest + this.windowMs - nowMs;
  }

  clear(): void {
    this.times = [];
    this.head = 0;
  }

  private evict(nowMs: number): void {
    const cutoff = nowMs - this.windowMs;
    while (this.head < this.times.length && (this.times[this.head] ?? 0) <= cutoff) this.head++;
    // Drop the consumed prefix now and then instead of shifting on every event.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}
