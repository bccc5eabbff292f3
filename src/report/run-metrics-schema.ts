import { z } from "zod";
import { PROVIDERS } from "../resources/types.js";
import { RUN_METRICS_VERSION, type RunMetrics } from "./types.js";

const count = z.number().int().nonnegative();
const nullableMs = z.number().nonnegative().nullable();
const countsByKind = z.record(z.string(), count);

const latency = z.object({ p50Ms: nullableMs, p95Ms: nullableMs, maxMs: nullableMs });

const callMetrics = z.object({
  requests: count,
  successes: count,
  failures: count,
  rateLimited: count,
  retries: count,
  cacheHits: count,
  inFlight: count,
  maxConcurrent: count,
  latency,
  inputTokens: count,
  outputTokens: count,
  cachedInputTokens: count,
  cacheWriteTokens: count,
  unknownUsageCalls: count,
  costUsd: z.number().nonnegative(),
  errorsByKind: countsByKind,
});

const nodeMetrics = z.object({
  finished: count,
  failed: count,
  requests: count,
  successes: count,
  failures: count,
  retries: count,
  rateLimited: count,
  cacheHits: count,
  latency,
  inputTokens: count,
  outputTokens: count,
  cachedInputTokens: count,
  cacheWriteTokens: count,
  unknownUsageCalls: count,
  costUsd: z.number().nonnegative(),
  errorsByKind: countsByKind,
});

const runMetrics = z.object({
  version: z.literal(RUN_METRICS_VERSION),
  elapsedMs: z.number().nonnegative(),
  records: z.object({
    total: count.nullable(),
    admitted: count,
    done: count,
    failed: count,
    inFlight: count,
  }),
  recordsPerSec: z.number().nonnegative(),
  requestsPerSec: z.number().nonnegative(),
  etaMs: nullableMs,
  costUsd: z.number().nonnegative(),
  projectedCostUsd: z.number().nonnegative().nullable(),
  recordErrorsByKind: countsByKind,
  total: callMetrics,
  aliases: z.record(z.string(), callMetrics.extend({ requestsPerSec: z.number().nonnegative() })),
  endpoints: z.record(
    z.string(),
    callMetrics.extend({ alias: z.string(), provider: z.enum(PROVIDERS), model: z.string() }),
  ),
  nodes: z.record(z.string(), nodeMetrics),
});

/** A metrics.json that could not be read; the message names the file and field. */
export class RunMetricsFormatError extends Error {
  override name = "RunMetricsFormatError";
}

/**
 * Parses the text of a metrics.json written by RunMetricsCollector.toJSON.
 * `source` names the file in error messages.
 */
export function parseRunMetrics(text: string, source: string): RunMetrics {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RunMetricsFormatError(`${source}: invalid JSON: ${reason}`);
  }
  const parsed = runMetrics.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const hasPath = issue !== undefined && issue.path.length > 0;
    const where = hasPath ? ` at ${issue.path.join(".")}` : "";
    const problem = issue?.message ?? "unknown problem";
    throw new RunMetricsFormatError(
      `${source}: not a plait metrics file (version ${RUN_METRICS_VERSION})${where}: ${problem}`,
    );
  }
  const metrics: RunMetrics = parsed.data;
  return metrics;
}
