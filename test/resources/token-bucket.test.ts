import { describe, expect, it } from "vitest";
import {
  BACK_OFF_SHARE,
  MIN_RATE_FACTOR,
  RECOVERY_SHARE_PER_SECOND,
  TokenBucket,
} from "../../src/resources/token-bucket.js";

/**
 * Builds a bucket of 100/s after 64 requests sent at 0 ms, of which the first
 * `rejected` came back as 429s with Retry-After 1 s: the first at 5 ms,
 * the rest at 6 ms.
 */
function burstOf64WithRejections(rejected: number): TokenBucket {
  const bucket = new TokenBucket({ ratePerSecond: 100, nowMs: 0 });
  for (let index = 0; index < 64; index++) expect(bucket.reserve(0)).toBe(0);
  for (let index = 0; index < 64; index++) bucket.recordSent(0);
  bucket.backOff(5, 1000, 0);
  for (let index = 1; index < rejected; index++) bucket.backOff(6, 1000, 0);
  return bucket;
}

describe("TokenBucket", () => {
  it("lets a full burst go at once", () => {
    const bucket = new TokenBucket({ ratePerSecond: 5, burst: 3, nowMs: 0 });
    expect(bucket.reserve(0)).toBe(0);
    expect(bucket.reserve(0)).toBe(0);
    expect(bucket.reserve(0)).toBe(0);
  });

  it("spaces reservations past the burst at 1 / rate", () => {
    const bucket = new TokenBucket({ ratePerSecond: 4, burst: 1, nowMs: 0 });
    expect(bucket.reserve(0)).toBe(0);
    expect(bucket.reserve(0)).toBe(250);
    expect(bucket.reserve(0)).toBe(500);
    expect(bucket.reserve(0)).toBe(750);
  });

  it("refills with elapsed time up to the burst", () => {
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 2, nowMs: 0 });
    bucket.reserve(0);
    bucket.reserve(0);
    expect(bucket.reserve(50)).toBe(50);
    // Ten seconds idle refill only the burst of 2.
    expect(bucket.reserve(10_000)).toBe(0);
    expect(bucket.reserve(10_000)).toBe(0);
    expect(bucket.reserve(10_000)).toBe(100);
  });

  it("defaults the burst to one second's worth", () => {
    const bucket = new TokenBucket({ ratePerSecond: 3, nowMs: 0 });
    const waits = [0, 1, 2, 3].map(() => bucket.reserve(0));
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    expect(waits[3]).toBeCloseTo(1000 / 3, 6);
  });

  it("blocks the whole bucket for the retry-after of a 429", () => {
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 10, nowMs: 0 });
    bucket.backOff(0, 2000);
    // No sends to measure, so the rate is halved to 5/s.
    expect(bucket.factorAt(0)).toBe(0.5);
    expect(bucket.blockedForMs(500)).toBe(1500);
    expect(bucket.reserve(500)).toBe(1500);
    // 5/s spaces the next call 200 ms after the block, a little less as it climbs.
    expect(bucket.reserve(500)).toBeCloseTo(1699.96, 2);
  });

  it("blocks an unlimited bucket without spacing calls", () => {
    const bucket = new TokenBucket({ nowMs: 0 });
    expect(bucket.reserve(0)).toBe(0);
    bucket.backOff(100, 3000);
    expect(bucket.reserve(100)).toBe(3000);
    expect(bucket.reserve(2100)).toBe(1000);
    expect(bucket.reserve(3100)).toBe(0);
  });

  it("halves per 429 with nothing to measure, down to the floor", () => {
    const bucket = new TokenBucket({ ratePerSecond: 10, nowMs: 0 });
    const factors: number[] = [];
    for (let round = 1; round <= 6; round++) {
      bucket.backOff(round, 1000, round);
      factors.push(bucket.factorAt(round));
    }
    expect(factors).toEqual([0.5, 0.25, 0.125, MIN_RATE_FACTOR, MIN_RATE_FACTOR, MIN_RATE_FACTOR]);
  });

  it("cuts the rate to a share of what the server admitted", () => {
    const bucket = burstOf64WithRejections(44);
    // 20 of 64 admitted in the second before: 90% of 20/s.
    expect(bucket.factorAt(1006)).toBeCloseTo((BACK_OFF_SHARE * 20) / 100, 12);
    expect(bucket.blockedForMs(6)).toBe(1000);
  });

  it("refines the cut with each 429 of the same round", () => {
    const bucket = burstOf64WithRejections(1);
    // One rejection seen: 63 admitted, so 90% of 63/s.
    expect(bucket.factorAt(1005)).toBeCloseTo((BACK_OFF_SHARE * 63) / 100, 12);
    bucket.backOff(6, 1000, 0);
    expect(bucket.factorAt(1006)).toBeCloseTo((BACK_OFF_SHARE * 62) / 100, 12);
  });

  it("ignores 429s for requests sent before the round began", () => {
    const bucket = burstOf64WithRejections(44);
    const factor = bucket.factorAt(1006);
    // Sent at 3 ms, before the round's first 429 arrived at 5 ms.
    bucket.recordSent(3);
    bucket.backOff(900, 1000, 3);
    expect(bucket.factorAt(1900)).toBeCloseTo(factor, 12);
    expect(bucket.blockedForMs(900)).toBe(1000);
  });

  it("cuts again for a request sent after the last back-off", () => {
    const bucket = burstOf64WithRejections(44);
    // 15 requests admitted 60 ms apart after the block, then the 16th is rejected.
    for (let index = 0; index < 16; index++) bucket.recordSent(1006 + index * 60);
    bucket.backOff(1910, 1000, 1906);
    expect(bucket.factorAt(2910)).toBeCloseTo((BACK_OFF_SHARE * 15) / 100, 12);
  });

  it("climbs back a share of the cut rate per 429-free second", () => {
    const bucket = burstOf64WithRejections(44);
    const cutFactor = bucket.factorAt(1006);
    expect(bucket.factorAt(11_006)).toBeCloseTo(cutFactor * (1 + 10 * RECOVERY_SHARE_PER_SECOND), 12);
    expect(bucket.factorAt(10_000_000)).toBe(1);
  });

  it("saves up no burst while the rate is cut", () => {
    const bucket = burstOf64WithRejections(44);
    expect(bucket.reserve(6)).toBe(1000);
    // Idle for 10 s at about 18/s would save up 100 tokens at the full rate.
    expect(bucket.reserve(11_006)).toBe(0);
    expect(bucket.reserve(11_006)).toBeGreaterThan(50);
  });

  it("spaces calls at the cut rate after the block", () => {
    const bucket = burstOf64WithRejections(44);
    expect(bucket.reserve(6)).toBe(1000);
    // 18/s, and the climb has barely begun: 1000 / 18 = 55.56 ms.
    expect(bucket.reserve(6)).toBeCloseTo(1000 + 55.55, 1);
  });

  it("counts each back-off as a new generation", () => {
    const bucket = new TokenBucket({ ratePerSecond: 10, nowMs: 0 });
    expect(bucket.generation).toBe(0);
    bucket.backOff(0, 1000);
    bucket.backOff(10, 1000, 0);
    expect(bucket.generation).toBe(2);
  });

  it("charges tokens used beyond a reservation's estimate", () => {
    const perMinute = new TokenBucket({ ratePerSecond: 1000 / 60, burst: 1000, nowMs: 0 });
    expect(perMinute.reserve(0, 400)).toBe(0);
    perMinute.charge(0, 600);
    // 1000 tokens used: the next 60 tokens arrive at 1000/60 per second.
    expect(perMinute.reserve(0, 60)).toBeCloseTo(3600, 6);
  });

  it("returns tokens when a reservation overestimated", () => {
    const perMinute = new TokenBucket({ ratePerSecond: 1, burst: 100, nowMs: 0 });
    perMinute.reserve(0, 100);
    perMinute.charge(0, -50);
    expect(perMinute.reserve(0, 50)).toBe(0);
  });
});
