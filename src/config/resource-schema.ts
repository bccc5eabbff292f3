import { z } from "zod";
import { LOAD_BALANCE_STRATEGIES, PROVIDERS } from "../resources/types.js";
import {
  fraction,
  nonNegativeNumber,
  oneOf,
  positiveNumber,
  text,
  wholeNumber,
} from "./fields.js";

/**
 * One endpoint as written in a resource file. Times are in seconds except
 * the simulated provider's `latency_ms` and `jitter_ms`. Defaults are applied
 * later, in load-resources.ts, so that rules can tell what the user wrote.
 */
/**
 * Upper bounds that catch typos (an extra zero or an exponent) before they
 * allocate a slot table or overflow a timer. A Node.js timer waits at most
 * 2^31 - 1 ms, about 24.8 days, and one day is far beyond any LLM call.
 */
const MAX_CONCURRENCY = 100_000;
const MAX_INFLIGHT_GRAPHS = 10_000_000;
const MAX_SECONDS = 86_400;

export const endpointSchema = z.strictObject({
  provider: oneOf(PROVIDERS),
  /** Required except for simulated, which defaults to "simulated". */
  model: text("the model name").optional(),
  base_url: text("an http:// or https:// URL").optional(),
  /** Default: OPENAI_API_KEY or ANTHROPIC_API_KEY from the environment. */
  api_key: z.string({ error: "a string" }).optional(),
  /** Default 10. */
  max_concurrent: wholeNumber(1, MAX_CONCURRENCY).optional(),
  /** Requests per second; no limit by default. */
  rate_limit: positiveNumber().optional(),
  /** Requests allowed at once after an idle spell; default one second's worth. */
  rate_limit_burst: wholeNumber(1).optional(),
  tokens_per_minute: wholeNumber(1).optional(),
  /** Default 3. */
  max_retries: wholeNumber(0, 100).optional(),
  /** Seconds before the first retry, doubled on each retry. Default 1. */
  retry_delay: nonNegativeNumber(MAX_SECONDS).optional(),
  /** Seconds for the whole call. Default 300. */
  timeout: positiveNumber(MAX_SECONDS).optional(),
  /** Share of the alias's calls. Default 1. */
  weight: positiveNumber().optional(),
  /** US dollars per million tokens. Default 0. */
  input_cost_per_1m: nonNegativeNumber().optional(),
  output_cost_per_1m: nonNegativeNumber().optional(),
  /** Default: the input price. */
  cached_input_cost_per_1m: nonNegativeNumber().optional(),
  cache_write_cost_per_1m: nonNegativeNumber().optional(),
  latency_ms: nonNegativeNumber(MAX_SECONDS * 1000).optional(),
  jitter_ms: nonNegativeNumber().optional(),
  error_rate: fraction().optional(),
  rate_limit_rate: fraction().optional(),
});

export type RawEndpoint = z.infer<typeof endpointSchema>;

export const ENDPOINT_KEYS = Object.keys(endpointSchema.shape);

/** Keys that only the simulated provider reads. */
export const SIMULATED_KEYS = ["latency_ms", "jitter_ms", "error_rate", "rate_limit_rate"] as const;

export const resourceFileSchema = z.strictObject({
  endpoints: z.record(z.string(), z.unknown(), {
    error: "a mapping from each alias to an endpoint or a list of endpoints",
  }),
  /** Default least_loaded. */
  load_balance_strategy: oneOf(LOAD_BALANCE_STRATEGIES).optional(),
  /** Default 100. */
  max_total_concurrent: wholeNumber(1, MAX_CONCURRENCY).optional(),
  /** Default 10. */
  max_inflight_graphs: wholeNumber(1, MAX_INFLIGHT_GRAPHS).optional(),
  /** Default 1000; 0 turns the cache off. */
  result_cache_size: wholeNumber(0).optional(),
  /** Default 10. */
  checkpoint_buffer_size: wholeNumber(1).optional(),
});

export const RESOURCE_FILE_KEYS = Object.keys(resourceFileSchema.shape);
