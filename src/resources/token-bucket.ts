import { flatRamp, msToEarn, rateAt, tokensBetween, type RateRamp } from "./rate-ramp.js";
import { SendHistory } from "./send-history.js";

/** Lowest share of the configured rate that 429s can push a bucket down to. */
export const MIN_RATE_FACTOR = 1 / 16;

/**
 * Share of the rate the server admitted that a back-off sets the rate to.
 * The 10% margin absorbs timer and event-loop delays: at 90% of a limit
 * of 20 requests per sliding second, a request must be late by more than
 * 111 ms before 21 land in one second.
 */
export const BACK_OFF_SHARE = 0.9;

/**
 * Share of the reduced rate won back per second free of 429s, in a
 * straight line. At 0.2% a second the rate takes 25 s to climb back by 5%.
 * The climb is slow because every 429 blocks the endpoint for a whole
 * Retry-After, often 1 s, so each probe above the server's limit is costly.
 */
export const RECOVERY_SHARE_PER_SECOND = 0.002;

/** Window over which the admitted rate is measured; rate limits are per second. */
export const ADMISSION_WINDOW_MS = 1000;

/** With fewer sends than this in the window, a 429 measures nothing, so the rate is halved. */
export const MIN_SENDS_TO_MEASURE = 4;

/**
 * Share of the calls the server has admitted at once that must still be in
 * flight at a round's first 429 for the concurrency cap to explain it. The
 * margin covers admitted calls that finished just before the 429 arrived.
 */
export const IN_FLIGHT_SHARE_FOR_CAP = 0.9;

/** The endpoint's calls in flight when a 429 arrived, as its concurrency limit counts them. */
export interface InFlightAtRejection {
  /** Other calls sent and not settled when the 429 arrived. */
  inFlight: number;
  /**
   * Maximum calls the server has been seen to admit at once: the concurrency
   * limit's admitted level, or `max_concurrent` before any 429.
   */
  admittedAtOnce: number;
}

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
 * A 429 blocks the whole bucket until its Retry-After has passed and, once
 * per round, lowers the rate unless a concurrency cap explains the round
 * (see `backOff`). The rate then climbs back in
 * a straight line from the end of the block, RECOVERY_SHARE_PER_SECOND of
 * the reduced rate each second, up to the configured rate. Until it gets
 * there, the bucket saves up no burst.
 */
export class TokenBucket {
  private readonly ratePerMs: number;
  private readonly burst: number;
  private tokens: number;
  /** Time up to which tokens have been added; ahead of now while blocked. */
  private refilledAtMs: number;
  private ramp: RateRamp;
  private readonly history = new SendHistory();
  /** Arrival time of the 429 that began the current round of back-off. */
  private lastBackOffAtMs = -Infinity;
  /** Send time of the request whose 429 began the current round. */
  private roundSentAtMs = 0;
  private rateBeforeRoundPerMs = 0;
  /** True when the current round's 429s come from a concurrency cap, so the rate stays. */
  private isCapRound = false;
  private backOffCount = 0;

  constructor(options: TokenBucketOptions) {
    const rate = options.ratePerSecond;
    this.ratePerMs = rate === undefined ? Infinity : rate / 1000;
    this.burst = options.burst ?? Math.max(1, rate ?? 1);
    this.tokens = this.burst;
    this.refilledAtMs = options.nowMs;
    this.ramp = flatRamp(this.ratePerMs);
  }

  /**
   * Back-offs so far. A caller that reserved before the count changed
   * reserves again, because its reservation was spaced at the old rate and
   * its debt was forgiven.
   */
  get generation(): number {
    return this.backOffCount;
  }

  /** Share of the configured rate in effect at `nowMs`, from MIN_RATE_FACTOR to 1. */
  factorAt(nowMs: number): number {
    if (this.ratePerMs === Infinity) return 1;
    return rateAt(this.ramp, nowMs) / this.ratePerMs;
  }

