import { describe, expect, it } from "vitest";
import { RunMetricsCollector } from "../../src/report/run-metrics.js";
import { ManualClock } from "../../src/util/clock.js";
import { playSyntheticRun, SyntheticResourceCounters } from "./synthetic-run.js";

async function collectSyntheticRun() {
  const clock = new ManualClock();
  const resources = new SyntheticResourceCounters(() => clock.now());
  const collector = new RunMetricsCollector({
    clock,
    resourceMetrics: () => resources.metrics(),
    totalRecords: 8,
  });
  playSyntheticRun([resources, collector]);
  await clock.advance(10_000);
  return collector;
}

describe("RunMetricsCollector", () => {
  it("counts records done, failed and in flight", async () => {
    const metrics = (await collectSyntheticRun()).snapshot();
    expect(metrics.records).toEqual({ total: 8, admitted: 6, done: 4, failed: 2, inFlight: 0 });
    expect(metrics.recordErrorsByKind).toEqual({ schema: 1, timeout: 1 });
    expect(metrics.elapsedMs).toBe(10_000);
  });

  it("counts calls, tokens and cost per node", async () => {
    const { nodes } = (await collectSyntheticRun()).snapshot();
    const summary = nodes["summary"]!;
    expect(summary.finished).toBe(5);
    expect(summary.failed).toBe(1);
    expect(summary.cacheHits).toBe(1);
    expect(summary.failures).toBe(1);
    expect(summary.errorsByKind).toEqual({ timeout: 1 });
    // The cache hit of r3 sent nothing, so it adds neither tokens nor latency.
    expect(summary.inputTokens).toBe(4 * 120);
    expect(summary.cachedInputTokens).toBe(100);
    expect(summary.costUsd).toBeCloseTo(4 * 0.000036, 12);
    expect(summary.latency.maxMs).toBe(240);
    const category = nodes["category"]!;
    expect(category.finished).toBe(4);
    expect(category.failed).toBe(1);
    expect(category.successes).toBe(5);
    expect(category.errorsByKind).toEqual({ schema: 1 });
  });

  it("counts retries, 429s and unknown usage per node", async () => {
    const reply = (await collectSyntheticRun()).snapshot().nodes["reply"]!;
    expect(reply.requests).toBe(6);
    expect(reply.retries).toBe(1);
    expect(reply.rateLimited).toBe(1);
    expect(reply.unknownUsageCalls).toBe(1);
    expect(reply.outputTokens).toBe(3 * 150);
  });

  it("takes alias counters from the resource manager", async () => {
    const metrics = (await collectSyntheticRun()).snapshot();
    expect(Object.keys(metrics.aliases).sort()).toEqual(["fast", "smart"]);
    expect(metrics.aliases["smart"]!.maxConcurrent).toBe(4);
    expect(metrics.aliases["smart"]!.rateLimited).toBe(1);
    expect(metrics.aliases["fast"]!.errorsByKind).toEqual({ timeout: 1 });
    expect(metrics.costUsd).toBe(metrics.total.costUsd);
  });

  it("measures rates over the sliding window", async () => {
    const clock = new ManualClock();
    const resources = new SyntheticResourceCounters(() => clock.now());
    const collector = new RunMetricsCollector({
      clock,
      resourceMetrics: () => resources.metrics(),
      rateWindowMs: 10_000,
    });
    const context = { recordId: "r", node: "summary" };
    for (let i = 0; i < 40; i++) {
      const atMs = i * 500;
      const callId = `c${i}`;
      collector.onCallStarted({ callId, context, endpoint: "fast", slot: 0, attempt: 1, atMs });
      collector.onRecordAdmitted({ recordId: `r${i}`, seq: i, atMs });
      collector.onRecordFinished({ recordId: `r${i}`, seq: i, output: {}, atMs });
    }
    await clock.advance(20_000);
    const metrics = collector.snapshot();
    expect(metrics.recordsPerSec).toBeCloseTo(2, 5);
    expect(metrics.requestsPerSec).toBeCloseTo(2, 5);
    expect(metrics.aliases["fast"]!.requestsPerSec).toBeCloseTo(2, 5);
    expect(metrics.aliases["smart"]!.requestsPerSec).toBe(0);
  });

  it("drops rates to zero after a long stall", async () => {
    const clock = new ManualClock();
    const resources = new SyntheticResourceCounters(() => clock.now());
    const resourceMetrics = () => resources.metrics();
    const collector = new RunMetricsCollector({ clock, resourceMetrics });
    collector.onRecordAdmitted({ recordId: "a", seq: 0, atMs: 0 });
    collector.onRecordFinished({ recordId: "a", seq: 0, output: {}, atMs: 100 });
    await clock.advance(60_000);
    expect(collector.snapshot().recordsPerSec).toBe(0);
  });

  it("estimates time left and projected cost", async () => {
    const metrics = (await collectSyntheticRun()).snapshot();
    // At 10 s the window contains whole 1 s buckets from 1 s on, and all 6
    // finished records fall in it: 6 records in 9 s, 2 records to go.
    expect(metrics.recordsPerSec).toBeCloseTo(6 / 9, 5);
    expect(metrics.etaMs).toBe(Math.round((2 / (6 / 9)) * 1000));
    expect(metrics.projectedCostUsd).toBeCloseTo((metrics.costUsd / 6) * 8, 12);
  });

  it("leaves ETA and projection unknown without a total", async () => {
    const clock = new ManualClock();
    const resources = new SyntheticResourceCounters(() => clock.now());
    const resourceMetrics = () => resources.metrics();
    const collector = new RunMetricsCollector({ clock, resourceMetrics });
    playSyntheticRun([resources, collector]);
    await clock.advance(10_000);
    const metrics = collector.snapshot();
    expect(metrics.records.total).toBeNull();
    expect(metrics.etaMs).toBeNull();
    expect(metrics.projectedCostUsd).toBeNull();
    collector.setTotalRecords(6);
    expect(collector.snapshot().etaMs).toBe(0);
    expect(collector.snapshot().projectedCostUsd).toBe(metrics.costUsd);
  });

  it("serialises to what parseRunMetrics reads", async () => {
    const { parseRunMetrics } = await import("../../src/report/run-metrics-schema.js");
    const collector = await collectSyntheticRun();
    const text = JSON.stringify(collector);
    expect(parseRunMetrics(text, "metrics.json")).toEqual(collector.snapshot());
  });
});
