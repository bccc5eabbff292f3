/** Lowest share of the configured rate that repeated 429s can push a bucket down to. */
export const MIN_RATE_FACTOR = 1 / 16;

/** Share of the configured rate won back by each success after a back-off. */
export const RATE_RECOVERY_STEP = 0.05;

export interface TokenBucketOptions {
  /** Tokens added per second; undefined means no rate limit, only back-offs. */
  ratePerSecond?: number;
  /** Most tokens saved up after an idle spell. Default: one second's worth, at least 1. */
  burst?: number;
  /** Start time of the bucket, which starts full. */
  nowMs: number;
}

/**
 * A token bucket that hands out reservations instead of refusals: `reserve`
 * takes its tokens at once, running into debt when the bucket is empty, and
 * returns how long the caller must wait before using them. Callers that
 * reserve in turn are therefore spaced `1 / rate` apart without a queue.
 *
 * The effective rate is the configured rate times an adaptive factor, which
 * halves on every 429 (down to MIN_RATE_FACTOR) and grows by
 * RATE_RECOVERY_STEP on every success (up to 1). A back-off also blocks the
 * whole bucket until the provider's Retry-After has passed.
 */
export class TokenBucket {
  private readonly ratePerMs: number;
  private readonly burst: number;
  private tokens: number;
  /** Time up to which tokens have been added; ahead of now while blocked. */
  private refilledAtMs: number;
  private rateFactor = 1;

  constructor(options: TokenBucketOptions) {
    const rate = options.ratePerSecond;
    this.ratePerMs = rate === undefined ? Infinity : rate / 1000;
    this.burst = options.burst ?? Math.max(1, rate ?? 1);
    this.tokens = this.burst;
    this.refilledAtMs = options.nowMs;
  }

  /** Current share of the configured rate, from MIN_RATE_FACTOR to 1. */
  get factor(): number {
    return this.rateFactor;
  }

  /** Takes `count` tokens and returns the milliseconds to wait before using them. */
  reserve(nowMs: number, count = 1): number {
    const blockedMs = this.refilledAtMs > nowMs ? this.refilledAtMs - nowMs : 0;
    if (this.ratePerMs === Infinity) return blockedMs;
    this.refill(nowMs);
    this.tokens -= count;
    if (this.tokens >= 0) return blockedMs;
    return blockedMs + -this.tokens / (this.ratePerMs * this.rateFactor);
  }

  /**
   * Milliseconds left of a back-off that started after a reservation was
   * made; a caller that has slept out its reservation checks this before it
   * sends.
   */
  blockedForMs(nowMs: number): number {
    return this.refilledAtMs > nowMs ? this.refilledAtMs - nowMs : 0;
  }

  /**
   * Adds `count` tokens of debt (or returns tokens when negative), for a
   * tokens-per-minute bucket whose reservation was an estimate.
   */
  charge(nowMs: number, count: number): void {
    if (this.ratePerMs === Infinity) return;
    this.refill(nowMs);
    this.tokens = Math.min(this.burst, this.tokens - count);
  }

  /** Halves the rate and blocks the bucket for `retryAfterMs`, after a 429. */
  backOff(nowMs: number, retryAfterMs: number): void {
    this.refill(nowMs);
    this.rateFactor = Math.max(MIN_RATE_FACTOR, this.rateFactor / 2);
    const untilMs = nowMs + retryAfterMs;
    if (untilMs > this.refilledAtMs) {
      this.refilledAtMs = untilMs;
      // One request may go when the block ends, then the reduced rate applies.
      this.tokens = Math.min(this.tokens, 1);
    }
  }

  /** Wins back part of the rate after a success. */
  recover(): void {
    if (this.rateFactor < 1) {
      this.rateFactor = Math.min(1, this.rateFactor + RATE_RECOVERY_STEP);
    }
  }

  private refill(nowMs: number): void {
    if (nowMs <= this.refilledAtMs) return;
    if (this.ratePerMs !== Infinity) {
      const added = (nowMs - this.refilledAtMs) * this.ratePerMs * this.rateFactor;
      this.tokens = Math.min(this.burst, this.tokens + added);
    }
    this.refilledAtMs = nowMs;
  }
}
