import type { Random } from "../util/clock.js";
import type { LoadBalanceStrategy } from "./types.js";

/** Endpoint fields the balancer reads. The endpoint state owns them. */
export interface Balanced {
  weight: number;
  /** Slots in use now. */
  inFlight: number;
  maxConcurrent: number;
  /**
   * Calls the endpoint may have in flight now, when the server has shown it
   * admits fewer than `maxConcurrent`. Default: `maxConcurrent`.
   */
  concurrencyLimit?: number;
  /** Until this time the endpoint gets calls only when no other endpoint can take them. */
  cooldownUntilMs: number;
  /** Smooth weighted round-robin score; the balancer alone changes it. */
  currentWeight: number;
}

/**
 * Chooses an endpoint with a free slot for each call of one alias. A slot
 * is free while the endpoint's calls in flight are below its concurrency
 * limit. The endpoint a retry wants to leave is chosen only when no other
 * endpoint has a free slot, and one cooling down only when every endpoint is
 * cooling down. Returns undefined when the call must wait for a slot.
 *
 * An endpoint whose limit was cut by 429s counts with its weight scaled by
 * its limit over `maxConcurrent`, so the endpoints with room get the larger
 * share of calls. Before any 429 the weights apply as configured.
 */
export class LoadBalancer<T extends Balanced> {
  private tieBreak = 0;

  constructor(
    private readonly endpoints: readonly T[],
    private readonly strategy: LoadBalanceStrategy,
    private readonly random: Random,
  ) {}

  pick(nowMs: number, avoid?: T): T | undefined {
    if (this.endpoints.length === 1) {
      const only = this.endpoints[0]!;
      return only.inFlight < limitOf(only) ? only : undefined;
    }
    const healthy = this.pickAmong(nowMs, avoid, true) ?? this.pickAmong(nowMs, undefined, true);
    if (healthy !== undefined) return healthy;
    // A failing endpoint fails fast, so its slots are always free; sending
    // there whenever the healthy ones are busy would fail call after call.
    // Wait for a healthy endpoint's slot while there is one.
    if (this.endpoints.some((endpoint) => endpoint.cooldownUntilMs <= nowMs)) return undefined;
    return this.pickAmong(nowMs, undefined, false);
  }

  private isEligible(endpoint: T, nowMs: number, avoid: T | undefined, isStrict: boolean) {
    if (endpoint.inFlight >= limitOf(endpoint) || endpoint === avoid) return false;
    return !isStrict || endpoint.cooldownUntilMs <= nowMs;
  }

  private pickAmong(nowMs: number, avoid: T | undefined, isStrict: boolean): T | undefined {
    switch (this.strategy) {
      case "round_robin":
        return this.pickRoundRobin(nowMs, avoid, isStrict);
      case "least_loaded":
        return this.pickLeastLoaded(nowMs, avoid, isStrict);
      case "random":
        return this.pickRandom(nowMs, avoid, isStrict);
    }
  }

  /**
   * Smooth weighted round robin (as in nginx): every eligible endpoint gains
   * its weight, the highest score wins and pays back the total, so weights
   * 2:1 give A, B, A rather than A, A, B.
   */
  private pickRoundRobin(nowMs: number, avoid: T | undefined, isStrict: boolean) {
    let best: T | undefined;
    let totalWeight = 0;
    for (const endpoint of this.endpoints) {
      if (!this.isEligible(endpoint, nowMs, avoid, isStrict)) continue;
      const weight = weightOf(endpoint);
      endpoint.currentWeight += weight;
      totalWeight += weight;
      if (best === undefined || endpoint.currentWeight > best.currentWeight) best = endpoint;
    }
    if (best !== undefined) best.currentWeight -= totalWeight;
    return best;
  }

  /** Picks the minimum calls in flight per unit of weight. Ties rotate, so idle endpoints share. */
  private pickLeastLoaded(nowMs: number, avoid: T | undefined, isStrict: boolean) {
    const count = this.endpoints.length;
    const start = this.tieBreak++ % count;
    let best: T | undefined;
    let bestLoad = Infinity;
    for (let offset = 0; offset < count; offset++) {
      const endpoint = this.endpoints[(start + offset) % count]!;
      if (!this.isEligible(endpoint, nowMs, avoid, isStrict)) continue;
      const load = endpoint.inFlight / weightOf(endpoint);
      if (load < bestLoad) {
        best = endpoint;
        bestLoad = load;
      }
    }
    return best;
  }

  /** Draws among the eligible endpoints, weighted by `weight`. */
  private pickRandom(nowMs: number, avoid: T | undefined, isStrict: boolean) {
    let totalWeight = 0;
    for (const endpoint of this.endpoints) {
      if (this.isEligible(endpoint, nowMs, avoid, isStrict)) totalWeight += weightOf(endpoint);
    }
    if (totalWeight === 0) return undefined;
    let point = this.random() * totalWeight;
    let last: T | undefined;
    for (const endpoint of this.endpoints) {
      if (!this.isEligible(endpoint, nowMs, avoid, isStrict)) continue;
      last = endpoint;
      point -= weightOf(endpoint);
      if (point < 0) return endpoint;
    }
    return last;
  }
}

function limitOf(endpoint: Balanced): number {
  return endpoint.concurrencyLimit ?? endpoint.maxConcurrent;
}

/** Scales the configured weight down while 429s keep the endpoint below `maxConcurrent`. */
function weightOf(endpoint: Balanced): number {
  const limit = limitOf(endpoint);
  if (limit >= endpoint.maxConcurrent) return endpoint.weight;
  return (endpoint.weight * limit) / endpoint.maxConcurrent;
}
