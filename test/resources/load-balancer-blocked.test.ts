import { setMaxListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { LoadBalancer, type Balanced } from "../../src/resources/load-balancer.js";
import { ProviderError } from "../../src/resources/provider-error.js";
import { createResourceManager } from "../../src/resources/resource-manager.js";
import type { LlmClient, LlmReply } from "../../src/resources/types.js";
import { ManualClock } from "../../src/util/clock.js";
import { makeConfig, makeEndpoint } from "./fixtures.js";

type Named = Balanced & { name: string };

function endpoint(name: string, maxConcurrent: number): Named {
  return { name, weight: 1, maxConcurrent, inFlight: 0, cooldownUntilMs: 0, currentWeight: 0 };
}

const STRATEGIES = ["round_robin", "least_loaded", "random"] as const;

describe("LoadBalancer with an endpoint blocked by a 429", () => {
  it.each(STRATEGIES)("%s prefers a ready endpoint", (strategy) => {
    const blocked = endpoint("blocked", 5);
    blocked.blockedUntilMs = 1000;
    const ready = endpoint("ready", 1);
    const balancer = new LoadBalancer([blocked, ready], strategy, () => 0);
    expect(balancer.pick(0)?.name).toBe("ready");
    ready.inFlight = 1;
    // The ready endpoint is full, so the call waits for its slot.
    expect(balancer.pick(0)).toBeUndefined();
  });

  it.each(STRATEGIES)("%s prefers it to a failing endpoint", (strategy) => {
    const blocked = endpoint("blocked", 1);
    blocked.blockedUntilMs = 20_000;
    const failing = endpoint("failing", 5);
    failing.cooldownUntilMs = 10_000;
    const balancer = new LoadBalancer([failing, blocked], strategy, () => 0);
    expect(balancer.pick(0)?.name).toBe("blocked");
    blocked.inFlight = 1;
    // Full, it still wins: the call waits for its slot.
    expect(balancer.pick(0)).toBeUndefined();
    // Once the failing endpoint's cooldown is over, it is ready again.
    expect(balancer.pick(10_000)?.name).toBe("failing");
  });

  it("uses a failing endpoint when no other has a slot", () => {
    const failing = endpoint("failing", 1);
    failing.cooldownUntilMs = 10_000;
    const other = endpoint("other", 1);
    other.cooldownUntilMs = 10_000;
    other.inFlight = 1;
    const balancer = new LoadBalancer([failing, other], "round_robin", () => 0);
    expect(balancer.pick(0)?.name).toBe("failing");
  });
});

/** A server that admits `cap` calls at once for `latencyMs` and rejects more with Retry-After 20. */
class SlowRetryServer implements LlmClient {
  rejections = 0;
  private inFlight = 0;

  constructor(
    private readonly clock: ManualClock,
    private readonly cap: number,
    private readonly latencyMs: number,
  ) {}

  async complete(_request: unknown, signal: AbortSignal): Promise<LlmReply> {
    if (this.inFlight >= this.cap) {
      this.rejections += 1;
      throw new ProviderError("429 too many concurrent requests", {
        provider: "openai",
        kind: "rate_limited",
        status: 429,
        headers: { "retry-after": "20" },
      });
    }
    this.inFlight += 1;
    try {
      await this.clock.sleep(this.latencyMs, signal);
    } finally {
      this.inFlight -= 1;
    }
    return {
      text: "ok",
      usage: { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0, cacheWriteTokens: 0 },
      isTruncated: false,
    };
  }
}

/** An endpoint whose connections are refused: every call fails at once. */
class RefusingServer implements LlmClient {
  attempts = 0;

  complete(): Promise<LlmReply> {
    this.attempts += 1;
    const cause = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    return Promise.reject(
      new ProviderError("connection failed: connect ECONNREFUSED", {
        provider: "openai",
        kind: "transient",
        cause,
      }),
    );
  }
}

describe("alias with one endpoint blocked and one refusing", () => {
  it("waits out the Retry-After without failing calls", async () => {
    const clock = new ManualClock();
    const healthy = new SlowRetryServer(clock, 4, 100);
    const refusing = new RefusingServer();
    const clients = new Map<string, LlmClient>([
      ["fast[0]", healthy],
      ["fast[1]", refusing],
    ]);
    const manager = createResourceManager({
      config: makeConfig([
        makeEndpoint({ name: "fast[0]", provider: "openai", maxConcurrent: 16 }),
        makeEndpoint({ name: "fast[1]", provider: "openai", maxConcurrent: 16 }),
      ]),
      clock,
      random: () => 0.5,
      createClient: (endpoint) => clients.get(endpoint.name)!,
    });

    const signal = new AbortController().signal;
    setMaxListeners(0, signal);
    const context = { recordId: "r", node: "n" };
    const calls = Array.from({ length: 40 }, (_, index) =>
      manager.call("fast", { prompt: `p${index}` }, context, signal).then(
        () => "ok",
        () => "failed",
      ),
    );
    await clock.runAll();

    const outcomes = await Promise.all(calls);
    // Before, calls waiting out the 20 s block went to the refusing
    // endpoint, which was no longer cooling down after 10 s, and spent
    // their three retries there.
    expect(outcomes.filter((outcome) => outcome === "failed")).toHaveLength(0);
    const metrics = manager.metrics();
    expect(metrics.total.successes).toBe(40);
    expect(metrics.total.failures).toBe(0);
    expect(metrics.endpoints["fast[0]"]?.successes).toBe(40);
    // Only the opening burst meets 429s. The block ends at 20 s, and the
    // 36 calls left need 0.9 s at 4 at a time. When a probe past the
    // learned limit fired at each block's end, each drew a 429 and another
    // 20 s block, and the run took 100.5 s.
    expect(healthy.rejections).toBe(12);
    expect(clock.now()).toBeLessThan(22_000);
  });
});
