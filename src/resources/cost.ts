import type { EndpointConfig, Usage } from "./types.js";

type Prices = Pick<
  EndpointConfig,
  "inputCostPer1m" | "outputCostPer1m" | "cachedInputCostPer1m" | "cacheWriteCostPer1m"
>;

/**
 * Prices one call in US dollars from per-million-token prices. Each prompt
 * token is priced once: cache reads at the cached price, cache writes at
 * the cache-write price (both default to the input price), the rest at the
 * input price. An unknown (null) count adds nothing, so the cost of such a
 * call is a lower bound; the caller counts it as unknown usage.
 */
export function computeCostUsd(usage: Usage, prices: Prices): number {
  let costPer1m = 0;
  if (usage.inputTokens !== null) {
    const cachedTokens = usage.cachedInputTokens;
    const writeTokens = usage.cacheWriteTokens;
    const plainTokens = Math.max(0, usage.inputTokens - cachedTokens - writeTokens);
    costPer1m += plainTokens * prices.inputCostPer1m;
    costPer1m += cachedTokens * (prices.cachedInputCostPer1m ?? prices.inputCostPer1m);
    costPer1m += writeTokens * (prices.cacheWriteCostPer1m ?? prices.inputCostPer1m);
  }
  if (usage.outputTokens !== null) {
    costPer1m += usage.outputTokens * prices.outputCostPer1m;
  }
  return costPer1m / 1_000_000;
}

/** True when the provider left out a count, so tokens and cost are not known in full. */
export function hasUnknownUsage(usage: Usage): boolean {
  return usage.inputTokens === null || usage.outputTokens === null;
}
