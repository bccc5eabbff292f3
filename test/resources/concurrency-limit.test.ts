import { describe, expect, it } from "vitest";
import {
  ConcurrencyLimit,
  FIRST_PROBE_WAIT_MS,
  PROBE_WAIT_PER_RETRY_AFTER,
} from "../../src/resources/concurrency-limit.js";

/** Sends `count` calls at once. */
function send(limit: ConcurrencyLimit, count: number): void {
  for (let index = 0; index < count; index++) limit.recordSent();
}

/** Settles one call with a 429 that arrives at `nowMs`. */
function reject(limit: ConcurrencyLimit, nowMs: number): void {
  limit.recordSettled();
  limit.recordRejected(nowMs);
}

/**
 * Runs successes at `nowMs` the way a saturated endpoint does: each one
 * frees a place and, while there is room, a waiting call takes it. Returns
 * how many of them raised the limit.
 */
function succeed(limit: ConcurrencyLimit, nowMs: number, count: number): number {
  let raises = 0;
  for (let index = 0; index < count; index++) {
    limit.recordSettled();
    if (limit.recordSuccess(nowMs)) raises += 1;
    while (limit.hasRoom()) limit.recordSent();
  }
  return raises;
}

/** Builds an endpoint at max 64 that sent 64 calls to a server capped at 8, which rejected 56. */
function cutByBurst(): ConcurrencyLimit {
  const limit = new ConcurrencyLimit(64);
  send(limit, 64);
  for (let index = 0; index < 56; index++) reject(limit, 10);
  return limit;
}

