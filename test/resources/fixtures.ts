import { ProviderError, type ProviderErrorKind } from "../../src/resources/provider-error.js";
import type {
  EndpointConfig,
  LlmClient,
  LlmReply,
  LlmRequest,
  LoadBalanceStrategy,
  ResourceConfig,
} from "../../src/resources/types.js";
import type { Clock } from "../../src/util/clock.js";

/** Builds an endpoint with the documented defaults, changed by `overrides`. */
export function makeEndpoint(overrides: Partial<EndpointConfig> = {}): EndpointConfig {
  const alias = overrides.alias ?? "fast";
  return {
    name: alias,
    alias,
    provider: "simulated",
    model: "sim-1",
    maxConcurrent: 10,
    maxRetries: 3,
    retryDelayMs: 1000,
    timeoutMs: 300_000,
    weight: 1,
    inputCostPer1m: 0,
    outputCostPer1m: 0,
    latencyMs: 0,
    jitterMs: 0,
    errorRate: 0,
    rateLimitRate: 0,
    ...overrides,
  };
}

export function makeConfig(
  endpoints: EndpointConfig[],
  overrides: { loadBalanceStrategy?: LoadBalanceStrategy; resultCacheSize?: number } = {},
): ResourceConfig {
  const aliases = new Map<string, EndpointConfig[]>();
  for (const endpoint of endpoints) {
    aliases.set(endpoint.alias, [...(aliases.get(endpoint.alias) ?? []), endpoint]);
  }
  return {
    file: "resources.yaml",
    aliases,
    loadBalanceStrategy: overrides.loadBalanceStrategy ?? "round_robin",
    maxTotalConcurrent: 100,
    maxInflightGraphs: 10,
    resultCacheSize: overrides.resultCacheSize ?? 1000,
    checkpointBufferSize: 10,
  };
}

/** One scripted outcome: a reply after `delayMs`, or a failure of `kind`. */
export type Step =
  | { reply: Partial<LlmReply>; delayMs?: number }
  | { fail: ProviderErrorKind; status?: number; retryAfter?: string; delayMs?: number }
  | { hang: true };

/**
 * A client that plays a script, one step per call, and records what it was
 * sent. Delays are slept on the given clock and honour the call's signal.
 */
export class ScriptedClient implements LlmClient {
  readonly requests: LlmRequest[] = [];
  private index = 0;

  constructor(
    private readonly steps: Step[],
    private readonly clock: Clock,
    private readonly fallback: Step = { reply: {} },
  ) {}

  async complete(request: LlmRequest, signal: AbortSignal): Promise<LlmReply> {
    this.requests.push(request);
    const step = this.steps[this.index++] ?? this.fallback;
    if ("hang" in step) {
      await new Promise((_, reject) => {
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      });
    }
    if ("delayMs" in step && step.delayMs !== undefined) {
      await this.clock.sleep(step.delayMs, signal);
    }
    if ("fail" in step) {
      throw new ProviderError(`scripted ${step.fail}`, {
        provider: "openai",
        kind: step.fail,
        status: step.status,
        headers: step.retryAfter === undefined ? undefined : { "retry-after": step.retryAfter },
      });
    }
    const reply = "reply" in step ? step.reply : {};
    return {
      text: "ok",
      usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 0, cacheWriteTokens: 0 },
      isTruncated: false,
      ...reply,
    };
  }
}
