/**
 * Shapes shared by the resource manager, its clients and everything above
 * them. The config layer produces `ResourceConfig`; the execution layer sends
 * `LlmRequest`s and receives `CallResult`s.
 */

export const PROVIDERS = ["openai", "anthropic", "vllm", "tgi", "ollama", "simulated"] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export const LOAD_BALANCE_STRATEGIES = ["round_robin", "least_loaded", "random"] as const;
export type LoadBalanceStrategy = (typeof LOAD_BALANCE_STRATEGIES)[number];

/** One real endpoint behind an alias. Units are in the field names. */
export interface EndpointConfig {
  /** Display name: the alias, or `alias[i]` when the alias has several endpoints. */
  name: string;
  alias: string;
  provider: ProviderName;
  model: string;
  baseUrl?: string;
  /** Never logged, printed or written to a run folder. */
  apiKey?: string;
  /** Maximum calls in flight at once on this endpoint. Default 10. */
  maxConcurrent: number;
  /** Requests per second; undefined means no limit. */
  rateLimit?: number;
  /** Requests that may go at once after an idle spell. Default: one second's worth. */
  rateLimitBurst?: number;
  /** Input plus output tokens per minute; undefined means no limit. */
  tokensPerMinute?: number;
  /** Retries after a transient failure. Default 3. */
  maxRetries: number;
  /** First retry delay; doubled on each retry, with jitter. Default 1000. */
  retryDelayMs: number;
  /** Whole-call timeout. Default 300000. */
  timeoutMs: number;
  /** Share of the alias's calls, relative to the other endpoints. Default 1. */
  weight: number;
  inputCostPer1m: number;
  outputCostPer1m: number;
  /** Price of prompt tokens read from the provider's cache; default: input price. */
  cachedInputCostPer1m?: number;
  /** Price of prompt tokens written to the provider's cache; default: input price. */
  cacheWriteCostPer1m?: number;
  /** `simulated` only: mean reply latency. Default 0. */
  latencyMs: number;
  /** `simulated` only: latency varies uniformly by up to this much either way. Default 0. */
  jitterMs: number;
  /** `simulated` only: share of calls that fail with a transient error, 0 to 1. */
  errorRate: number;
  /** `simulated` only: share of calls that return a rate-limit error, 0 to 1. */
  rateLimitRate: number;
}

export interface ResourceConfig {
  /** Source file, for messages. */
  file: string;
  aliases: Map<string, EndpointConfig[]>;
  loadBalanceStrategy: LoadBalanceStrategy;
  /** Most LLM calls in flight across every alias. Default 100. */
  maxTotalConcurrent: number;
  /** Most records whose graphs run at once. Default 10. */
  maxInflightGraphs: number;
  /** Entries of the temperature-0 result cache; 0 turns it off. Default 1000. */
  resultCacheSize: number;
  /** Finished nodes buffered before the checkpoint is flushed. Default 10. */
  checkpointBufferSize: number;
}

/** A request from a node to a model. */
export interface LlmRequest {
  prompt: string;
  system?: string;
  temperature?: number;
  maxTokens?: number;
  stop?: string[];
  /** Ask the provider for a JSON object reply where it supports that. */
  isJson?: boolean;
  /**
   * JSON Schema the reply should meet. Providers with structured output get
   * it, and the simulated provider and the mock server return a value that
   * meets it.
   */
  jsonSchema?: Record<string, unknown>;
  /** Overrides the endpoint's timeout for this call. */
  timeoutMs?: number;
}

/**
 * Token counts in one shape for every provider. `inputTokens` is the logical
 * prompt size: uncached, cache-read and cache-write tokens together. A null
 * count means the provider did not report it.
 */
export interface Usage {
  inputTokens: number | null;
  outputTokens: number | null;
  /** Part of `inputTokens` read from the provider's prompt cache. */
  cachedInputTokens: number;
  /** Part of `inputTokens` written to the provider's prompt cache. */
  cacheWriteTokens: number;
}

/** A provider's reply, before plait adds cost and timing. */
export interface LlmReply {
  text: string;
  usage: Usage;
  /** True when the reply stopped at the token limit. */
  isTruncated: boolean;
  /** The provider's request id, when it sent one. */
  requestId?: string;
}

/** A finished call, as the execution layer receives it. */
export interface CallResult extends LlmReply {
  callId: string;
  endpoint: string;
  latencyMs: number;
  /** Attempts made, the successful one included; 429 requeues are not counted. */
  attempts: number;
  costUsd: number;
  /** Served from the result cache, so nothing was spent. */
  isCached: boolean;
}

/** Ties a call to the record and node that made it, for events and traces. */
export interface CallContext {
  recordId: string;
  node: string;
}

/** A provider client: one instance per endpoint for the whole run. */
export interface LlmClient {
  complete(request: LlmRequest, signal: AbortSignal): Promise<LlmReply>;
  /** Finishes any setup that can fail (loading the SDK, checking the key) before the run. */
  prepare?(): Promise<void>;
  close?(): Promise<void>;
}

/** Latency percentiles in milliseconds; null until a call has finished. */
export interface LatencySummary {
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
}

/** Counters for one endpoint, one alias, or the whole run. */
export interface CallMetrics {
  /** Attempts sent to a provider, retries and 429 requeues included. */
  requests: number;
  successes: number;
  /** Calls that failed for good after their retries. */
  failures: number;
  /** Replies that were 429 or 529. */
  rateLimited: number;
  retries: number;
  cacheHits: number;
  /** Calls holding a concurrency slot now. */
  inFlight: number;
  /** Sum of the endpoints' `max_concurrent`. */
  maxConcurrent: number;
  latency: LatencySummary;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  /** Successful calls whose reply carried no usage; their tokens and cost are unknown. */
  unknownUsageCalls: number;
  costUsd: number;
  /** Failed calls by ErrorKind. */
  errorsByKind: Record<string, number>;
}

export interface EndpointMetrics extends CallMetrics {
  alias: string;
  provider: ProviderName;
  model: string;
}

/** A point-in-time copy of the resource manager's counters, safe to serialise. */
export interface MetricsSnapshot {
  atMs: number;
  total: CallMetrics;
  aliases: Record<string, CallMetrics>;
  endpoints: Record<string, EndpointMetrics>;
}
