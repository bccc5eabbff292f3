import type { CallMetrics, EndpointMetrics, LatencySummary } from "../resources/types.js";

/** Version of the metrics.json layout; bumped when a field changes meaning. */
export const RUN_METRICS_VERSION = 1;

/** Calls one alias made, plus its recent request rate. */
export interface AliasRunMetrics extends CallMetrics {
  /** Requests sent per second over the last rate window, retries included. */
  requestsPerSec: number;
}

/**
 * Counters for one graph node across every record. Call counters come from
 * the resource manager's call events, so they include calls of node runs
 * that later failed (an invalid JSON reply still costs money).
 */
export interface NodeMetrics {
  /** Records in which this node finished. */
  finished: number;
  /** Records in which this node failed. */
  failed: number;
  /** Attempts sent to a provider, retries included. */
  requests: number;
  successes: number;
  /** Calls that failed for good after their retries. */
  failures: number;
  retries: number;
  /** Replies that were 429 or 529. */
  rateLimited: number;
  cacheHits: number;
  latency: LatencySummary;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  /** Successful calls whose reply carried no usage; their tokens and cost are unknown. */
  unknownUsageCalls: number;
  costUsd: number;
  /** Node failures by ErrorKind. */
  errorsByKind: Record<string, number>;
}

export interface RecordCounts {
  /** Records in the input, or null when unknown (standard input). */
  total: number | null;
  admitted: number;
  done: number;
  failed: number;
  inFlight: number;
}

/** Everything a dashboard, report or metrics.json shows about one run. */
export interface RunMetrics {
  version: typeof RUN_METRICS_VERSION;
  /** Run clock time of this snapshot, in milliseconds from the run start. */
  elapsedMs: number;
  records: RecordCounts;
  /** Finished records (done or failed) per second over the rate window. */
  recordsPerSec: number;
  /** Requests per second over the rate window, every alias together. */
  requestsPerSec: number;
  /** Estimated time to finish the input; null when the total or rate is unknown. */
  etaMs: number | null;
  /** Cost so far, in USD, of calls with known usage. */
  costUsd: number;
  /** Estimated cost of the whole input in USD; null when the total is unknown. */
  projectedCostUsd: number | null;
  /** Failed records by the ErrorKind of their first failure. */
  recordErrorsByKind: Record<string, number>;
  total: CallMetrics;
  aliases: Record<string, AliasRunMetrics>;
  endpoints: Record<string, EndpointMetrics>;
  nodes: Record<string, NodeMetrics>;
}
