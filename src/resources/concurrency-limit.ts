/**
 * Share of the calls in flight at a 429 that the limit drops to. The
 * margin leaves room for calls whose 429s are still on the way and for a
 * server whose own count runs a little behind. Up to 10 calls in flight the
 * margin is one call: 8 in flight at a 429 give a limit of 7.
 */
export const LIMIT_BACK_OFF_SHARE = 0.9;

/**
 * Time after a 429 before the limit may rise past the level the
 * server admitted. Each probe past that level that draws no 429 halves the
 * wait before the next one. When the server's cap has gone away, the waits
 * add up to about twice this time on the way back to `max_concurrent`.
 * A failed probe blocks the whole endpoint for its Retry-After (often 1 s),
 * so at a fixed server cap the probes cost about Retry-After divided by
 * this wait of the endpoint's time: 6% for a Retry-After of 1 s.
 */
export const FIRST_PROBE_WAIT_MS = 16_000;

/**
 * Multiple of a 429's Retry-After that must pass from its arrival before
 * the next probe. It keeps the cost of failed probes near 6% when the
 * Retry-After is long: with 20 s, probing every 16 s would fire each probe
 * as the block ends, and the endpoint would spend most of its time blocked.
 */
export const PROBE_WAIT_PER_RETRY_AFTER = 16;

/**
 * An adaptive cap on the calls one endpoint has in flight, learned from 429s
 * by additive increase and multiplicative decrease, as TCP's congestion
 * window is.
 *
 * A 429 cuts the limit to LIMIT_BACK_OFF_SHARE of the calls that were in
 * flight when it arrived, not counting the rejected one, and never below 1.
 * The limit never rises on a 429. When a burst draws many 429s, the later
 * ones arrive after the earlier ones have cleared, with fewer calls in
 * flight, so the burst ends with the limit near what the server admitted.
 *
 * Then the limit climbs by one after each run of `limit` successes. Those
 * count only while the limit is in use, that is, the calls in flight have
 * reached it since it last changed. So a lightly loaded endpoint does not
 * earn a high limit it has never tested. Up to the level the server admitted at the last
 * 429 the climb has no other condition. Past that level each step is a
 * probe and also waits, first FIRST_PROBE_WAIT_MS from the last change, then
 * half as long after each probe that drew no 429. No probe goes before
 * PROBE_WAIT_PER_RETRY_AFTER times the last 429's Retry-After has passed.
 */
export class ConcurrencyLimit {
  private limitValue: number;
  private sentCount = 0;
  /** Highest count of sent calls since the limit last changed. */
  private peakSent = 0;
  private successesInRun = 0;
  private changedAtMs = -Infinity;
  private admittedLevelValue: number;
  private probeWaitMs = 0;
  /** No probe before this time, set from the Retry-After of the last 429. */
  private probeNotBeforeMs = -Infinity;

  /** @param maxLimit The endpoint's `max_concurrent`: the limit starts and ends there. */
  constructor(readonly maxLimit: number) {
    this.limitValue = maxLimit;
    this.admittedLevelValue = maxLimit;
  }

  /** Calls the endpoint may have in flight now, from 1 to `maxLimit`. */
  get limit(): number {
    return this.limitValue;
  }

  /**
   * Calls in flight that the server admitted at the last 429, raised by
   * each probe that passed since, or `maxLimit` before any 429.
   */
  get admittedLevel(): number {
    return this.admittedLevelValue;
  }

  /** Calls sent to the server that have not settled yet. */
  get sentInFlight(): number {
    return this.sentCount;
  }

  /** True while fewer calls are in flight than the limit, so one more may be sent. */
  hasRoom(): boolean {
    return this.sentCount < this.limitValue;
  }

  /** Counts a call handed to the client. */
  recordSent(): void {
    this.sentCount += 1;
    if (this.sentCount > this.peakSent) this.peakSent = this.sentCount;
  }

  /**
   * Counts a sent call that has settled, whatever its outcome. Call it
   * before `recordSuccess` or `recordRejected` for that call.
   */
  recordSettled(): void {
    this.sentCount -= 1;
  }

  /**
   * Counts a success at `nowMs` and raises the limit by one when a run is
   * complete. Returns true when the limit rose, so the caller can wake a
   * call that waits for room.
   */
  recordSuccess(nowMs: number): boolean {
    if (this.limitValue >= this.maxLimit || this.peakSent < this.limitValue) return false;
    this.successesInRun += 1;
    if (this.successesInRun < this.limitValue) return false;
    if (this.limitValue > this.admittedLevelValue) {
      // A run filled the probed limit with no 429, so the server admits it.
      this.admittedLevelValue = this.limitValue;
      this.probeWaitMs /= 2;
    }
    const isNextStepProbe = this.limitValue >= this.admittedLevelValue;
    const isTooSoon =
      nowMs - this.changedAtMs < this.probeWaitMs || nowMs < this.probeNotBeforeMs;
    if (isNextStepProbe && isTooSoon) return false;
    this.setLimit(this.limitValue + 1, nowMs);
    return true;
  }

  /**
   * Cuts the limit for a 429 that arrived at `nowMs`. Call it after
   * `recordSettled` for the rejected call, so that the calls in flight are
   * the others, the ones the server was running when it rejected this one.
   * `retryAfterMs` is the wait the 429 requested, which delays the next
   * probe by PROBE_WAIT_PER_RETRY_AFTER times as long.
   */
  recordRejected(nowMs: number, retryAfterMs = 0): void {
    const admitted = this.sentCount;
    this.admittedLevelValue = Math.max(1, Math.min(this.admittedLevelValue, admitted));
    this.probeWaitMs = FIRST_PROBE_WAIT_MS;
    const probeNotBeforeMs = nowMs + PROBE_WAIT_PER_RETRY_AFTER * retryAfterMs;
    this.probeNotBeforeMs = Math.max(this.probeNotBeforeMs, probeNotBeforeMs);
    const cut = Math.max(1, Math.floor(admitted * LIMIT_BACK_OFF_SHARE));
    this.setLimit(Math.min(this.limitValue, cut), nowMs);
  }

  private setLimit(limit: number, nowMs: number): void {
    this.limitValue = limit;
    this.changedAtMs = nowMs;
    this.successesInRun = 0;
    this.peakSent = this.sentCount;
  }
}
