import { describe, expect, it } from "vitest";
import { parseRetryAfterMs } from "../../src/resources/retry-after.js";
import {
  computeBackoffMs,
  decideRetry,
  MAX_BACKOFF_MS,
  MAX_RATE_LIMIT_WAIT_MS,
  type RetryPolicy,
} from "../../src/resources/retry-decision.js";

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
const policy: RetryPolicy = { maxRetries: 3, retryDelayMs: 1000, jitter: 0.5 };
const fresh = { attempt: 1, rateLimitCount: 0, rateLimitWaitMs: 0 };

describe("parseRetryAfterMs", () => {
  it.each([
    [{ "retry-after": "3" }, 3000],
    [{ "retry-after": "0.5" }, 500],
    [{ "retry-after": new Date(NOW + 7000).toUTCString() }, 7000],
    [{ "retry-after": new Date(NOW - 7000).toUTCString() }, 0],
    [{ "retry-after-ms": "1250" }, 1250],
    [{ "retry-after-ms": "40", "retry-after": "9" }, 40],
    [{ "retry-after": "soon" }, undefined],
    [{ "retry-after": "" }, undefined],
    [{}, undefined],
  ])("reads %j as %s ms", (headers, expected) => {
    expect(parseRetryAfterMs(headers, NOW)).toBe(expected);
  });
});

describe("decideRetry", () => {
  it("requeues a 429 for its Retry-After seconds", () => {
    const decision = decideRetry(
      { attempt: 0, rateLimitCount: 1, rateLimitWaitMs: 0 },
      { kind: "rate_limited" },
      { "retry-after": "2" },
      NOW,
      policy,
    );
    expect(decision).toEqual({
      retry: true,
      delayMs: 2000,
      reason: "rate limited, retry-after",
      isRateLimit: true,
    });
  });

  it("requeues a 429 until an HTTP-date Retry-After", () => {
    const headers = { "retry-after": new Date(NOW + 12_000).toUTCString() };
    const decision = decideRetry(fresh, { kind: "rate_limited" }, headers, NOW, policy);
    expect(decision.delayMs).toBe(12_000);
  });

  it("requeues a 429 without spending a retry", () => {
    const state = { attempt: 3, rateLimitCount: 5, rateLimitWaitMs: 0 };
    const error = { kind: "rate_limited" as const, retryAfterMs: 400 };
    const decision = decideRetry(state, error, undefined, NOW, { ...policy, maxRetries: 0 });
    expect(decision.retry).toBe(true);
    expect(decision.delayMs).toBe(400);
  });

  it("waits at least 250 ms after a 429 with Retry-After 0", () => {
    const state = { attempt: 0, rateLimitCount: 1, rateLimitWaitMs: 0 };
    const headers = { "retry-after": "0" };
    const decision = decideRetry(state, { kind: "rate_limited" }, headers, NOW, policy);
    expect(decision.retry).toBe(true);
    expect(decision.delayMs).toBe(250);
  });

  it("names a Retry-After longer than the whole wait bound", () => {
    const state = { attempt: 0, rateLimitCount: 1, rateLimitWaitMs: 0 };
    const error = { kind: "rate_limited" as const, retryAfterMs: 700_000 };
    const decision = decideRetry(state, error, undefined, NOW, policy);
    expect(decision.retry).toBe(false);
    expect(decision.reason).toBe(
      "rate limited, and the server asked to wait 700 s, " +
        "more than the 10 min plait waits out 429s for one call",
    );
  });

  it("backs off a 429 with no Retry-After by the count of 429s", () => {
    const state = { attempt: 0, rateLimitCount: 3, rateLimitWaitMs: 0 };
    const decision = decideRetry(state, { kind: "rate_limited" }, undefined, NOW, policy);
    expect(decision.delayMs).toBe(4000);
  });

  it("fails a 429 once the total wait passes the bound", () => {
    const state = { attempt: 0, rateLimitCount: 9, rateLimitWaitMs: MAX_RATE_LIMIT_WAIT_MS - 500 };
    const error = { kind: "rate_limited" as const, retryAfterMs: 1000 };
    const decision = decideRetry(state, error, undefined, NOW, policy);
    expect(decision.retry).toBe(false);
    expect(decision.reason).toBe("still rate limited after waiting 10 min in total");
  });

  it("doubles the transient backoff from retry_delay", () => {
    const delays = [1, 2, 3].map(
      (attempt) =>
        decideRetry({ ...fresh, attempt }, { kind: "transient" }, undefined, NOW, policy).delayMs,
    );
    expect(delays).toEqual([1000, 2000, 4000]);
  });

  it.each([
    [0, 750],
    [0.5, 1000],
    [0.999, 1250],
  ])("scales the backoff by jitter %s to %s ms", (jitter, expected) => {
    expect(computeBackoffMs(1, 1000, jitter)).toBe(Math.round(expected));
  });

  it("caps one backoff delay", () => {
    expect(computeBackoffMs(30, 1000, 0.5)).toBe(MAX_BACKOFF_MS);
  });

  it("stops after max_retries retries", () => {
    const state = { ...fresh, attempt: 4 };
    const decision = decideRetry(state, { kind: "transient" }, undefined, NOW, policy);
    expect(decision).toEqual({
      retry: false,
      delayMs: 0,
      reason: "failed after 4 attempts",
      isRateLimit: false,
    });
  });

  it("retries a timeout like a transient failure", () => {
    const decision = decideRetry(fresh, { kind: "timeout" }, undefined, NOW, policy);
    expect(decision).toMatchObject({ retry: true, delayMs: 1000, reason: "timeout" });
  });

  it("honours a longer Retry-After on a 503", () => {
    const headers = { "retry-after": "5" };
    const decision = decideRetry(fresh, { kind: "transient" }, headers, NOW, policy);
    expect(decision.delayMs).toBe(5000);
  });

  it.each(["permanent", "cancelled"] as const)("never retries %s", (kind) => {
    const decision = decideRetry(fresh, { kind }, { "retry-after": "1" }, NOW, policy);
    expect(decision.retry).toBe(false);
  });
});
