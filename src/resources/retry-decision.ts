import type { ProviderErrorKind, RetryHeaders } from "./provider-error.js";
import { parseRetryAfterMs } from "./retry-after.js";

/** Maximum total time a call waits out 429s before it fails: 10 minutes. */
export const MAX_RATE_LIMIT_WAIT_MS = 10 * 60 * 1000;

/** Minimum wait after a 429, whatever the Retry-After header requests: 250 ms. */
export const MIN_RATE_LIMIT_WAIT_MS = 250;

/** Cap on one exponential backoff delay, so that many retries stay sane: 2 minutes. */
export const MAX_BACKOFF_MS = 2 * 60 * 1000;

/** State of a call when an attempt has just failed. */
export interface RetryState {
  /** Attempts that counted against `maxRetries` so far, the failed one included. */
  attempt: number;
  /** 429 or 529 replies so far, the current one included when it is one. */
  rateLimitCount: number;
  /** Time already spent waiting out 429s. */
  rateLimitWaitMs: number;
}

export interface RetryPolicy {
  maxRetries: number;
  /** First backoff delay, doubled on each further retry. */
  retryDelayMs: number;
  /** A draw from the injected random source in [0, 1), for jitter. */
  jitter: number;
  /** Defaults to MAX_RATE_LIMIT_WAIT_MS. */
  maxRateLimitWaitMs?: number;
}

export interface RetryDecision {
  retry: boolean;
  delayMs: number;
  /** Why, in a few words, for events and error messages. */
  reason: string;
  /** True for a 429 requeue, which does not spend a retry. */
  isRateLimit: boolean;
}

/**
 * Decides whether a failed attempt is tried again and after how long. Pure:
 * the same arguments always give the same decision.
 *
 * - rate_limited: wait what Retry-After requests (else a backoff by the count
 *   of 429s), requeue without spending a retry, until the total wait would
 *   pass `maxRateLimitWaitMs`.
 * - transient, timeout: exponential backoff from `retryDelayMs`, scaled by
 *   a jitter factor in [0.75, 1.25), up to `maxRetries` retries; a longer
 *   Retry-After on a 503 wins.
 * - permanent, cancelled: never retried.
 *
 * `nowEpochMs` is wall-clock time, used only to read an HTTP-date Retry-After.
 */
export function decideRetry(
  state: RetryState,
  error: { kind: ProviderErrorKind; retryAfterMs?: number },
  headers: RetryHeaders | undefined,
  nowEpochMs: number,
  policy: RetryPolicy,
): RetryDecision {
  const retryAfterMs = parseRetryAfterMs(headers, nowEpochMs) ?? error.retryAfterMs;
  switch (error.kind) {
    case "rate_limited": {
      // A Retry-After of 0 (or a tiny one) would requeue at once, over and
      // over; a floor keeps a server that always returns 429 from being
      // hammered while the total wait runs out.
      const delayMs = Math.max(
        MIN_RATE_LIMIT_WAIT_MS,
        retryAfterMs ?? computeBackoffMs(state.rateLimitCount, policy.retryDelayMs, 0.5),
      );
      const limitMs = policy.maxRateLimitWaitMs ?? MAX_RATE_LIMIT_WAIT_MS;
      if (state.rateLimitWaitMs + delayMs > limitMs) {
        const minutes = Math.round(limitMs / 60_000);
        const reason =
          delayMs > limitMs - state.rateLimitWaitMs && state.rateLimitWaitMs < limitMs / 2
            ? `rate limited, and the server asked to wait ${Math.round(delayMs / 1000)} s, ` +
              `more than the ${minutes} min plait waits out 429s for one call`
            : `still rate limited after waiting ${minutes} min in total`;
        return { retry: false, delayMs: 0, reason, isRateLimit: true };
      }
      const reason = retryAfterMs === undefined ? "rate limited" : "rate limited, retry-after";
      return { retry: true, delayMs, reason, isRateLimit: true };
    }
    case "transient":
    case "timeout": {
      if (state.attempt > policy.maxRetries) {
        const verb = error.kind === "timeout" ? "timed out" : "failed";
        const attempts = state.attempt === 1 ? "1 attempt" : `${state.attempt} attempts`;
        const reason = `${verb} after ${attempts}`;
        return { retry: false, delayMs: 0, reason, isRateLimit: false };
      }
      const backoffMs = computeBackoffMs(state.attempt, policy.retryDelayMs, policy.jitter);
      const delayMs = Math.max(backoffMs, retryAfterMs ?? 0);
      const reason = error.kind === "timeout" ? "timeout" : "transient failure";
      return { retry: true, delayMs, reason, isRateLimit: false };
    }
    case "permanent":
      return { retry: false, delayMs: 0, reason: "permanent failure", isRateLimit: false };
    case "cancelled":
      return { retry: false, delayMs: 0, reason: "cancelled", isRateLimit: false };
  }
}

/**
 * Delay before retry number `retry` (from 1): `baseMs * 2^(retry-1)`, times
 * a factor from 0.75 (jitter 0) up to 1.25 (jitter near 1), capped at
 * MAX_BACKOFF_MS and rounded to whole milliseconds.
 */
export function computeBackoffMs(retry: number, baseMs: number, jitter: number): number {
  const exponentialMs = baseMs * 2 ** Math.max(0, retry - 1);
  const jitteredMs = exponentialMs * (0.75 + 0.5 * jitter);
  return Math.round(Math.min(MAX_BACKOFF_MS, jitteredMs));
}
