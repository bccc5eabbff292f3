import { systemClock, type Clock, type Random } from "../util/clock.js";
import { CallCounters } from "./call-counters.js";
import { CallError } from "./call-error.js";
import { startTimer } from "./call-timer.js";
import { createClient as createDefaultClient } from "./clients/create-client.js";
import { fromFetchError } from "./clients/sdk-error.js";
import { estimateTokens } from "./clients/simulated.js";
import { computeCostUsd, hasUnknownUsage } from "./cost.js";
import { EndpointState } from "./endpoint-state.js";
import type { CallListener, ErrorKind } from "./events.js";
import { LoadBalancer } from "./load-balancer.js";
import { maskSecrets, ProviderError } from "./provider-error.js";
import { ResultCache } from "./result-cache.js";
import { decideRetry } from "./retry-decision.js";
import { RunLinks } from "./run-links.js";
import type {
  CallContext,
  CallResult,
  EndpointConfig,
  EndpointMetrics,
  LlmClient,
  LlmReply,
  LlmRequest,
  MetricsSnapshot,
  ResourceConfig,
} from "./types.js";

export { CallError } from "./call-error.js";

export interface ResourceManagerOptions {
  config: ResourceConfig;
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: Math.random. Drives jitter, random balancing and simulated faults. */
  random?: Random;
  listeners?: CallListener[];
  /** Default: the SDK client for the endpoint's provider. Tests inject their own. */
  createClient?: (endpoint: EndpointConfig) => LlmClient;
}

export interface ResourceManager {
  /** Calls of `alias` that may be outstanding at once: its endpoints' max_concurrent summed. */
  capacity(alias: string): number;
  /**
   * Sends one request to an endpoint of `alias`, with retries and rate-limit
   * waits. Resolves with the result or rejects with a CallError.
   */
  call(
    alias: string,
    request: LlmRequest,
    context: CallContext,
    signal: AbortSignal,
  ): Promise<CallResult>;
  metrics(): MetricsSnapshot;
  /** Closes every client's connections. */
  /** Sets up every endpoint's client; rejects when one cannot be used (a missing key). */
  prepare(): Promise<void>;
  close(): Promise<void>;
}

interface AliasState {
  name: string;
  endpoints: EndpointState[];
  balancer: LoadBalancer<EndpointState>;
  counters: CallCounters;
  capacity: number;
  /** The endpoints' models, as the result cache keys them. */
  cacheModel: string;
  /** Calls waiting for any slot of the alias; empty while callers respect `capacity`. */
  slotWaiters: Array<() => void>;
}

/** Message of a call stopped by the run's abort signal. */
const CANCELLED_MESSAGE = "call cancelled: the run was stopped";

/** Abort reason of a call's own controller when its timeout fired. */
class CallTimeout extends Error {}

export function createResourceManager(options: ResourceManagerOptions): ResourceManager {
  return new Manager(options);
}

class Manager implements ResourceManager {
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly aliases = new Map<string, AliasState>();
  private readonly endpoints: EndpointState[] = [];
  private readonly total: CallCounters;
  private readonly cache: ResultCache;
  private readonly onStarted: NonNullable<CallListener["onCallStarted"]>[];
  private readonly onFinished: NonNullable<CallListener["onCallFinished"]>[];
  private readonly onFailed: NonNullable<CallListener["onCallFailed"]>[];
  private readonly onRetried: NonNullable<CallListener["onCallRetried"]>[];
  private readonly onRateLimited: NonNullable<CallListener["onCallRateLimited"]>[];
  private callCount = 0;
  private readonly runLinks = new RunLinks();
  private readonly configFile: string;

