import { MOCK_ROUTES, type MockRoute } from "./chat-request.js";
import { FAULT_MODES, type FaultMode } from "./options.js";
import type { GeneratedReply } from "./reply.js";
import { SlidingWindow } from "./sliding-window.js";

/** Token totals of the replies the server sent successfully. */
export interface MockUsageTotals {
  /** Logical prompt size, cached tokens included, on every route. */
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens reported as read from the cache. */
  cachedTokens: number;
  /** Prompt tokens reported as written to the cache (Anthropic only). */
  cacheWriteTokens: number;
  /** Prompt tokens of Ollama replies that left `prompt_eval_count` out. */
  unreportedPromptTokens: number;
}

/** The body of `GET /stats`. Counts cover chat requests only, since start or the last reset. */
export interface MockStats {
  requests: {
    total: number;
    byRoute: Record<MockRoute, number>;
    /** Keyed by the request's `model`. Bodies that did not parse are left out. */
    byModel: Record<string, number>;
  };
  /** Requests that got a reply (faults, 400s and 429s excluded). */
  successes: number;
  /** Requests rejected with 400 because the body was not a valid request. */
  invalidRequests: number;
  /** Admitted requests whose reply has not finished. */
  inFlight: number;
  /** Maximum admitted requests in flight at once. */
  peakConcurrency: number;
  /** Maximum chat requests received in any 1 s window, rejected ones included. */
  peakRequestsPerSecond: number;
  /** 429 replies, by the limit that caused them. */
  rateLimited: { total: number; concurrency: number; rate: number };
  faults: Record<FaultMode, number>;
  usage: { total: MockUsageTotals; byRoute: Record<MockRoute, MockUsageTotals> };
  /** TCP connections accepted. Fewer than requests means clients reuse keep-alive connections. */
  connections: number;
}

/** Collects the counters behind `MockStats`. */
export class StatsRecorder {
  private stats: MockStats = createEmptyStats();
  private readonly arrivals = new SlidingWindow(1000);

  recordArrival(route: MockRoute, nowMs: number): void {
    this.stats.requests.total++;
    this.stats.requests.byRoute[route]++;
    this.arrivals.record(nowMs);
    const perSecond = this.arrivals.count(nowMs);
    if (perSecond > this.stats.peakRequestsPerSecond) this.stats.peakRequestsPerSecond = perSecond;
  }

  recordModel(model: string): void {
    this.stats.requests.byModel[model] = (this.stats.requests.byModel[model] ?? 0) + 1;
  }

  recordInvalidRequest(): void {
    this.stats.invalidRequests++;
  }

  recordRateLimited(reason: "concurrency" | "rate"): void {
    this.stats.rateLimited.total++;
    this.stats.rateLimited[reason]++;
  }

  recordAdmitted(inFlight: number): void {
    this.stats.inFlight = inFlight;
    if (inFlight > this.stats.peakConcurrency) this.stats.peakConcurrency = inFlight;
  }

  recordReleased(inFlight: number): void {
    this.stats.inFlight = inFlight;
  }

  recordFault(mode: FaultMode): void {
    this.stats.faults[mode]++;
  }

  recordSuccess(route: MockRoute, reply: GeneratedReply, isPromptCountOmitted: boolean): void {
    this.stats.successes++;
    for (const totals of [this.stats.usage.total, this.stats.usage.byRoute[route]]) {
      totals.promptTokens += reply.promptTokens;
      totals.completionTokens += reply.completionTokens;
      totals.cachedTokens += reply.cacheReadTokens;
      // Only Anthropic's replies report cache writes; OpenAI and Ollama
      // replies carry no such field, so their totals must not count them.
      if (route === "anthropic") totals.cacheWriteTokens += reply.cacheWriteTokens;
      if (isPromptCountOmitted) totals.unreportedPromptTokens += reply.promptTokens;
    }
  }

  recordConnection(): void {
    this.stats.connections++;
  }

  snapshot(): MockStats {
    return structuredClone(this.stats);
  }

  /** Zeroes every counter, but requests still in flight stay counted as in flight. */
  reset(): void {
    const inFlight = this.stats.inFlight;
    this.stats = createEmptyStats();
    this.stats.inFlight = inFlight;
    this.stats.peakConcurrency = inFlight;
    this.arrivals.clear();
  }
}

function createEmptyStats(): MockStats {
  return {
    requests: { total: 0, byRoute: countByRoute(() => 0), byModel: {} },
    successes: 0,
    invalidRequests: 0,
    inFlight: 0,
    peakConcurrency: 0,
    peakRequestsPerSecond: 0,
    rateLimited: { total: 0, concurrency: 0, rate: 0 },
    faults: Object.fromEntries(FAULT_MODES.map((mode) => [mode, 0])) as Record<FaultMode, number>,
    usage: { total: createEmptyUsage(), byRoute: countByRoute(createEmptyUsage) },
    connections: 0,
  };
}

function countByRoute<T>(create: () => T): Record<MockRoute, T> {
  return Object.fromEntries(MOCK_ROUTES.map((route) => [route, create()])) as Record<MockRoute, T>;
}

function createEmptyUsage(): MockUsageTotals {
  return {
    promptTokens: 0,
    completionTokens: 0,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    unreportedPromptTokens: 0,
  };
}
