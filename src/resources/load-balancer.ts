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
  /**
   * Until this time the endpoint, which failed several calls in a row, gets
   * calls only when every endpoint is cooling down.
   */
  cooldownUntilMs: number;
  /**
   * Until this time a 429's Retry-After blocks the endpoint. It then gets
   * calls only when no endpoint is free of both cooldown and block, and
   * before any endpoint that is cooling down. Default 0.
   */
  blockedUntilMs?: number;
  /** Smooth weighted round-robin score; the balancer alone changes it. */
  currentWeight: number;
}

/**
 * Chooses an endpoint with a free slot for each call of one alias. A slot
 * is free while the endpoint's calls in flight are below its concurrency
 * limit. The endpoint a retry wants to leave is chosen only when no other
 * endpoint has a free slot. One blocked by a 429 is chosen only when every
 * endpoint is blocked or cooling down, and one cooling down only when every
 * endpoint is. Returns undefined when the call must wait for a slot.
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
    const ready =
      this.pickAmong(nowMs, avoid, "ready") ?? this.pickAmong(nowMs, undefined, "ready");
    if (ready !== undefined) return ready;
    // A failing endpoint fails fast, so its slots are always free; sending
    // there whenever the healthy ones are busy would fail call after call.
    // Wait for a ready endpoint's slot while there is one.
    if (this.endpoints.some((endpoint) => isReady(endpoint, nowMs))) return undefined;
    // An endpoint blocked by a 429 is healthy: a call sent there sleeps out
    // the block in its token bucket. Sent to one that is failing, it would
    // spend its retries there while the block lasts.
    const blocked = this.pickAmong(nowMs, undefined, "healthy");
    if (blocked !== undefined) return blocked;
    if (this.endpoints.some((endpoint) => endpoint.cooldownUntilMs <= nowMs)) return undefined;
    return this.pickAmong(nowMs, undefined, "any");
  }

  private isEligible(endpoint: T, nowMs: number, avoid: T | undefined, tier: Tier) {
    if (endpoint.inFlight >= limitOf(endpoint) || endpoint === avoid) return false;
    switch (tier) {
      case "ready":
        return isReady(endpoint, nowMs);
      case "healthy":
        return endpoint.cooldownUntilMs <= nowMs;
      case "any":
        return true;
    }
  }

  private pickAmong(nowMs: number, avoid: T | undefined, tier: Tier): T | undefined {
    switch (this.strategy) {
      case "round_robin":
        return this.pickRoundRobin(nowMs, avoid, tier);
      case "least_loaded":
        return this.pickLeastLoaded(nowMs, avoid, tier);
      case "random":
        return this.pickRandom(nowMs, avoid, tier);
    }
  }

  /**
   * Smooth weighted round robin (as in nginx): every eligible endpoint gains
   * its weight, the highest score wins and pays back the total, so weights
   * 2:1 give A, B, A rather than A, A, B.
   */
  private pickRoundRobin(nowMs: number, avoid: T | undefined, tier: Tier) {
    let best: T | undefined;
    let totalWeight = 0;
    for (const endpoint of this.endpoints) {
      if (!this.isEligible(endpoint, nowMs, avoid, tier)) continue;
      const weight = weightOf(endpoint);
      endpoint.currentWeight += weight;
      totalWeight += weight;
      if (best === undefined || endpoint.currentWeight > best.currentWeight) best = endpoint;
    }
    if (best !== undefined) best.currentWeight -= totalWeight;
    return best;
  }

  /** Picks the minimum calls in flight per unit of weight. Ties rotate, so idle endpoints share. */
  private pickLeastLoaded(nowMs: number, avoid: T | undefined, tier: Tier) {
    const count = this.endpoints.length;
    const start = this.tieBreak++ % count;
    let best: T | undefined;
    let bestLoad = Infinity;
    for (let offset = 0; offset < count; offset++) {
      const endpoint = this.endpoints[(start + offset) % count]!;
      if (!this.isEligible(endpoint, nowMs, avoid, tier)) continue;
      const load = endpoint.inFlight / weightOf(endpoint);
      if (load < bestLoad) {
        best = endpoint;
        bestLoad = load;
      }
    }
    return best;
  }

  /** Draws among the eligible endpoints, weighted by `weight`. */
  private pickRandom(nowMs: number, avoid: T | undefined, tier: Tier) {
    let totalWeight = 0;
    for (const endpoint of this.endpoints) {
      if (this.isEligible(endpoint, nowMs, avoid, tier)) totalWeight += weightOf(endpoint);
    }
    if (totalWeight === 0) return undefined;
    let point = this.random() * totalWeight;
    let last: T | undefined;
    for (const endpoint of this.endpoints) {
      if (!this.isEligible(endpoint, nowMs, avoid, tier)) continue;
      last = endpoint;
      point -= weightOf(endpoint);
      if (point < 0) return endpoint;
    }
    return last;
  }
}

/**
 * Endpoints a pass may choose: "ready" ones are neither cooling down nor
 * blocked by a 429, "healthy" ones are not cooling down, and "any" takes
 * every endpoint with a free slot.
 */
type Tier = "ready" | "healthy" | "any";

function isReady(endpoint: Balanced, nowMs: number): boolean {
  return endpoint.cooldownUntilMs <= nowMs && (endpoint.blockedUntilMs ?? 0) <= nowMs;
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
