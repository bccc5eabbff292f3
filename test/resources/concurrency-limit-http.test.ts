import { setMaxListeners } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { startMockServer, type MockServer } from "../../src/mock-server/index.js";
import { createClient } from "../../src/resources/clients/create-client.js";
import { createResourceManager } from "../../src/resources/resource-manager.js";
import type { EndpointConfig, LlmClient } from "../../src/resources/types.js";
import { ManualClock, flushMicrotasks, type Clock } from "../../src/util/clock.js";
import { makeConfig, makeEndpoint } from "./fixtures.js";

/**
 * A manual clock that tracks when its next sleeper wakes, so a test can
 * jump from one event to the next instead of stepping through every
 * millisecond.
 */
class SteppingClock implements Clock {
  private readonly manual = new ManualClock();
  private readonly wakeTimesMs = new Map<number, number>();
  private nextId = 0;

  now(): number {
    return this.manual.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const id = this.nextId++;
    this.wakeTimesMs.set(id, this.manual.now() + Math.max(0, ms));
    return this.manual.sleep(ms, signal).finally(() => this.wakeTimesMs.delete(id));
  }

  /** Wake time of the earliest sleeper, or undefined when nothing sleeps. */
  nextWakeMs(): number | undefined {
    let earliest: number | undefined;
    for (const atMs of this.wakeTimesMs.values()) {
      if (earliest === undefined || atMs < earliest) earliest = atMs;
    }
    return earliest;
  }

  advanceTo(atMs: number): Promise<void> {
    return this.manual.advance(atMs - this.manual.now());
  }
}

/** Counts the client calls that have not returned yet. */
class CountingClient implements LlmClient {
  outstanding = 0;

  constructor(private readonly inner: LlmClient) {}

  async complete(...args: Parameters<LlmClient["complete"]>) {
    this.outstanding += 1;
    try {
      return await this.inner.complete(...args);
    } finally {
      this.outstanding -= 1;
    }
  }

  close(): Promise<void> {
    return this.inner.close?.() ?? Promise.resolve();
  }
}

/**
 * Waits in real time until every call the client has outstanding is one
 * the server holds, sleeping on the clock. Until then a request or a
 * reply is still on the wire, and moving the clock would race it.
 */
async function waitForQuiet(client: CountingClient, server: MockServer): Promise<void> {
  const deadline = Date.now() + 5_000;
  let quietChecks = 0;
  while (quietChecks < 2) {
    await flushMicrotasks();
    const isQuiet = client.outstanding === server.stats().inFlight;
    quietChecks = isQuiet ? quietChecks + 1 : 0;
    if (Date.now() > deadline) {
      throw new Error(
        `no quiet point: ${client.outstanding} calls outstanding, ` +
          `${server.stats().inFlight} in flight at the server`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const CALLS = 600;
const LATENCY_MS = 100;
const SERVER_CAP = 8;
/** 600 calls of 100 ms, 8 at a time. */
const IDEAL_MS = (CALLS * LATENCY_MS) / SERVER_CAP;

describe("concurrency limit over HTTP", () => {
  // With rate_limit 100, the first 8 calls after the block go 10 ms apart,
  // so the last of the 8 lanes ends 70 ms later.
  it.each([
    { rateLimit: undefined, finishedAtMs: IDEAL_MS + 900 },
    { rateLimit: 100, finishedAtMs: IDEAL_MS + 970 },
  ])("keeps within --max-concurrent 8, rate_limit $rateLimit", async (setting) => {
    const clock = new SteppingClock();
    const server = await startMockServer({
      latencyMs: LATENCY_MS,
      maxConcurrent: SERVER_CAP,
      clock,
    });
    cleanups.push(() => server.close());
    let client: CountingClient | undefined;
    const manager = createResourceManager({
      config: makeConfig([
        makeEndpoint({
          provider: "openai",
          model: "gpt-4o-mini",
          apiKey: "sk-test",
          baseUrl: `${server.url}/v1`,
          maxConcurrent: 64,
          rateLimit: setting.rateLimit,
        }),
      ]),
      clock,
      random: () => 0.5,
      createClient: (endpoint: EndpointConfig) => {
        client = new CountingClient(createClient(endpoint, clock, () => 0.5));
        return client;
      },
    });
    cleanups.push(() => manager.close());
    await manager.prepare();

    const signal = new AbortController().signal;
    // Every waiting call listens for the run's abort. The CLI lifts this cap too.
    setMaxListeners(0, signal);
    let started = 0;
    const worker = async () => {
      while (started < CALLS) {
        started += 1;
        const request = { prompt: `ticket ${started}` };
        await manager.call("fast", request, { recordId: `r${started}`, node: "n" }, signal);
      }
    };
    let isDone = false;
    // 64 workers, the alias's capacity, as the runner keeps outstanding.
    const workers = Promise.all(Array.from({ length: 64 }, () => worker())).finally(() => {
      isDone = true;
    });
    while (!isDone) {
      await waitForQuiet(client!, server);
      const nextMs = clock.nextWakeMs();
      if (nextMs === undefined || isDone) break;
      await clock.advanceTo(nextMs);
    }
    await workers;

    const stats = server.stats();
    expect(stats.successes).toBe(CALLS);
    // Only the opening burst of 64 meets 429s: the 56 over the cap. With
    // no limit learned, the same run took 74.1 s and drew 129 429s, 73 of
    // them after the burst. (This clock wakes sleepers one at a time, so
    // that count is low. In real time, each 1 s wait ended in a new storm.)
    expect(stats.rateLimited.total).toBe(56);
    expect(stats.rateLimited.concurrency).toBe(56);
    expect(stats.peakConcurrency).toBe(SERVER_CAP);
    // The 429s' Retry-After of 1 s is the only time lost: 7.5 s of work
    // ends at 8.4 s, or 8.47 s with rate_limit.
    expect(clock.now()).toBe(setting.finishedAtMs);
    const metrics = manager.metrics().total;
    expect(metrics.failures).toBe(0);
    expect(metrics.retries).toBe(0);
  }, 60_000);
});
