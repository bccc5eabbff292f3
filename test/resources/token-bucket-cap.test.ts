import { describe, expect, it } from "vitest";
import { BACK_OFF_SHARE, TokenBucket } from "../../src/resources/token-bucket.js";

/**
 * Builds a bucket of 100/s after 64 requests sent at 0 ms to a server that
 * ran `admitted` of them at once and rejected the rest with Retry-After 1 s.
 * The first 429 arrives at 5 ms with the 63 others still in flight, and
 * each later one at 6 ms with one call fewer in flight.
 */
function burstAtCap(admitted: number): TokenBucket {
  const bucket = new TokenBucket({ ratePerSecond: 100, nowMs: 0 });
  for (let index = 0; index < 64; index++) bucket.reserve(0);
  for (let index = 0; index < 64; index++) bucket.recordSent(0);
  bucket.backOff(5, 1000, 0, { inFlight: 63, admittedAtOnce: 64 });
  for (let inFlight = 62; inFlight >= admitted; inFlight--) {
    bucket.backOff(6, 1000, 0, { inFlight, admittedAtOnce: 64 });
  }
  return bucket;
}

describe("TokenBucket at a concurrency cap", () => {
  it("keeps the rate for a burst at the cap", () => {
    const bucket = burstAtCap(8);
    expect(bucket.factorAt(1006)).toBe(1);
    expect(bucket.blockedForMs(6)).toBe(1000);
    // One call may go when the block ends, then 100/s.
    expect(bucket.reserve(6)).toBe(1000);
    expect(bucket.reserve(6)).toBeCloseTo(1010, 9);
  });

  it("counts each 429 of the burst as a back-off", () => {
    const bucket = burstAtCap(8);
    expect(bucket.generation).toBe(56);
  });

  it("cuts the rate when fewer run than were admitted", () => {
    const bucket = burstAtCap(20);
    // Twenty admitted 10 ms apart after the block, then the 21st is
    // rejected with 5 calls in flight: the server admitted 20 at once
    // before, so the 429 comes from a rate of 20 per second.
    for (let index = 0; index <= 20; index++) bucket.recordSent(1006 + index * 10);
    bucket.backOff(1207, 1000, 1206, { inFlight: 5, admittedAtOnce: 20 });
    expect(bucket.factorAt(2207)).toBeCloseTo((BACK_OFF_SHARE * 20) / 100, 12);
    expect(bucket.blockedForMs(1207)).toBe(1000);
  });

  it("keeps the rate for a probe past the admitted level", () => {
    const bucket = new TokenBucket({ ratePerSecond: 100, nowMs: 0 });
    // 80/s with 8 in flight for a second, then a 9th at once is rejected.
    for (let index = 0; index <= 80; index++) bucket.recordSent(index * 12.5);
    bucket.backOff(1001, 1000, 1000, { inFlight: 8, admittedAtOnce: 8 });
    expect(bucket.factorAt(2001)).toBe(1);
    expect(bucket.blockedForMs(1001)).toBe(1000);
  });

  it("cuts the rate when admissions near rate_limit", () => {
    const bucket = new TokenBucket({ ratePerSecond: 10, nowMs: 0 });
    for (let index = 0; index < 10; index++) bucket.recordSent(0);
    // 9 admitted, 90% of the configured 10/s: the rate may be the cause.
    bucket.backOff(1, 1000, 0, { inFlight: 9, admittedAtOnce: 10 });
    expect(bucket.factorAt(1001)).toBeCloseTo((BACK_OFF_SHARE * 9) / 10, 12);
  });

  it("cuts the rate when nothing else is in flight", () => {
    const bucket = new TokenBucket({ ratePerSecond: 100, nowMs: 0 });
    for (let index = 0; index < 64; index++) bucket.recordSent(0);
    bucket.backOff(5, 1000, 0, { inFlight: 0, admittedAtOnce: 64 });
    expect(bucket.factorAt(1005)).toBeCloseTo((BACK_OFF_SHARE * 63) / 100, 12);
  });

  it("keeps a cap round's rate through its later 429s", () => {
    const bucket = new TokenBucket({ ratePerSecond: 100, nowMs: 0 });
    for (let index = 0; index < 64; index++) bucket.recordSent(0);
    bucket.backOff(5, 1000, 0, { inFlight: 63, admittedAtOnce: 64 });
    // These 429s were sent before the round began, so they carry no news,
    // even though few calls are in flight when they arrive.
    bucket.backOff(6, 1000, 0, { inFlight: 0, admittedAtOnce: 64 });
    bucket.backOff(6, 1000, 0, { inFlight: 0, admittedAtOnce: 1 });
    expect(bucket.factorAt(1006)).toBe(1);
  });

  it("cuts the rate without calls in flight given", () => {
    const bucket = new TokenBucket({ ratePerSecond: 100, nowMs: 0 });
    for (let index = 0; index < 64; index++) bucket.recordSent(0);
    bucket.backOff(5, 1000, 0);
    expect(bucket.factorAt(1005)).toBeCloseTo((BACK_OFF_SHARE * 63) / 100, 12);
  });
});
