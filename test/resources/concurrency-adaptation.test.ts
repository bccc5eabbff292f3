import { setMaxListeners } from "node:events";
import { describe, expect, it } from "vitest";
import type { CallListener } from "../../src/resources/events.js";
import { ProviderError } from "../../src/resources/provider-error.js";
import { createResourceManager } from "../../src/resources/resource-manager.js";
import type { EndpointConfig, LlmClient, LlmReply, LlmRequest } from "../../src/resources/types.js";
import { ManualClock } from "../../src/util/clock.js";
import { makeConfig, makeEndpoint } from "./fixtures.js";

/**
 * A server that runs at most `cap` requests at once and rejects one more at
 * once with a 429 and Retry-After: 1, as `plait mock-server --max-concurrent`
 * does. Admitted requests take `latencyMs`.
 */
class CappedServer implements LlmClient {
  /** Requests that reached the server, with the count in flight there counting each one. */
  readonly arrivals: Array<{ atMs: number; inFlight: number }> = [];
  readonly rejectedAtMs: number[] = [];
  readonly successAtMs: number[] = [];
  private inFlight = 0;

  constructor(
    private readonly clock: ManualClock,
    private readonly cap: number,
    private readonly latencyMs: number,
  ) {}

  async complete(_request: LlmRequest, signal: AbortSignal): Promise<LlmReply> {
    this.arrivals.push({ atMs: this.clock.now(), inFlight: this.inFlight + 1 });
    if (this.inFlight >= this.cap) {
      this.rejectedAtMs.push(this.clock.now());
      throw new ProviderError("429 too many concurrent requests", {
        provider: "openai",
        kind: "rate_limited",
        status: 429,
        headers: { "retry-after": "1" },
      });
    }
    this.inFlight += 1;
    try {
      await this.clock.sleep(this.latencyMs, signal);
    } finally {
      this.inFlight -= 1;
    }
    this.successAtMs.push(this.clock.now());
    return {
      text: "ok",
      usage: { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0, cacheWriteTokens: 0 },
      isTruncated: false,
    };
  }
}

const context = { recordId: "r", node: "n" };

/**
 * Makes `calls` calls to alias "fast" through `workers` loops that each keep
 * one call outstanding, as the runner does up to the alias's capacity, and
 * runs the clock until all are done. Returns when the last one finished.
 */
async function runCalls(
  endpoints: EndpointConfig[],
  clients: Map<string, LlmClient>,
  clock: ManualClock,
  options: { calls: number; workers: number; listeners?: CallListener[] },
) {
  const manager = createResourceManager({
    config: makeConfig(endpoints),
    clock,
    random: () => 0.5,
    listeners: options.listeners,
    createClient: (endpoint) => clients.get(endpoint.name)!,
  });
  const signal = new AbortController().signal;
  // Every waiting call listens for the run's abort. The CLI lifts this cap too.
  setMaxListeners(0, signal);
  let started = 0;
  const worker = async () => {
    while (started < options.calls) {
      started += 1;
      await manager.call("fast", { prompt: `p${started}` }, context, signal);
    }
  };
  const workers = Array.from({ length: options.workers }, () => worker());
  await clock.runAll();
  await Promise.all(workers);
  return { manager, finishedAtMs: clock.now() };
}

/**
 * Checks that 600 calls against a cap of 8 drew 56 rejections, all in the
 * opening burst, and never more than 8 in flight after it.
 */
function expectSettledAtCap(server: CappedServer): void {
  expect(server.rejectedAtMs).toHaveLength(56);
  expect(server.rejectedAtMs.every((atMs) => atMs === 0)).toBe(true);
  const later = server.arrivals.filter((arrival) => arrival.atMs > 0);
  expect(later).toHaveLength(600 - 8);
  expect(Math.max(...later.map((arrival) => arrival.inFlight))).toBe(8);
}

