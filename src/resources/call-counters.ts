import { LatencyHistogram } from "./latency-histogram.js";
import type { CallMetrics, Usage } from "./types.js";

/**
 * Mutable counters behind one `CallMetrics`: one set per endpoint, one per
 * alias and one for the whole run. Plain number fields, so that updating
 * them on every call costs a few additions and no allocation.
 */
export class CallCounters {
  requests = 0;
  successes = 0;
  failures = 0;
  rateLimited = 0;
  retries = 0;
  cacheHits = 0;
  inFlight = 0;
  inputTokens = 0;
  outputTokens = 0;
  cachedInputTokens = 0;
  cacheWriteTokens = 0;
  unknownUsageCalls = 0;
  costUsd = 0;
  readonly errorsByKind: Record<string, number> = {};
  readonly latency = new LatencyHistogram();

  /** @param maxConcurrent Slots behind these counters, reported as is. */
  constructor(readonly maxConcurrent: number) {}

  recordSuccess(latencyMs: number, usage: Usage, costUsd: number, isUsageKnown: boolean): void {
    this.successes += 1;
    this.latency.record(latencyMs);
    if (usage.inputTokens !== null) this.inputTokens += usage.inputTokens;
    if (usage.outputTokens !== null) this.outputTokens += usage.outputTokens;
    this.cachedInputTokens += usage.cachedInputTokens;
    this.cacheWriteTokens += usage.cacheWriteTokens;
    if (!isUsageKnown) this.unknownUsageCalls += 1;
    this.costUsd += costUsd;
  }

  /** Counts a final failure; a cancelled call is only counted by kind. */
  recordFailure(kind: string): void {
    if (kind !== "cancelled") this.failures += 1;
    this.errorsByKind[kind] = (this.errorsByKind[kind] ?? 0) + 1;
  }

  snapshot(): CallMetrics {
    return {
      requests: this.requests,
      successes: this.successes,
      failures: this.failures,
      rateLimited: this.rateLimited,
      retries: this.retries,
      cacheHits: this.cacheHits,
      inFlight: this.inFlight,
      maxConcurrent: this.maxConcurrent,
      latency: this.latency.summary(),
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      cachedInputTokens: this.cachedInputTokens,
      cacheWriteTokens: this.cacheWriteTokens,
      unknownUsageCalls: this.unknownUsageCalls,
      costUsd: this.costUsd,
      errorsByKind: { ...this.errorsByKind },
    };
  }
}
