import type { Clock, Random } from "../../util/clock.js";
import { ProviderError } from "../provider-error.js";
import type { EndpointConfig, LlmClient, LlmReply, LlmRequest } from "../types.js";
import { sampleSchema } from "./schema-sample.js";
import { hashString, nextHash } from "./string-hash.js";

/** Retry-after of a simulated 429. */
export const SIMULATED_RETRY_AFTER_MS = 1000;

const WORDS = [
  "the", "quick", "report", "shows", "steady", "growth", "in", "every", "region",
  "customers", "asked", "for", "faster", "refunds", "and", "clearer", "billing",
  "a", "bug", "blocks", "login", "on", "mobile", "devices", "since", "Tuesday",
  "summary", "ready", "needs", "review", "by", "support", "team", "today",
];

type SimulatedSettings = Pick<
  EndpointConfig,
  "model" | "latencyMs" | "jitterMs" | "errorRate" | "rateLimitRate"
>;

/**
 * An in-process provider: no network, and a reply derived from the prompt
 * alone, so the same request always gets the same text. Latency is slept on
 * the injected clock; with zero latency and jitter no timer is set at all,
 * so that it can serve tens of thousands of calls a second.
 */
export class SimulatedClient implements LlmClient {
  constructor(
    private readonly settings: SimulatedSettings,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  async complete(request: LlmRequest, signal: AbortSignal): Promise<LlmReply> {
    const { latencyMs, jitterMs, errorRate, rateLimitRate } = this.settings;
    if (latencyMs > 0 || jitterMs > 0) {
      const waitMs = latencyMs + (this.random() * 2 - 1) * jitterMs;
      await this.clock.sleep(Math.max(0, waitMs), signal);
    }
    if (errorRate > 0 && this.random() < errorRate) {
      throw new ProviderError("simulated transient failure (error_rate)", {
        provider: "simulated",
        kind: "transient",
        status: 503,
      });
    }
    if (rateLimitRate > 0 && this.random() < rateLimitRate) {
      throw new ProviderError("simulated rate limit (rate_limit_rate)", {
        provider: "simulated",
        kind: "rate_limited",
        status: 429,
        retryAfterMs: SIMULATED_RETRY_AFTER_MS,
        headers: { "retry-after-ms": String(SIMULATED_RETRY_AFTER_MS) },
      });
    }
    return buildSimulatedReply(request);
  }
}

/** Builds the deterministic reply for a request, counting about 4 characters a token. */
export function buildSimulatedReply(request: LlmRequest): LlmReply {
  const seed = hashString(request.prompt, hashString(request.system ?? ""));
  let text: string;
  if (request.jsonSchema !== undefined) {
    text = JSON.stringify(sampleSchema(request.jsonSchema, seed));
  } else if (request.isJson === true) {
    text = JSON.stringify({ answer: pickWords(seed, 3), score: seed % 100 });
  } else {
    text = pickWords(seed, 4 + (seed % 9));
  }
  let outputTokens = estimateTokens(text);
  let isTruncated = false;
  if (request.maxTokens !== undefined && outputTokens > request.maxTokens) {
    text = text.slice(0, Math.max(1, request.maxTokens) * 4);
    outputTokens = request.maxTokens;
    isTruncated = true;
  }
  const inputChars = request.prompt.length + (request.system?.length ?? 0);
  return {
    text,
    usage: {
      inputTokens: Math.max(1, Math.ceil(inputChars / 4)),
      outputTokens,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
    },
    isTruncated,
  };
}

/** About four characters a token, at least one, as a rough English average. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function pickWords(seed: number, count: number): string {
  let hash = seed;
  let text = "";
  for (let index = 0; index < count; index++) {
    hash = nextHash(hash);
    text += (index === 0 ? "" : " ") + WORDS[hash % WORDS.length];
  }
  return text;
}
