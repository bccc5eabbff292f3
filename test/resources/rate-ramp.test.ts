import { describe, expect, it } from "vitest";
import {
  flatRamp,
  msToEarn,
  rateAt,
  tokensBetween,
  type RateRamp,
} from "../../src/resources/rate-ramp.js";

/** 1 token/ms until 100 ms, then +0.01 token/ms each ms, capped at 2 token/ms at 200 ms. */
const ramp: RateRamp = { startMs: 100, startPerMs: 1, slopePerMs2: 0.01, capPerMs: 2 };

describe("RateRamp", () => {
  it.each([
    [0, 1],
    [100, 1],
    [150, 1.5],
    [200, 2],
    [1000, 2],
  ])("has rate at %i ms of %d per ms", (atMs, expected) => {
    expect(rateAt(ramp, atMs)).toBeCloseTo(expected, 12);
  });

  it.each([
    ["the flat part", 0, 100, 100],
    ["the climb", 100, 200, 150],
    ["the cap", 200, 300, 200],
    ["all three", 50, 250, 50 + 150 + 100],
  ])("earns the area under %s", (_, fromMs, toMs, expected) => {
    expect(tokensBetween(ramp, fromMs, toMs)).toBeCloseTo(expected, 9);
  });

  it.each([
    [0, 100],
    [0, 150],
    [120, 170],
    [150, 260],
    [210, 400],
  ])("takes from %i ms until %i ms to earn what was earned", (fromMs, toMs) => {
    const tokens = tokensBetween(ramp, fromMs, toMs);
    expect(msToEarn(ramp, fromMs, tokens)).toBeCloseTo(toMs - fromMs, 9);
  });

  it("earns at one rate on a flat ramp", () => {
    const flat = flatRamp(0.02);
    expect(tokensBetween(flat, 0, 1000)).toBeCloseTo(20, 12);
    expect(msToEarn(flat, 500, 1)).toBeCloseTo(50, 12);
  });
});