  /** Takes `count` tokens and returns the milliseconds to wait before using them. */
  reserve(nowMs: number, count = 1): number {
    const blockedMs = this.refilledAtMs > nowMs ? this.refilledAtMs - nowMs : 0;
    if (this.ratePerMs === Infinity) return blockedMs;
    this.refill(nowMs);
    this.tokens -= count;
    if (this.tokens >= 0) return blockedMs;
    return blockedMs + msToEarn(this.ramp, this.refilledAtMs, -this.tokens);
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

  /** Counts a request sent at `sentAtMs`, for measuring the rate a server admits. */
  recordSent(sentAtMs: number): void {
    this.history.recordSent(sentAtMs);
  }

  /**
   * Handles a 429 that arrived at `nowMs` for a request sent at `sentAtMs`.
   *
   * Every 429 blocks the bucket until `nowMs + retryAfterMs`. Only one sent
   * after the current round began starts a new round and cuts the rate
   * again, because the others were sent at the old rate and carry no news. A
   * round sets the rate to BACK_OFF_SHARE of what the server admitted in
   * the second before the request that began it, or of the rate before the
   * round when that was lower. Each later 429 of the round lowers the
   * admitted count, so the rate is worked out again. With fewer than
   * MIN_SENDS_TO_MEASURE sends in that second, the rate is halved instead.
   *
   * With `atRejection`, a round whose first 429 is explained by a
   * concurrency cap (see `isExplainedByCap`) blocks the bucket but keeps
   * the rate, because the concurrency limit handles it. Were the rate cut,
   * a cap of 8 on 100 ms calls would admit 8 of a burst, and the bucket
   * would pace calls at 7.2/s where the cap allows 80/s.
   */
  backOff(
    nowMs: number,
    retryAfterMs: number,
    sentAtMs = nowMs,
    atRejection?: InFlightAtRejection,
  ): void {
    this.refill(nowMs);
    this.history.recordRejected(sentAtMs);
    // A request sent in the same millisecond as the 429 that began the
    // round counts as sent before it.
    if (sentAtMs > this.lastBackOffAtMs) {
      this.lastBackOffAtMs = nowMs;
      this.roundSentAtMs = sentAtMs;
      this.rateBeforeRoundPerMs = rateAt(this.ramp, nowMs);
      this.isCapRound = atRejection !== undefined && this.isExplainedByCap(atRejection);
    }
    const untilMs = nowMs + retryAfterMs;
    if (untilMs > this.refilledAtMs) this.refilledAtMs = untilMs;
    // NOTE: without a configured rate there is no rate to cut, so an
    // endpoint with no rate_limit only waits out each Retry-After and then
    // sends at full concurrency again.
    if (this.ratePerMs !== Infinity && !this.isCapRound) this.ramp = this.reducedRamp();
    // One request may go when the block ends, then the reduced rate
    // applies. Every waiting caller reserves again at that rate, so the
    // debt of their old reservations is forgiven.
    this.tokens = Math.min(1, this.burst);
    this.backOffCount += 1;
  }

  /**
   * Returns true when the server still ran nearly every call it has been
   * seen to admit at once when it sent the round's first 429, and admitted
   * well under the configured rate in the second before. The first burst
   * at a rate limit looks the same, because the calls it admitted are still
   * running too. The rate is then cut at the next round, whose 429 arrives
   * with fewer calls in flight than the server admitted in that second.
   * At a sliding-window limit that round costs little: it comes once the
   * window's quota is spent, so its Retry-After overlaps time the server
   * would reject calls anyway.
   */
  private isExplainedByCap(atRejection: InFlightAtRejection): boolean {
    const window = this.history.countWindow(this.roundSentAtMs, ADMISSION_WINDOW_MS);
    const configuredPerWindow = this.ratePerMs * ADMISSION_WINDOW_MS;
    if (window.admitted >= BACK_OFF_SHARE * configuredPerWindow) return false;
    const atOnce = Math.min(window.admitted, atRejection.admittedAtOnce);
    if (atOnce < 1 || atRejection.inFlight < 1) return false;
    return atRejection.inFlight >= IN_FLIGHT_SHARE_FOR_CAP * atOnce;
  }

  private reducedRamp(): RateRamp {
    const window = this.history.countWindow(this.roundSentAtMs, ADMISSION_WINDOW_MS);
    let reducedPerMs: number;
    if (window.sent >= MIN_SENDS_TO_MEASURE) {
      const admittedPerMs = window.admitted / ADMISSION_WINDOW_MS;
      reducedPerMs = BACK_OFF_SHARE * Math.min(this.rateBeforeRoundPerMs, admittedPerMs);
    } else {
      reducedPerMs = this.rateBeforeRoundPerMs / 2;
    }
    reducedPerMs = Math.max(this.ratePerMs * MIN_RATE_FACTOR, reducedPerMs);
    return {
      startMs: this.refilledAtMs,
      startPerMs: reducedPerMs,
      slopePerMs2: (reducedPerMs * RECOVERY_SHARE_PER_SECOND) / 1000,
      capPerMs: this.ratePerMs,
    };
  }

  /**
   * Returns the tokens that may be saved up at `nowMs`: 1 until the rate
   * has climbed back to the configured rate. A server that sent 429s may
   * count requests in a sliding window, and there a saved-up burst on top
   * of the rate puts more than the rate into one window.
   */
  private burstAt(nowMs: number): number {
    if (rateAt(this.ramp, nowMs) < this.ratePerMs) return Math.min(1, this.burst);
    return this.burst;
  }

  private refill(nowMs: number): void {
    if (nowMs <= this.refilledAtMs) return;
    if (this.ratePerMs !== Infinity) {
      const added = tokensBetween(this.ramp, this.refilledAtMs, nowMs);
      this.tokens = Math.min(this.burstAt(nowMs), this.tokens + added);
    }
    this.refilledAtMs = nowMs;
  }
}