  constructor(options: ResourceManagerOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    const { config } = options;
    this.configFile = config.file;
    const makeClient =
      options.createClient ??
      ((endpoint: EndpointConfig) => createDefaultClient(endpoint, this.clock, this.random));
    const nowMs = this.clock.now();
    let totalCapacity = 0;
    for (const [name, configs] of config.aliases) {
      const endpoints = configs.map(
        (endpoint) => new EndpointState(endpoint, makeClient(endpoint), nowMs),
      );
      const capacity = endpoints.reduce((sum, endpoint) => sum + endpoint.maxConcurrent, 0);
      totalCapacity += capacity;
      this.endpoints.push(...endpoints);
      this.aliases.set(name, {
        name,
        endpoints,
        balancer: new LoadBalancer(endpoints, config.loadBalanceStrategy, this.random),
        counters: new CallCounters(capacity),
        capacity,
        cacheModel: [...new Set(configs.map((endpoint) => endpoint.model))].sort().join(","),
        slotWaiters: [],
      });
    }
    this.total = new CallCounters(Math.min(totalCapacity, config.maxTotalConcurrent));
    this.cache = new ResultCache(config.resultCacheSize);
    const listeners = options.listeners ?? [];
    this.onStarted = collect(listeners, "onCallStarted");
    this.onFinished = collect(listeners, "onCallFinished");
    this.onFailed = collect(listeners, "onCallFailed");
    this.onRetried = collect(listeners, "onCallRetried");
    this.onRateLimited = collect(listeners, "onCallRateLimited");
  }

  capacity(alias: string): number {
    return this.requireAlias(alias).capacity;
  }

  async call(
    aliasName: string,
    request: LlmRequest,
    context: CallContext,
    signal: AbortSignal,
  ): Promise<CallResult> {
    const alias = this.requireAlias(aliasName);
    const callId = "c" + (++this.callCount).toString(36);
    if (signal.aborted) {
      throw this.fail(alias, undefined, callId, context, "cancelled", CANCELLED_MESSAGE, 0);
    }
    const cacheKey = this.cache.keyOf(alias.cacheModel, request);
    if (cacheKey !== undefined) {
      const hit = this.cache.get(cacheKey);
      if (hit !== undefined) return this.answerFromCache(alias, hit, callId, context);
    }
    return this.runCall(alias, callId, request, context, signal, cacheKey);
  }

