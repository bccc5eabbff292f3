import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { CallError, createResourceManager } from "../../src/resources/resource-manager.js";
import type { CallListener } from "../../src/resources/events.js";
import type { CallResult, EndpointConfig, LlmClient } from "../../src/resources/types.js";
import { ManualClock, flushMicrotasks } from "../../src/util/clock.js";
import { makeConfig, makeEndpoint, ScriptedClient, type Step } from "./fixtures.js";

const context = { recordId: "r1", node: "summary" };
const request = { prompt: "Summarise: the printer is on fire" };

function setup(steps: Step[], endpoint: Partial<EndpointConfig> = {}, listeners?: CallListener[]) {
  const clock = new ManualClock();
  const config = makeConfig([makeEndpoint(endpoint)]);
  let client: ScriptedClient | undefined;
  const manager = createResourceManager({
    config,
    clock,
    random: () => 0.5,
    listeners,
    createClient: () => (client = new ScriptedClient(steps, clock)),
  });
  return { clock, manager, client: client! };
}

/** Settles a promise into a value or its error, so a test can inspect it later. */
function settle<T>(promise: Promise<T>) {
  const outcome: { value?: T; error?: unknown; isDone: boolean } = { isDone: false };
  promise.then(
    (value) => Object.assign(outcome, { value, isDone: true }),
    (error: unknown) => Object.assign(outcome, { error, isDone: true }),
  );
  return outcome;
}

