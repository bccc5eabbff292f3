import { describe, expect, it } from "vitest";
import { computeCostUsd, hasUnknownUsage } from "../../src/resources/cost.js";
import { LatencyHistogram } from "../../src/resources/latency-histogram.js";
import type { Usage } from "../../src/resources/types.js";

function usageOf(input: number | null, output: number, cached = 0, written = 0): Usage {
  return {
    inputTokens: input,
    outputTokens: output,
    cachedInputTokens: cached,
    cacheWriteTokens: written,
  };
}

const prices = { inputCostPer1m: 2, outputCostPer1m: 8 };

describe("computeCostUsd", () => {
  it("prices plain input and output per million tokens", () => {
    const usage = usageOf(500_000, 250_000);
    expect(computeCostUsd(usage, prices)).toBeCloseTo(1 + 2, 12);
  });

  it("prices cache reads and writes once each at their own price", () => {
    const usage = usageOf(1000, 0, 600, 300);
    const withCachePrices = { ...prices, cachedInputCostPer1m: 0.2, cacheWriteCostPer1m: 2.5 };
    const expectedUsd = (100 * 2 + 600 * 0.2 + 300 * 2.5) / 1e6;
    expect(computeCostUsd(usage, withCachePrices)).toBeCloseTo(expectedUsd, 15);
  });

  it("defaults cache prices to the input price", () => {
    const usage = usageOf(1000, 0, 600, 300);
    expect(computeCostUsd(usage, prices)).toBeCloseTo(2000 / 1e6, 15);
  });

  it("adds nothing for an unknown count and flags it", () => {
    const usage = usageOf(null, 100);
    expect(computeCostUsd(usage, prices)).toBeCloseTo(800 / 1e6, 15);
    expect(hasUnknownUsage(usage)).toBe(true);
  });
});

describe("LatencyHistogram", () => {
  it("returns null percentiles before any call", () => {
    expect(new LatencyHistogram().summary()).toEqual({ p50Ms: null, p95Ms: null, maxMs: null });
  });

  it("is exact to the millisecond below 100 ms", () => {
    const histogram = new LatencyHistogram();
    for (let ms = 1; ms <= 100; ms++) histogram.record(ms - 1);
    expect(histogram.summary()).toEqual({ p50Ms: 49, p95Ms: 94, maxMs: 99 });
  });

  it("stays within 1% for long latencies", () => {
    const histogram = new LatencyHistogram();
    for (let index = 1; index <= 1000; index++) histogram.record(index * 100);
    const summary = histogram.summary();
    expect(Math.abs(summary.p50Ms! - 50_000) / 50_000).toBeLessThan(0.01);
    expect(Math.abs(summary.p95Ms! - 95_000) / 95_000).toBeLessThan(0.01);
    expect(summary.maxMs).toBe(100_000);
  });
});