  private async runCall(
    alias: AliasState,
    callId: string,
    request: LlmRequest,
    context: CallContext,
    signal: AbortSignal,
    cacheKey: string | undefined,
  ): Promise<CallResult> {
    let attempt = 0;
    let rateLimitCount = 0;
    let rateLimitWaitMs = 0;
    let avoid: EndpointState | undefined;
    for (;;) {
      const endpoint =
        alias.balancer.pick(this.clock.now(), avoid) ??
        (await this.waitForEndpoint(alias, avoid, signal, callId, context, attempt));
      const slot = endpoint.takeSlot();
      alias.counters.inFlight += 1;
      this.total.inFlight += 1;
      let reply: LlmReply | undefined;
      let failure: ProviderError | undefined;
      let startedAtMs = 0;
      let estimatedTokens = 0;
      let isSent = false;
      try {
        estimatedTokens = await this.waitForLimiters(endpoint, request, signal);
        // A 429 may have cut the endpoint's concurrency limit while this
        // call waited. Then its slot is over the limit, and it waits again.
        if (!endpoint.concurrency.hasRoom()) {
          this.refundLimiters(endpoint, estimatedTokens);
          continue;
        }
        attempt += 1;
        endpoint.counters.requests += 1;
        alias.counters.requests += 1;
        this.total.requests += 1;
        startedAtMs = this.clock.now();
        endpoint.limiter.recordSent(startedAtMs);
        endpoint.concurrency.recordSent();
        isSent = true;
        if (this.onStarted.length > 0) {
          const atMs = startedAtMs;
          const event = { callId, context, endpoint: endpoint.name, slot, attempt, atMs };
          for (const listener of this.onStarted) listener(event);
        }
        reply = await this.invoke(endpoint, request, signal);
      } catch (error) {
        failure = this.toProviderError(error, endpoint, signal);
      } finally {
        if (isSent) endpoint.concurrency.recordSettled();
        endpoint.releaseSlot(slot);
        alias.counters.inFlight -= 1;
        this.total.inFlight -= 1;
        if (alias.slotWaiters.length > 0) alias.slotWaiters.shift()!();
      }
      if (reply !== undefined) {
        return this.finish(alias, endpoint, reply, {
          callId, context, slot, startedAtMs, attempt, estimatedTokens, cacheKey,
        });
      }
      const error = failure!;
      if (error.kind === "cancelled" || signal.aborted) {
        const message = CANCELLED_MESSAGE;
        throw this.fail(alias, endpoint, callId, context, "cancelled", message, attempt, error);
      }
      if (error.kind === "rate_limited") {
        // A 429 requeue does not spend one of the call's retries.
        attempt -= 1;
        rateLimitCount += 1;
        endpoint.counters.rateLimited += 1;
        alias.counters.rateLimited += 1;
        this.total.rateLimited += 1;
      }
      const isBackoff = error.kind === "transient" || error.kind === "timeout";
      const decision = decideRetry(
        { attempt, rateLimitCount, rateLimitWaitMs },
        error,
        error.headers,
        Date.now(),
        {
          maxRetries: endpoint.config.maxRetries,
          retryDelayMs: endpoint.config.retryDelayMs,
          jitter: isBackoff ? this.random() : 0,
        },
      );
      if (!decision.retry) {
        const kind: ErrorKind = error.kind;
        const message = `${endpoint.name}: ${decision.reason}: ${error.message}`;
        throw this.fail(alias, endpoint, callId, context, kind, message, attempt, error);
      }
      const nowMs = this.clock.now();
      if (decision.isRateLimit) {
        rateLimitWaitMs += decision.delayMs;
        endpoint.noteRateLimited(nowMs, decision.delayMs, startedAtMs);
        avoid = endpoint;
        if (this.onRateLimited.length > 0) {
          const event = {
            callId, context, endpoint: endpoint.name, retryAfterMs: decision.delayMs, atMs: nowMs,
          };
          for (const listener of this.onRateLimited) listener(event);
        }
        continue;
      }
      endpoint.noteFailure(nowMs);
      endpoint.counters.retries += 1;
      alias.counters.retries += 1;
      this.total.retries += 1;
      avoid = alias.endpoints.length > 1 ? endpoint : undefined;
      if (this.onRetried.length > 0) {
        const event = {
          callId,
          context,
          endpoint: endpoint.name,
          attempt: attempt + 1,
          delayMs: decision.delayMs,
          reason: `${decision.reason}: ${error.message}`,
          atMs: nowMs,
        };
        for (const listener of this.onRetried) listener(event);
      }
      try {
        await this.clock.sleep(decision.delayMs, signal);
      } catch {
        throw this.fail(alias, endpoint, callId, context, "cancelled", CANCELLED_MESSAGE, attempt);
      }
    }
  }

  /**
   * Calls the client under a timeout. The run's signal and the timeout
   * abort one controller, and its abort reason separates the two afterwards.
   * A call that settles in time only clears its timer: aborting its
   * controller would build an AbortError that nothing reads.
   */
  private async invoke(
    endpoint: EndpointState,
    request: LlmRequest,
    signal: AbortSignal,
  ): Promise<LlmReply> {
    if (endpoint.isInstant) return endpoint.client.complete(request, signal);
    const controller = new AbortController();
    this.runLinks.link(signal, controller);
    const timeoutMs = request.timeoutMs ?? endpoint.config.timeoutMs;
    const cancelTimer = startTimer(this.clock, timeoutMs, () => {
      controller.abort(new CallTimeout(`timed out after ${timeoutMs} ms`));
    });
    try {
      return await endpoint.client.complete(request, controller.signal);
    } catch (error) {
      const reason: unknown = controller.signal.reason;
      if (reason instanceof CallTimeout) {
        throw new ProviderError(reason.message, {
          provider: endpoint.config.provider,
          kind: "timeout",
          cause: error,
        });
      }
      throw error;
    } finally {
      cancelTimer();
      this.runLinks.unlink(signal, controller);
    }
  }

