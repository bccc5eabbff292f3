import type { Clock } from "../util/clock.js";

/** Faults that `failRate` draws from. */
export const FAULT_MODES = ["500", "drop", "slow", "garbage", "529"] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

export const RETRY_AFTER_FORMATS = ["seconds", "http-date"] as const;
export type RetryAfterFormat = (typeof RETRY_AFTER_FORMATS)[number];

/** Latency of one model, overriding the server-wide values. */
export interface ModelLatency {
  latencyMs?: number;
  jitterMs?: number;
}

export interface MockServerOptions {
  /** Interface to listen on. Only loopback is accepted. Default "127.0.0.1". */
  host?: "127.0.0.1";
  /** TCP port, where 0 picks a free ephemeral port. Default 0. */
  port?: number;
  /** Mean time before a reply is sent. Default 0. */
  latencyMs?: number;
  /** Latency varies uniformly by up to this much either way. Default 0. */
  jitterMs?: number;
  /** Per-model latency, keyed by the request's `model` field. */
  models?: Record<string, ModelLatency>;
  /** Maximum chat requests in flight at once. One more gets 429. Default: no cap. */
  maxConcurrent?: number;
  /** Maximum chat requests admitted in any sliding 1 s window. More get 429. Default: none. */
  rateLimit?: number;
  /** Format of `Retry-After` on a 429. Default "seconds". */
  retryAfterFormat?: RetryAfterFormat;
  /**
   * Fixed `Retry-After` in whole seconds. Default: 1 for the concurrency cap,
   * and the time until the rate window frees a request, rounded up, for the rate limit.
   */
  retryAfterSeconds?: number;
  /** Share of admitted chat requests that fail, 0 to 1. Default 0. */
  failRate?: number;
  /** Faults that `failRate` picks from, uniformly. Default ["500", "drop"]. */
  failModes?: FaultMode[];
  /** How long a "slow" fault stalls the body after sending headers. Default 30000. */
  slowMs?: number;
  /** Seed for fault choice and jitter. One seed and one request order repeat a run. Default 1. */
  seed?: number;
  /**
   * A system prompt at least this long (in estimated tokens) is cached after
   * its first sighting, so later requests report cached prompt tokens. Default 1024,
   * the minimum cacheable prompt of OpenAI and of most Anthropic models.
   */
  promptCacheMinTokens?: number;
  /**
   * Leave `prompt_eval_count` out of Ollama replies whose whole prompt was seen
   * before, as Ollama does when it reuses its prompt cache. Default false.
   */
  ollamaOmitCachedPromptEvalCount?: boolean;
  /** Time source for latency, stalls and rate windows. Default: the system clock. */
  clock?: Clock;
}

/** Options with every default applied. */
export interface ResolvedMockServerOptions {
  host: "127.0.0.1";
  port: number;
  latencyMs: number;
  jitterMs: number;
  models: Record<string, ModelLatency>;
  maxConcurrent: number;
  rateLimit: number;
  retryAfterFormat: RetryAfterFormat;
  retryAfterSeconds?: number;
  failRate: number;
  failModes: FaultMode[];
  slowMs: number;
  seed: number;
  promptCacheMinTokens: number;
  ollamaOmitCachedPromptEvalCount: boolean;
}

/**
 * Checks every option and applies defaults. Throws a RangeError naming the
 * first invalid option and the value received.
 */
export function resolveMockServerOptions(
  options: MockServerOptions = {},
): ResolvedMockServerOptions {
  const host = options.host ?? "127.0.0.1";
  if (host !== "127.0.0.1") {
    throw new RangeError(`host must be "127.0.0.1" (loopback only), received ${String(host)}`);
  }
  const port = options.port ?? 0;
  requireInteger("port", port, 0, 65_535);

  const latencyMs = options.latencyMs ?? 0;
  const jitterMs = options.jitterMs ?? 0;
  requireNonNegative("latencyMs", latencyMs);
  requireNonNegative("jitterMs", jitterMs);
  const models = options.models ?? {};
  for (const [name, latency] of Object.entries(models)) {
    if (latency.latencyMs !== undefined) {
      requireNonNegative(`models.${name}.latencyMs`, latency.latencyMs);
    }
    if (latency.jitterMs !== undefined) {
      requireNonNegative(`models.${name}.jitterMs`, latency.jitterMs);
    }
  }

  const maxConcurrent = options.maxConcurrent ?? Number.POSITIVE_INFINITY;
  if (options.maxConcurrent !== undefined) requireInteger("maxConcurrent", maxConcurrent, 1);
  const rateLimit = options.rateLimit ?? Number.POSITIVE_INFINITY;
  // A whole number because the limit counts requests in a 1 s window.
  if (options.rateLimit !== undefined) requireInteger("rateLimit", rateLimit, 1);

  const retryAfterFormat = options.retryAfterFormat ?? "seconds";
  if (!RETRY_AFTER_FORMATS.includes(retryAfterFormat)) {
    throw new RangeError(
      `retryAfterFormat must be "seconds" or "http-date", received ${String(retryAfterFormat)}`,
    );
  }
  if (options.retryAfterSeconds !== undefined) {
    requireInteger("retryAfterSeconds", options.retryAfterSeconds, 1);
  }

  const failRate = options.failRate ?? 0;
  if (!(Number.isFinite(failRate) && failRate >= 0 && failRate <= 1)) {
    throw new RangeError(`failRate must be a number from 0 to 1, received ${String(failRate)}`);
  }
  const failModes = options.failModes ?? ["500", "drop"];
  if (failModes.length === 0) throw new RangeError("failModes must name at least one fault");
  for (const mode of failModes) {
    if (!FAULT_MODES.includes(mode)) {
      throw new RangeError(
        `failModes contains ${String(mode)}, expected one of ${FAULT_MODES.join(", ")}`,
      );
    }
  }

  const slowMs = options.slowMs ?? 30_000;
  requireNonNegative("slowMs", slowMs);
  const seed = options.seed ?? 1;
  requireInteger("seed", seed, 0);
  const promptCacheMinTokens = options.promptCacheMinTokens ?? 1024;
  requireInteger("promptCacheMinTokens", promptCacheMinTokens, 1);

  return {
    host,
    port,
    latencyMs,
    jitterMs,
    models,
    maxConcurrent,
    rateLimit,
    retryAfterFormat,
    retryAfterSeconds: options.retryAfterSeconds,
    failRate,
    failModes,
    slowMs,
    seed,
    promptCacheMinTokens,
    ollamaOmitCachedPromptEvalCount: options.ollamaOmitCachedPromptEvalCount ?? false,
  };
}

function requireNonNegative(name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new RangeError(`${name} must be a number of at least 0, received ${String(value)}`);
  }
}

function requireInteger(
  name: string,
  value: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): void {
  if (!(Number.isInteger(value) && value >= min && value <= max)) {
    throw new RangeError(
      `${name} must be a whole number from ${min} to ${max}, received ${String(value)}`,
    );
  }
}
