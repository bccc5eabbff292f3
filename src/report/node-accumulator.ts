import type { CallResult } from "../resources/types.js";
import { LatencyHistogram } from "../resources/latency-histogram.js";
import type { NodeMetrics } from "./types.js";

/** Mutable counters behind one node's NodeMetrics; every update is O(1). */
export class NodeAccumulator {
  finished = 0;
  failed = 0;
  requests = 0;
  successes = 0;
  failures = 0;
  retries = 0;
  rateLimited = 0;
  cacheHits = 0;
  inputTokens = 0;
  outputTokens = 0;
  cachedInputTokens = 0;
  cacheWriteTokens = 0;
  unknownUsageCalls = 0;
  costUsd = 0;
  readonly errorsByKind: Record<string, number> = {};
  private readonly latency = new LatencyHistogram();

  /**
   * Adds a finished call. A cache hit sent nothing, so like the resource
   * manager it counts only as a cache hit, not as a success, and adds no
   * latency, tokens or cost. A reply missing either token count is counted
   * as unknown usage, and whichever count it did carry is still added.
   */
  addFinished(result: CallResult): void {
    if (result.isCached) {
      this.cacheHits += 1;
      return;
    }
    this.successes += 1;
    this.costUsd += result.costUsd;
    this.latency.record(result.latencyMs);
    const usage = result.usage;
    if (usage.inputTokens === null || usage.outputTokens === null) this.unknownUsageCalls += 1;
    this.inputTokens += usage.inputTokens ?? 0;
    this.outputTokens += usage.outputTokens ?? 0;
    this.cachedInputTokens += usage.cachedInputTokens;
    this.cacheWriteTokens += usage.cacheWriteTokens;
  }

  /** Counts a call that failed for good; a cancelled call is not a failure. */
  addCallFailure(kind: string): void {
    if (kind !== "cancelled") this.failures += 1;
  }

  addError(kind: string): void {
    this.errorsByKind[kind] = (this.errorsByKind[kind] ?? 0) + 1;
  }

  toMetrics(): NodeMetrics {
    return {
      finished: this.finished,
      failed: this.failed,
      requests: this.requests,
      successes: this.successes,
      failures: this.failures,
      retries: this.retries,
      rateLimited: this.rateLimited,
      cacheHits: this.cacheHits,
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