  /** Waits out the endpoint's rate limiters; returns the tokens reserved by estimate. */
  private async waitForLimiters(
    endpoint: EndpointState,
    request: LlmRequest,
    signal: AbortSignal,
  ): Promise<number> {
    const limiter = endpoint.limiter;
    const nowMs = this.clock.now();
    let generation = limiter.generation;
    let waitMs = limiter.reserve(nowMs);
    let estimatedTokens = 0;
    if (endpoint.tokenLimiter !== undefined) {
      estimatedTokens = estimateTokens(request.prompt) + estimateTokens(request.system ?? "");
      waitMs = Math.max(waitMs, endpoint.tokenLimiter.reserve(nowMs, estimatedTokens));
    }
    while (waitMs > 0) {
      await this.clock.sleep(waitMs, signal);
      // A 429 that arrived while this call slept blocked the endpoint and
      // forgave the reservation, so the call takes a new place in line
      // instead of going at once when the block ends with every other.
      if (limiter.generation === generation) {
        waitMs = limiter.blockedForMs(this.clock.now());
      } else {
        generation = limiter.generation;
        waitMs = limiter.reserve(this.clock.now());
      }
    }
    return estimatedTokens;
  }

  /** Gives back what `waitForLimiters` reserved for a call that was not sent. */
  private refundLimiters(endpoint: EndpointState, estimatedTokens: number): void {
    const nowMs = this.clock.now();
    endpoint.limiter.charge(nowMs, -1);
    endpoint.tokenLimiter?.charge(nowMs, -estimatedTokens);
  }

