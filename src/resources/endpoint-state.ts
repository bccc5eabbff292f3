import { CallCounters } from "./call-counters.js";
import { ConcurrencyLimit } from "./concurrency-limit.js";
import type { Balanced } from "./load-balancer.js";
import { TokenBucket } from "./token-bucket.js";
import type { EndpointConfig, LlmClient } from "./types.js";

/** Transient failures in a row after which an endpoint of a shared alias cools down. */
export const COOLDOWN_AFTER_FAILURES = 3;
/** How long a failing endpoint gets calls only when no other endpoint of its alias can. */
export const ENDPOINT_COOLDOWN_MS = 10_000;

/** The live state of one endpoint: slots, limiters, counters and health. */
export class EndpointState implements Balanced {
  readonly name: string;
  readonly weight: number;
  readonly maxConcurrent: number;
  readonly counters: CallCounters;
  /** Requests per second, plus the 429 back-off and recovery for the whole endpoint. */
  readonly limiter: TokenBucket;
  /** Input plus output tokens per minute, when the endpoint sets a limit. */
  readonly tokenLimiter: TokenBucket | undefined;
  /** Calls the server admits at once, learned from 429s, up to `maxConcurrent`. */
  readonly concurrency: ConcurrencyLimit;
  /**
   * True for a simulated endpoint with no latency: its reply is ready at
   * once, so no timeout timer is set for its calls.
   */
  readonly isInstant: boolean;
  inFlight = 0;
  cooldownUntilMs = 0;
  blockedUntilMs = 0;
  currentWeight = 0;
  consecutiveFailures = 0;
  /** Free slot numbers; popping hands out the lowest free one first. */
  private readonly freeSlots: number[] = [];

  constructor(
    readonly config: EndpointConfig,
    readonly client: LlmClient,
    nowMs: number,
  ) {
    this.name = config.name;
    this.weight = config.weight;
    this.maxConcurrent = config.maxConcurrent;
    this.counters = new CallCounters(config.maxConcurrent);
    this.limiter = new TokenBucket({
      ratePerSecond: config.rateLimit,
      burst: config.rateLimitBurst,
      nowMs,
    });
    this.tokenLimiter =
      config.tokensPerMinute === undefined
        ? undefined
        : new TokenBucket({
            ratePerSecond: config.tokensPerMinute / 60,
            burst: config.tokensPerMinute,
            nowMs,
          });
    this.concurrency = new ConcurrencyLimit(config.maxConcurrent);
    this.isInstant =
      config.provider === "simulated" && config.latencyMs <= 0 && config.jitterMs <= 0;
    for (let slot = config.maxConcurrent - 1; slot >= 0; slot--) this.freeSlots.push(slot);
  }

  get concurrencyLimit(): number {
    return this.concurrency.limit;
  }

  takeSlot(): number {
    this.inFlight += 1;
    this.counters.inFlight = this.inFlight;
    return this.freeSlots.pop() ?? this.inFlight - 1;
  }

  releaseSlot(slot: number): void {
    this.inFlight -= 1;
    this.counters.inFlight = this.inFlight;
    if (slot < this.maxConcurrent) this.freeSlots.push(slot);
  }

  /**
   * Applies a 429 that arrived at `nowMs` for a call sent at `sentAtMs` to
   * both limits. Call it after the call has settled. The token bucket reads
   * the calls in flight before the concurrency limit cuts its admitted
   * level, so that it can tell a concurrency cap from a rate limit.
   */
  noteRateLimited(nowMs: number, retryAfterMs: number, sentAtMs: number): void {
    this.limiter.backOff(nowMs, retryAfterMs, sentAtMs, {
      inFlight: this.concurrency.sentInFlight,
      admittedAtOnce: this.concurrency.admittedLevel,
    });
    this.concurrency.recordRejected(nowMs, retryAfterMs);
    this.blockedUntilMs = Math.max(this.blockedUntilMs, nowMs + retryAfterMs);
  }

  /** Counts a transient failure and cools the endpoint down after several in a row. */
  noteFailure(nowMs: number): void {
    this.consecutiveFailures += 1;
    if (this.consecutiveFailures >= COOLDOWN_AFTER_FAILURES) {
      this.cooldownUntilMs = Math.max(this.cooldownUntilMs, nowMs + ENDPOINT_COOLDOWN_MS);
    }
  }

  noteSuccess(): void {
    this.consecutiveFailures = 0;
  }
}
