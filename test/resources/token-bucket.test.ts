import { describe, expect, it } from "vitest";
import {
  MIN_RATE_FACTOR,
  RATE_RECOVERY_STEP,
  TokenBucket,
} from "../../src/resources/token-bucket.js";

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
    expect(bucket.factor).toBe(0.5);
    expect(bucket.blockedForMs(500)).toBe(1500);
    expect(bucket.reserve(500)).toBe(1500);
    // The halved rate of 5/s spaces the next call 200 ms after the block.
    expect(bucket.reserve(500)).toBe(1700);
  });

  it("blocks an unlimited bucket without spacing calls", () => {
    const bucket = new TokenBucket({ nowMs: 0 });
    expect(bucket.reserve(0)).toBe(0);
    bucket.backOff(100, 3000);
    expect(bucket.reserve(100)).toBe(3000);
    expect(bucket.reserve(2100)).toBe(1000);
    expect(bucket.reserve(3100)).toBe(0);
  });

  it("halves per 429 down to the floor and recovers per success", () => {
    const bucket = new TokenBucket({ ratePerSecond: 10, nowMs: 0 });
    for (let index = 0; index < 10; index++) bucket.backOff(0, 0);
    expect(bucket.factor).toBe(MIN_RATE_FACTOR);
    const before = bucket.factor;
    bucket.recover();
    expect(bucket.factor).toBeCloseTo(before + RATE_RECOVERY_STEP, 10);
    for (let index = 0; index < 100; index++) bucket.recover();
    expect(bucket.factor).toBe(1);
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