describe("createResourceManager", () => {
  it("reports capacity as the endpoints' slots summed", () => {
    const config = makeConfig([
      makeEndpoint({ name: "smart[0]", alias: "smart", maxConcurrent: 4 }),
      makeEndpoint({ name: "smart[1]", alias: "smart", maxConcurrent: 6 }),
    ]);
    const manager = createResourceManager({ config });
    expect(manager.capacity("smart")).toBe(10);
    expect(() => manager.capacity("nope")).toThrow('unknown alias "nope"');
  });

  it("prices a successful call and counts its tokens", async () => {
    const steps: Step[] = [
      {
        reply: {
          usage: {
            inputTokens: 1000,
            outputTokens: 200,
            cachedInputTokens: 400,
            cacheWriteTokens: 0,
          },
        },
        delayMs: 120,
      },
    ];
    const { clock, manager } = setup(steps, {
      provider: "openai",
      inputCostPer1m: 2,
      cachedInputCostPer1m: 0.5,
      outputCostPer1m: 10,
    });
    const outcome = settle(manager.call("fast", request, context, new AbortController().signal));
    await clock.advance(120);
    expect(outcome.isDone).toBe(true);
    const result = outcome.value!;
    // 600 plain tokens at $2/M, 400 cached at $0.5/M, 200 output at $10/M.
    expect(result.costUsd).toBeCloseTo(0.0012 + 0.0002 + 0.002, 12);
    expect(result.latencyMs).toBe(120);
    expect(result.attempts).toBe(1);
    expect(result.callId).toBe("c1");
    const total = manager.metrics().total;
    expect(total.requests).toBe(1);
    expect(total.successes).toBe(1);
    expect(total.inputTokens).toBe(1000);
    expect(total.cachedInputTokens).toBe(400);
    expect(total.outputTokens).toBe(200);
    expect(total.latency).toEqual({ p50Ms: 120, p95Ms: 120, maxMs: 120 });
    expect(total.inFlight).toBe(0);
  });

  it("requeues a 429 without spending a retry", async () => {
    const { clock, manager, client } = setup(
      [{ fail: "rate_limited", status: 429, retryAfter: "2" }],
      { maxRetries: 0 },
    );
    const outcome = settle(manager.call("fast", request, context, new AbortController().signal));
    await clock.advance(1999);
    expect(client.requests).toHaveLength(1);
    expect(outcome.isDone).toBe(false);
    await clock.advance(1);
    expect(client.requests).toHaveLength(2);
    expect(outcome.value?.attempts).toBe(1);
    const total = manager.metrics().total;
    expect(total.rateLimited).toBe(1);
    expect(total.retries).toBe(0);
    expect(total.requests).toBe(2);
  });

  it("holds every call of the endpoint during a 429 back-off", async () => {
    const { clock, manager, client } = setup([
      { fail: "rate_limited", status: 429, retryAfter: "3", delayMs: 10 },
    ]);
    const signal = new AbortController().signal;
    const first = settle(manager.call("fast", request, context, signal));
    await clock.advance(10);
    // The 429 arrived at 10 ms, so the endpoint is blocked until 3010 ms.
    const second = settle(manager.call("fast", { prompt: "other" }, context, signal));
    await clock.advance(2999);
    expect(client.requests).toHaveLength(1);
    await clock.advance(1);
    expect(client.requests).toHaveLength(3);
    expect(first.isDone).toBe(true);
    expect(second.isDone).toBe(true);
  });

  it("fails rate_limited once the total wait passes 10 minutes", async () => {
    const steps = Array.from({ length: 5 }, () => ({
      fail: "rate_limited" as const,
      status: 429,
      retryAfter: "250",
    }));
    const limited = setup(steps);
    const signal = new AbortController().signal;
    const outcome = settle(limited.manager.call("fast", request, context, signal));
    await limited.clock.runAll();
    expect(outcome.error).toBeInstanceOf(CallError);
    const error = outcome.error as CallError;
    expect(error.kind).toBe("rate_limited");
    expect(error.isRetryable).toBe(true);
    // Two waits of 250 s fit in 10 minutes; the third would not.
    expect(limited.client.requests).toHaveLength(3);
    expect(limited.clock.now()).toBe(500_000);
    expect(limited.manager.metrics().total.errorsByKind).toEqual({ rate_limited: 1 });
  });

  it("retries a 500 after retry_delay and then succeeds", async () => {
    const { clock, manager, client } = setup([{ fail: "transient", status: 500 }], {
      retryDelayMs: 800,
    });
    const outcome = settle(manager.call("fast", request, context, new AbortController().signal));
    await clock.advance(799);
    expect(client.requests).toHaveLength(1);
    await clock.advance(1);
    expect(outcome.value?.attempts).toBe(2);
    expect(manager.metrics().total.retries).toBe(1);
  });

  it("doubles the delay on each retry and then fails transient", async () => {
    const steps: Step[] = Array.from({ length: 4 }, () => ({ fail: "transient" as const }));
    const { clock, manager, client } = setup(steps, { maxRetries: 3, retryDelayMs: 100 });
    const outcome = settle(manager.call("fast", request, context, new AbortController().signal));
    await clock.runAll();
    // Backoffs of 100, 200 and 400 ms with a jitter draw of 0.5.
    expect(clock.now()).toBe(700);
    expect(client.requests).toHaveLength(4);
    const error = outcome.error as CallError;
    expect(error.kind).toBe("transient");
    expect(error.attempts).toBe(4);
    expect(error.callId).toBe("c1");
    expect(error.message).toBe("fast: failed after 4 attempts: scripted transient");
    const total = manager.metrics().total;
    expect(total.failures).toBe(1);
    expect(total.retries).toBe(3);
    expect(total.errorsByKind).toEqual({ transient: 1 });
  });

  it("fails a permanent error at once with the provider's message", async () => {
    const { clock, manager, client } = setup([{ fail: "permanent", status: 400 }]);
    const outcome = settle(manager.call("fast", request, context, new AbortController().signal));
    await clock.advance(0);
    const error = outcome.error as CallError;
    expect(error.kind).toBe("permanent");
    expect(error.status).toBe(400);
    expect(error.isRetryable).toBe(false);
    expect(error.message).toContain("scripted permanent");
    expect(client.requests).toHaveLength(1);
  });

  it("times out a hung call and retries it", async () => {
    const { clock, manager, client } = setup([{ hang: true }], {
      provider: "openai",
      timeoutMs: 5000,
      retryDelayMs: 100,
    });
    const outcome = settle(manager.call("fast", request, context, new AbortController().signal));
    await clock.advance(4999);
    expect(client.requests).toHaveLength(1);
    await clock.advance(1);
    await clock.advance(100);
    expect(client.requests).toHaveLength(2);
    expect(outcome.value?.attempts).toBe(2);
  });

  it("fails timeout after retries with kind timeout", async () => {
    const steps: Step[] = [{ hang: true }, { hang: true }];
    const { clock, manager } = setup(steps, {
      provider: "openai",
      timeoutMs: 1000,
      maxRetries: 1,
      retryDelayMs: 10,
    });
    const outcome = settle(manager.call("fast", request, context, new AbortController().signal));
    await clock.runAll();
    expect(clock.now()).toBe(2010);
    expect((outcome.error as CallError).kind).toBe("timeout");
    expect((outcome.error as CallError).message).toContain("timed out after 1000 ms");
  });

  it("keeps a user abort apart from a timeout", async () => {
    const { clock, manager } = setup([{ hang: true }], { provider: "openai", timeoutMs: 1000 });
    const controller = new AbortController();
    const outcome = settle(manager.call("fast", request, context, controller.signal));
    await clock.advance(500);
    controller.abort();
    await flushMicrotasks();
    const error = outcome.error as CallError;
    expect(error.kind).toBe("cancelled");
    expect(error.isRetryable).toBe(false);
    const total = manager.metrics().total;
    expect(total.failures).toBe(0);
    expect(total.errorsByKind).toEqual({ cancelled: 1 });
    expect(total.inFlight).toBe(0);
  });

  it("clears the timeout timer of a finished call", async () => {
    const { clock, manager } = setup([{ reply: {}, delayMs: 30 }], {
      provider: "openai",
      timeoutMs: 5000,
    });
    const outcome = settle(manager.call("fast", request, context, new AbortController().signal));
    await flushMicrotasks();
    // The reply's delay and the call's timeout.
    expect(clock.pendingSleeps).toBe(2);
    await clock.advance(30);
    expect(outcome.value?.attempts).toBe(1);
    expect(clock.pendingSleeps).toBe(0);
  });

  it("stops every call in flight with one run listener", async () => {
    const steps: Step[] = [{ hang: true }, { hang: true }, { hang: true }];
    const { clock, manager } = setup(steps, { provider: "openai", timeoutMs: 1000 });
    const controller = new AbortController();
    const outcomes = ["p1", "p2", "p3"].map((prompt) =>
      settle(manager.call("fast", { prompt }, context, controller.signal)),
    );
    await clock.advance(10);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    controller.abort();
    await flushMicrotasks();
    for (const outcome of outcomes) expect((outcome.error as CallError).kind).toBe("cancelled");
    expect(clock.pendingSleeps).toBe(0);
    expect(manager.metrics().total.inFlight).toBe(0);
  });

  it("cancels a call waiting out a backoff", async () => {
    const { clock, manager, client } = setup([{ fail: "transient" }]);
    const controller = new AbortController();
    const outcome = settle(manager.call("fast", request, context, controller.signal));
    await clock.advance(10);
    controller.abort();
    await flushMicrotasks();
    expect((outcome.error as CallError).kind).toBe("cancelled");
    expect(client.requests).toHaveLength(1);
    expect(clock.pendingSleeps).toBe(0);
  });

  it("answers an identical temperature-0 call from the cache", async () => {
    const { clock, manager, client } = setup([]);
    const signal = new AbortController().signal;
    const cold = { prompt: "same", system: "sys", temperature: 0 };
    const first = settle(manager.call("fast", cold, context, signal));
    await clock.advance(0);
    const second = settle(manager.call("fast", { ...cold }, context, signal));
    await clock.advance(0);
    expect(client.requests).toHaveLength(1);
    expect(first.value?.isCached).toBe(false);
    const hit = second.value!;
    expect(hit.isCached).toBe(true);
    expect(hit.costUsd).toBe(0);
    expect(hit.text).toBe("ok");
    expect(hit.callId).toBe("c2");
    const metrics = manager.metrics();
    expect(metrics.total.cacheHits).toBe(1);
    expect(metrics.total.requests).toBe(1);
    expect(metrics.aliases.fast?.cacheHits).toBe(1);
  });

  it.each([
    ["a warm temperature", { prompt: "same", temperature: 0.7 }],
    ["no temperature", { prompt: "same" }],
  ])("never caches %s", async (_, warm) => {
    const { clock, manager, client } = setup([]);
    const signal = new AbortController().signal;
    await Promise.all([
      manager.call("fast", warm, context, signal),
      manager.call("fast", warm, context, signal),
      clock.advance(0),
    ]);
    expect(client.requests).toHaveLength(2);
  });

  it("tells a different system prompt apart in the cache", async () => {
    const { clock, manager, client } = setup([]);
    const signal = new AbortController().signal;
    const first = manager.call("fast", { prompt: "p", system: "a", temperature: 0 }, context,
      signal);
    await clock.advance(0);
    await first;
    await manager.call("fast", { prompt: "p", system: "b", temperature: 0 }, context, signal);
    expect(client.requests).toHaveLength(2);
  });

  it("counts a reply without usage as unknown, not free", async () => {
    const usage = { inputTokens: null, outputTokens: 7, cachedInputTokens: 0, cacheWriteTokens: 0 };
    const { clock, manager } = setup([{ reply: { usage } }], { outputCostPer1m: 1 });
    const outcome = settle(manager.call("fast", request, context, new AbortController().signal));
    await clock.advance(0);
    expect(outcome.value?.costUsd).toBeCloseTo(7e-6, 12);
    const total = manager.metrics().total;
    expect(total.unknownUsageCalls).toBe(1);
    expect(total.inputTokens).toBe(0);
    expect(total.outputTokens).toBe(7);
  });

  it("emits events that share the call id", async () => {
    const events: string[] = [];
    const listener: CallListener = {
      onCallStarted: (event) =>
        events.push(`started ${event.callId} #${event.attempt} slot ${event.slot}`),
      onCallRetried: (event) => events.push(`retried ${event.callId} in ${event.delayMs}`),
      onCallRateLimited: (event) => events.push(`429 ${event.callId} ${event.retryAfterMs}`),
      onCallFinished: (event) => events.push(`finished ${event.result.callId} at ${event.atMs}`),
      onCallFailed: (event) => events.push(`failed ${event.callId} ${event.kind}`),
    };
    const steps: Step[] = [
      { fail: "transient" },
      { fail: "rate_limited", retryAfter: "1" },
      { reply: {}, delayMs: 5 },
      { fail: "permanent" },
    ];
    const { clock, manager } = setup(steps, {}, [listener]);
    const signal = new AbortController().signal;
    const ok = settle(manager.call("fast", request, context, signal));
    await clock.runAll();
    const failed = settle(manager.call("fast", request, context, signal));
    await clock.runAll();
    expect(ok.isDone).toBe(true);
    expect(failed.isDone).toBe(true);
    expect(events).toEqual([
      "started c1 #1 slot 0",
      "retried c1 in 1000",
      "started c1 #2 slot 0",
      "429 c1 1000",
      "started c1 #2 slot 0",
      "finished c1 at 2005",
      "started c2 #1 slot 0",
      "failed c2 permanent",
    ]);
  });

  it("keeps metrics per alias and per endpoint", async () => {
    const clock = new ManualClock();
    const config = makeConfig([
      makeEndpoint({ alias: "fast", name: "fast", model: "m-fast" }),
      makeEndpoint({ alias: "smart", name: "smart", model: "m-smart", provider: "anthropic" }),
    ]);
    const clients = new Map<string, LlmClient>();
    const manager = createResourceManager({
      config,
      clock,
      createClient: (endpoint) => {
        const client = new ScriptedClient([], clock, { reply: {}, delayMs: 50 });
        clients.set(endpoint.name, client);
        return client;
      },
    });
    const signal = new AbortController().signal;
    const calls = [
      manager.call("fast", request, context, signal),
      manager.call("fast", request, context, signal),
      manager.call("smart", request, context, signal),
    ];
    await flushMicrotasks();
    const during = manager.metrics();
    expect(during.total.inFlight).toBe(3);
    expect(during.aliases.fast?.inFlight).toBe(2);
    expect(during.endpoints.smart?.inFlight).toBe(1);
    await clock.advance(50);
    await Promise.all(calls);
    const after = manager.metrics();
    expect(after.atMs).toBe(50);
    expect(after.aliases.fast?.successes).toBe(2);
    expect(after.aliases.smart?.successes).toBe(1);
    expect(after.endpoints.smart).toMatchObject({
      alias: "smart",
      provider: "anthropic",
      model: "m-smart",
      maxConcurrent: 10,
      requests: 1,
    });
    expect(after.total.successes).toBe(3);
    expect(after.total.maxConcurrent).toBe(20);
    expect(JSON.parse(JSON.stringify(after))).toEqual(after);
  });
});

describe("result type", () => {
  it("carries what the execution layer reads", async () => {
    const { clock, manager } = setup([{ reply: { isTruncated: true, requestId: "req_1" } }]);
    const outcome = settle(manager.call("fast", request, context, new AbortController().signal));
    await clock.advance(0);
    const result: CallResult = outcome.value!;
    expect(result).toMatchObject({
      text: "ok",
      isTruncated: true,
      requestId: "req_1",
      endpoint: "fast",
      isCached: false,
    });
  });
});