describe("concurrency limit learned from 429s", () => {
  it("settles at a server cap of 8 from max_concurrent 64", async () => {
    const clock = new ManualClock();
    const server = new CappedServer(clock, 8, 100);
    const { manager, finishedAtMs } = await runCalls(
      [makeEndpoint({ provider: "openai", maxConcurrent: 64 })],
      new Map([["fast", server]]),
      clock,
      { calls: 600, workers: 64 },
    );
    // The opening burst of 64 meets 56 rejections and no request after it.
    expectSettledAtCap(server);
    // The Retry-After blocks the endpoint until 1 s. Then 592 calls go 8 at
    // a time, 100 ms each: 74 rounds, so the last ends at 1,000 + 7,400 ms.
    expect(finishedAtMs).toBe(8_400);
    expect(server.successAtMs).toHaveLength(600);
    const metrics = manager.metrics().total;
    expect(metrics.successes).toBe(600);
    expect(metrics.failures).toBe(0);
    expect(metrics.retries).toBe(0);
    expect(metrics.rateLimited).toBe(56);
    expect(metrics.inFlight).toBe(0);
  });

  it("settles at the cap with rate_limit set too", async () => {
    const clock = new ManualClock();
    const server = new CappedServer(clock, 8, 100);
    const { manager, finishedAtMs } = await runCalls(
      [makeEndpoint({ provider: "openai", maxConcurrent: 64, rateLimit: 100 })],
      new Map([["fast", server]]),
      clock,
      { calls: 600, workers: 64 },
    );
    // The burst is explained by the cap, so the rate stays at 100/s and the
    // concurrency limit alone keeps calls to 8 in flight.
    expectSettledAtCap(server);
    // As without rate_limit, 8,400 ms, but the first 8 calls after the block
    // go 10 ms apart at 100/s, so the last of the 8 lanes ends 70 ms later.
    // When the bucket read the burst as a rate of 7.2/s, the run took 77.4 s.
    expect(finishedAtMs).toBe(8_470);
    expect(server.successAtMs).toHaveLength(600);
    const metrics = manager.metrics().total;
    expect(metrics.failures).toBe(0);
    expect(metrics.retries).toBe(0);
    expect(metrics.rateLimited).toBe(56);
  });

  it("probes one call past the cap after the probe wait", async () => {
    const clock = new ManualClock();
    const server = new CappedServer(clock, 8, 100);
    const { manager } = await runCalls(
      [makeEndpoint({ provider: "openai", maxConcurrent: 64 })],
      new Map([["fast", server]]),
      clock,
      { calls: 2_000, workers: 64 },
    );
    expect(server.rejectedAtMs.slice(0, 56).every((atMs) => atMs === 0)).toBe(true);
    // After the burst, the limit returns to 8 at 100 ms and tries 9 once
    // 16 s have passed: one 429 at 16.1 s, which blocks the endpoint 1 s.
    expect(server.rejectedAtMs.slice(56)).toEqual([16_100]);
    const peakAfterBurst = Math.max(
      ...server.arrivals.filter((arrival) => arrival.atMs > 0).map((arrival) => arrival.inFlight),
    );
    expect(peakAfterBurst).toBe(9);
    expect(manager.metrics().total.failures).toBe(0);
  });

  it("holds calls over the limit without spending attempts", async () => {
    const clock = new ManualClock();
    const server = new CappedServer(clock, 2, 100);
    const attempts: number[] = [];
    const listener: CallListener = {
      onCallFinished: (event) => attempts.push(event.result.attempts),
    };
    const { manager } = await runCalls(
      [makeEndpoint({ provider: "openai", maxConcurrent: 10 })],
      new Map([["fast", server]]),
      clock,
      { calls: 40, workers: 10, listeners: [listener] },
    );
    expect(attempts).toHaveLength(40);
    expect(attempts.every((count) => count === 1)).toBe(true);
    expect(manager.metrics().total.retries).toBe(0);
    expect(server.rejectedAtMs).toHaveLength(8);
  });

  it("moves calls to the endpoint with room", async () => {
    const clock = new ManualClock();
    const capped = new CappedServer(clock, 2, 100);
    const open = new CappedServer(clock, 1_000, 100);
    const endpoints = [
      makeEndpoint({ name: "fast[0]", provider: "openai", maxConcurrent: 10 }),
      makeEndpoint({ name: "fast[1]", provider: "openai", maxConcurrent: 10 }),
    ];
    const { manager, finishedAtMs } = await runCalls(
      endpoints,
      new Map<string, LlmClient>([
        ["fast[0]", capped],
        ["fast[1]", open],
      ]),
      clock,
      { calls: 400, workers: 20 },
    );
    const metrics = manager.metrics();
    expect(metrics.total.failures).toBe(0);
    // The burst of 10 to the capped endpoint meets 8 rejections, which cut
    // its limit to 1. It climbs back to the 2 the server admits, and the
    // other endpoint takes the rest: 12 calls of 100 ms at a time.
    expect(capped.rejectedAtMs).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    const cappedLater = capped.arrivals.filter((arrival) => arrival.atMs > 0);
    expect(Math.max(...cappedLater.map((arrival) => arrival.inFlight))).toBe(2);
    expect(open.rejectedAtMs).toHaveLength(0);
    expect(metrics.endpoints["fast[0]"]?.successes).toBe(52);
    expect(metrics.endpoints["fast[1]"]?.successes).toBe(348);
    expect(finishedAtMs).toBe(3_500);
  });
});