  /** Waits until an endpoint of the alias has a free slot. */
  private async waitForEndpoint(
    alias: AliasState,
    avoid: EndpointState | undefined,
    signal: AbortSignal,
    callId: string,
    context: CallContext,
    attempt: number,
  ): Promise<EndpointState> {
    for (;;) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const index = alias.slotWaiters.indexOf(wake);
          if (index >= 0) alias.slotWaiters.splice(index, 1);
          const message = CANCELLED_MESSAGE;
          reject(this.fail(alias, undefined, callId, context, "cancelled", message, attempt));
        };
        const wake = () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        };
        if (signal.aborted) return onAbort();
        signal.addEventListener("abort", onAbort, { once: true });
        alias.slotWaiters.push(wake);
      });
      const endpoint = alias.balancer.pick(this.clock.now(), avoid);
      if (endpoint !== undefined) return endpoint;
    }
  }

  private finish(
    alias: AliasState,
    endpoint: EndpointState,
    reply: LlmReply,
    call: {
      callId: string;
      context: CallContext;
      slot: number;
      startedAtMs: number;
      attempt: number;
      estimatedTokens: number;
      cacheKey: string | undefined;
    },
  ): CallResult {
    const nowMs = this.clock.now();
    const latencyMs = nowMs - call.startedAtMs;
    const usage = reply.usage;
    const costUsd = computeCostUsd(usage, endpoint.config);
    const isUsageKnown = !hasUnknownUsage(usage);
    endpoint.counters.recordSuccess(latencyMs, usage, costUsd, isUsageKnown);
    alias.counters.recordSuccess(latencyMs, usage, costUsd, isUsageKnown);
    this.total.recordSuccess(latencyMs, usage, costUsd, isUsageKnown);
    endpoint.noteSuccess();
    // The finished call woke one waiting call, and a limit one higher has room for another.
    if (endpoint.concurrency.recordSuccess(nowMs) && alias.slotWaiters.length > 0) {
      alias.slotWaiters.shift()!();
    }
    if (endpoint.tokenLimiter !== undefined) {
      const usedTokens = (usage.inputTokens ?? call.estimatedTokens) + (usage.outputTokens ?? 0);
      endpoint.tokenLimiter.charge(nowMs, usedTokens - call.estimatedTokens);
    }
    const result: CallResult = {
      text: reply.text,
      usage,
      isTruncated: reply.isTruncated,
      requestId: reply.requestId,
      callId: call.callId,
      endpoint: endpoint.name,
      latencyMs,
      attempts: call.attempt,
      costUsd,
      isCached: false,
    };
    if (call.cacheKey !== undefined) this.cache.set(call.cacheKey, result);
    if (this.onFinished.length > 0) {
      const event = {
        context: call.context, result, slot: call.slot, startedAtMs: call.startedAtMs, atMs: nowMs,
      };
      for (const listener of this.onFinished) listener(event);
    }
    return result;
  }

  /**
   * Returns a cached result. It spent nothing, so its usage and cost are
   * zero, and its finished event carries slot -1 because no slot was taken.
   */
  private answerFromCache(
    alias: AliasState,
    hit: CallResult,
    callId: string,
    context: CallContext,
  ): CallResult {
    const result: CallResult = {
      ...hit,
      usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0 },
      callId,
      latencyMs: 0,
      attempts: 0,
      costUsd: 0,
      isCached: true,
    };
    alias.counters.cacheHits += 1;
    this.total.cacheHits += 1;
    for (const endpoint of alias.endpoints) {
      if (endpoint.name === hit.endpoint) endpoint.counters.cacheHits += 1;
    }
    if (this.onFinished.length > 0) {
      const atMs = this.clock.now();
      const event = { context, result, slot: -1, startedAtMs: atMs, atMs };
      for (const listener of this.onFinished) listener(event);
    }
    return result;
  }

  /** Counts a final failure, emits it, and returns the CallError to throw. */
  private fail(
    alias: AliasState,
    endpoint: EndpointState | undefined,
    callId: string,
    context: CallContext,
    kind: ErrorKind,
    message: string,
    attempts: number,
    cause?: ProviderError,
  ): CallError {
    endpoint?.counters.recordFailure(kind);
    alias.counters.recordFailure(kind);
    this.total.recordFailure(kind);
    const endpointName = endpoint?.name ?? alias.name;
    if (this.onFailed.length > 0) {
      const event = {
        callId, context, endpoint: endpointName, kind, message, attempts, atMs: this.clock.now(),
      };
      for (const listener of this.onFailed) listener(event);
    }
    return new CallError(message, {
      kind,
      callId,
      endpoint: endpointName,
      attempts,
      status: cause?.status,
      requestId: cause?.requestId,
      cause,
    });
  }

  private toProviderError(
    error: unknown,
    endpoint: EndpointState,
    signal: AbortSignal,
  ): ProviderError {
    if (error instanceof ProviderError) return error;
    const provider = endpoint.config.provider;
    const text = error instanceof Error ? error.message : String(error);
    const message = maskSecrets(text, endpoint.config.apiKey);
    if (signal.aborted) {
      return new ProviderError(message, { provider, kind: "cancelled", cause: error });
    }
    return fromFetchError(error, provider, message);
  }

  private requireAlias(name: string): AliasState {
    const alias = this.aliases.get(name);
    if (alias === undefined) {
      const known = [...this.aliases.keys()].join(", ");
      throw new Error(
        `unknown alias "${name}": ${this.configFile} defines ${known || "no alias"}; ` +
          "add it there or use one of those",
      );
    }
    return alias;
  }

  metrics(): MetricsSnapshot {
    const aliases: MetricsSnapshot["aliases"] = {};
    const endpoints: Record<string, EndpointMetrics> = {};
    for (const alias of this.aliases.values()) {
      aliases[alias.name] = alias.counters.snapshot();
      for (const endpoint of alias.endpoints) {
        endpoints[endpoint.name] = {
          ...endpoint.counters.snapshot(),
          alias: alias.name,
          provider: endpoint.config.provider,
          model: endpoint.config.model,
        };
      }
    }
    return { atMs: this.clock.now(), total: this.total.snapshot(), aliases, endpoints };
  }

  async prepare(): Promise<void> {
    await Promise.all(this.endpoints.map((endpoint) => endpoint.client.prepare?.()));
  }

  async close(): Promise<void> {
    await Promise.all(this.endpoints.map((endpoint) => endpoint.client.close?.()));
  }
}

function collect<K extends keyof CallListener>(
  listeners: CallListener[],
  key: K,
): NonNullable<CallListener[K]>[] {
  const methods: NonNullable<CallListener[K]>[] = [];
  for (const listener of listeners) {
    const method = listener[key];
    if (method !== undefined) methods.push(method.bind(listener) as NonNullable<CallListener[K]>);
  }
  return methods;
}