describe("ConcurrencyLimit", () => {
  it("starts at max_concurrent", () => {
    const limit = new ConcurrencyLimit(12);
    expect(limit.limit).toBe(12);
    send(limit, 11);
    expect(limit.hasRoom()).toBe(true);
    send(limit, 1);
    expect(limit.hasRoom()).toBe(false);
    expect(limit.sentInFlight).toBe(12);
  });

  it("cuts to 90% of the other calls in flight", () => {
    const limit = new ConcurrencyLimit(64);
    send(limit, 21);
    reject(limit, 5);
    // 20 others were in flight: floor(0.9 * 20) = 18.
    expect(limit.limit).toBe(18);
  });

  it("cuts by one call below 10 in flight", () => {
    const limit = new ConcurrencyLimit(64);
    send(limit, 9);
    reject(limit, 5);
    expect(limit.limit).toBe(7);
  });

  it("never cuts below one", () => {
    const limit = new ConcurrencyLimit(64);
    send(limit, 1);
    reject(limit, 5);
    expect(limit.limit).toBe(1);
    expect(limit.hasRoom()).toBe(true);
  });

  it("lowers the limit with each 429 of a burst", () => {
    const limit = new ConcurrencyLimit(64);
    send(limit, 64);
    reject(limit, 10);
    expect(limit.limit).toBe(56);
    reject(limit, 11);
    expect(limit.limit).toBe(55);
    for (let index = 0; index < 54; index++) reject(limit, 12);
    // The 8 calls the server admitted are left: floor(0.9 * 8) = 7.
    expect(limit.sentInFlight).toBe(8);
    expect(limit.limit).toBe(7);
  });

  it("never raises the limit on a 429", () => {
    const limit = new ConcurrencyLimit(64);
    send(limit, 8);
    reject(limit, 10);
    expect(limit.limit).toBe(6);
    send(limit, 20);
    reject(limit, 20);
    expect(limit.limit).toBe(6);
  });

  it("climbs back to the admitted level without a wait", () => {
    const limit = cutByBurst();
    expect(limit.limit).toBe(7);
    // The first 6 successes leave the run one short: a run is `limit` long.
    expect(succeed(limit, 100, 6)).toBe(0);
    expect(limit.limit).toBe(7);
    expect(succeed(limit, 100, 1)).toBe(1);
    expect(limit.limit).toBe(8);
  });

  it("probes past the admitted level after the first wait", () => {
    const limit = cutByBurst();
    succeed(limit, 100, 7);
    expect(limit.limit).toBe(8);
    // A full run at 8 is not enough: the wait counts from the change at 100 ms.
    expect(succeed(limit, 200, 50)).toBe(0);
    expect(limit.limit).toBe(8);
    expect(succeed(limit, 100 + FIRST_PROBE_WAIT_MS - 1, 1)).toBe(0);
    expect(succeed(limit, 100 + FIRST_PROBE_WAIT_MS, 1)).toBe(1);
    expect(limit.limit).toBe(9);
  });

  it("halves the wait after each probe that passes", () => {
    const limit = cutByBurst();
    succeed(limit, 100, 7);
    let nowMs = 100 + FIRST_PROBE_WAIT_MS;
    succeed(limit, nowMs, 8);
    expect(limit.limit).toBe(9);
    for (const waitMs of [8_000, 4_000, 2_000, 1_000]) {
      const before = limit.limit;
      expect(succeed(limit, nowMs + waitMs - 1, before)).toBe(0);
      nowMs += waitMs;
      expect(succeed(limit, nowMs, 1)).toBe(1);
      expect(limit.limit).toBe(before + 1);
    }
    expect(limit.limit).toBe(13);
  });

  it("waits the whole first wait again after a failed probe", () => {
    const limit = cutByBurst();
    succeed(limit, 100, 7);
    const probeAtMs = 100 + FIRST_PROBE_WAIT_MS;
    succeed(limit, probeAtMs, 8);
    expect(limit.limit).toBe(9);
    // The server still admits only 8: the 9th call in flight gets a 429.
    reject(limit, probeAtMs + 50);
    expect(limit.limit).toBe(7);
    succeed(limit, probeAtMs + 100, 7);
    expect(limit.limit).toBe(8);
    expect(succeed(limit, probeAtMs + 100 + FIRST_PROBE_WAIT_MS - 1, 20)).toBe(0);
    expect(succeed(limit, probeAtMs + 100 + FIRST_PROBE_WAIT_MS, 1)).toBe(1);
    expect(limit.limit).toBe(9);
  });

  it("stays put while the limit is unused", () => {
    const limit = cutByBurst();
    // The 8 calls the server admitted finish with no calls waiting behind
    // them. They filled the limit of 7, so they complete its run.
    for (let index = 0; index < 8; index++) limit.recordSettled();
    for (let index = 0; index < 6; index++) expect(limit.recordSuccess(100)).toBe(false);
    expect(limit.recordSuccess(100)).toBe(true);
    expect(limit.recordSuccess(100)).toBe(false);
    expect(limit.limit).toBe(8);
    // Then calls come one at a time, long after the probe wait: the limit
    // of 8 is never reached, so nothing shows the server would admit 9.
    for (let index = 0; index < 100; index++) {
      limit.recordSent();
      limit.recordSettled();
      expect(limit.recordSuccess(FIRST_PROBE_WAIT_MS * (index + 2))).toBe(false);
    }
    expect(limit.limit).toBe(8);
  });

  it("stops at max_concurrent", () => {
    const limit = new ConcurrencyLimit(4);
    send(limit, 4);
    reject(limit, 10);
    expect(limit.limit).toBe(2);
    let nowMs = 100;
    for (let step = 0; step < 20; step++) {
      nowMs += FIRST_PROBE_WAIT_MS;
      succeed(limit, nowMs, 10);
    }
    expect(limit.limit).toBe(4);
    expect(succeed(limit, nowMs + FIRST_PROBE_WAIT_MS, 10)).toBe(0);
  });

  it("resets the probe wait on any 429", () => {
    const limit = cutByBurst();
    succeed(limit, 100, 7);
    let nowMs = 100 + FIRST_PROBE_WAIT_MS;
    succeed(limit, nowMs, 8);
    nowMs += 8_000;
    succeed(limit, nowMs, 9);
    expect(limit.limit).toBe(10);
    // The next probe would wait 4 s, but a 429 comes first, with 9 others
    // in flight: the server admits 9 and the limit drops to 8.
    nowMs += 1_000;
    reject(limit, nowMs);
    expect(limit.limit).toBe(8);
    expect(succeed(limit, nowMs, 8)).toBe(1);
    expect(limit.limit).toBe(9);
    expect(succeed(limit, nowMs + FIRST_PROBE_WAIT_MS - 1, 30)).toBe(0);
    expect(succeed(limit, nowMs + FIRST_PROBE_WAIT_MS, 1)).toBe(1);
    expect(limit.limit).toBe(10);
  });

  it("waits longer to probe after a long Retry-After", () => {
    const limit = new ConcurrencyLimit(64);
    send(limit, 64);
    // A burst meets 56 429s with Retry-After 20 s, so the endpoint is
    // blocked until 20,010 ms, past the usual 16 s probe wait.
    for (let index = 0; index < 56; index++) {
      limit.recordSettled();
      limit.recordRejected(10, 20_000);
    }
    succeed(limit, 100, 7);
    expect(limit.limit).toBe(8);
    const probeAtMs = 10 + PROBE_WAIT_PER_RETRY_AFTER * 20_000;
    expect(probeAtMs).toBe(320_010);
    expect(succeed(limit, 20_100, 40)).toBe(0);
    expect(succeed(limit, probeAtMs - 1, 40)).toBe(0);
    expect(limit.limit).toBe(8);
    expect(succeed(limit, probeAtMs, 8)).toBe(1);
    expect(limit.limit).toBe(9);
  });
});
