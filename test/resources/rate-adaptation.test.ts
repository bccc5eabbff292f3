import { setMaxListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { ProviderError } from "../../src/resources/provider-error.js";
import { createResourceManager } from "../../src/resources/resource-manager.js";
import type { LlmClient, LlmReply, LlmRequest } from "../../src/resources/types.js";
import { ManualClock } from "../../src/util/clock.js";
import { makeConfig, makeEndpoint, ScriptedClient } from "./fixtures.js";

/**
 * A server that admits `limit` requests in any sliding 1 s window and
 * rejects the rest at once with a 429 whose Retry-After is the whole
 * seconds until the window frees a place, at least 1, as `plait
 * mock-server --rate-limit` does. Admitted requests take `latencyMs`.
 */
class SlidingWindowServer implements LlmClient {
  readonly successAtMs: number[] = [];
  rejections = 0;
  private readonly admittedAtMs: number[] = [];

  constructor(
    private readonly clock: ManualClock,
    private readonly limit: number,
    private readonly latencyMs: number,
  ) {}

  async complete(_request: LlmRequest, signal: AbortSignal): Promise<LlmReply> {
    const nowMs = this.clock.now();
    while (this.admittedAtMs.length > 0 && this.admittedAtMs[0]! <= nowMs - 1000) {
      this.admittedAtMs.shift();
    }
    if (this.admittedAtMs.length >= this.limit) {
      this.rejections += 1;
      const waitMs = this.admittedAtMs[0]! + 1000 - nowMs;
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      throw new ProviderError("429 too many requests", {
        provider: "openai",
        kind: "rate_limited",
        status: 429,
        headers: { "retry-after": String(seconds) },
      });
    }
    this.admittedAtMs.push(nowMs);
    await this.clock.sleep(this.latencyMs, signal);
    this.successAtMs.push(this.clock.now());
    return {
      text: "ok",
      usage: { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0, cacheWriteTokens: 0 },
      isTruncated: false,
    };
  }
}

/** Keeps `workers` calls outstanding until `untilMs`, as a busy pipeline does. */
async function runWorkload(untilMs: number, serverLimit: number) {
  const clock = new ManualClock();
  const server = new SlidingWindowServer(clock, serverLimit, 50);
  const manager = createResourceManager({
    config: makeConfig([
      makeEndpoint({ provider: "openai", rateLimit: 100, maxConcurrent: 64 }),
    ]),
    clock,
    random: () => 0.5,
    createClient: () => server,
  });
  const signal = new AbortController().signal;
  // 64 workers wait on one run signal, as in the CLI, which lifts the limit too.
  setMaxListeners(0, signal);
  let sent = 0;
  const worker = async () => {
    while (clock.now() < untilMs) {
      sent += 1;
      await manager.call("fast", { prompt: `p${sent}` }, { recordId: "r", node: "n" }, signal);
    }
  };
  const workers = Array.from({ length: 64 }, () => worker());
  while (clock.now() < untilMs) await clock.advance(1000);
  await clock.runAll();
  await Promise.all(workers);
  return { server, manager };
}

function countBetween(timesMs: number[], fromMs: number, toMs: number): number {
  return timesMs.filter((atMs) => atMs >= fromMs && atMs < toMs).length;
}

describe("rate adaptation to 429s", () => {
  it("settles near a 20/s server limit from rate_limit 100", async () => {
    const { server, manager } = await runWorkload(120_000, 20);
    const firstSecond = countBetween(server.successAtMs, 0, 1000);
    const longRunPerSecond = countBetween(server.successAtMs, 20_000, 120_000) / 100;
    const wholeRunPerSecond = countBetween(server.successAtMs, 0, 120_000) / 120;
    expect(firstSecond).toBe(20);
    expect(longRunPerSecond).toBeGreaterThanOrEqual(18);
    expect(longRunPerSecond).toBeLessThanOrEqual(20);
    expect(wholeRunPerSecond).toBeGreaterThanOrEqual(18);
    expect(manager.metrics().total.failures).toBe(0);
    // The opening burst of 64 meets 44 rejections; after that, few.
    expect(server.rejections).toBeLessThan(44 + 20);
  }, 60_000);

  it("spaces waiting calls again after a back-off", async () => {
    const clock = new ManualClock();
    const sentAtMs: number[] = [];
    const script = new ScriptedClient(
      [{ fail: "rate_limited", status: 429, retryAfter: "1", delayMs: 50 }],
      clock,
    );
    const manager = createResourceManager({
      config: makeConfig([makeEndpoint({ rateLimit: 10, rateLimitBurst: 1 })]),
      clock,
      createClient: () => ({
        complete: (request, signal) => {
          sentAtMs.push(clock.now());
          return script.complete(request, signal);
        },
      }),
    });
    const signal = new AbortController().signal;
    const context = { recordId: "r", node: "n" };
    // The first goes at 0 ms, the others have reservations for 100, 200 and 300 ms.
    const calls = ["p1", "p2", "p3", "p4"].map((prompt) =>
      manager.call("fast", { prompt }, context, signal),
    );
    await clock.runAll();
    await Promise.all(calls);
    // The 429 at 50 ms blocks until 1050 ms and halves the rate to 5/s,
    // so the calls go 200 ms apart after the block instead of all at once.
    const expectedMs = [0, 1050, 1250, 1450, 1650];
    expect(sentAtMs).toHaveLength(expectedMs.length);
    expectedMs.forEach((atMs, index) => expect(sentAtMs[index]).toBeCloseTo(atMs, 0));
  });
});
