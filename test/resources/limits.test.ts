import { afterEach, describe, expect, it } from "vitest";
import { createResourceManager } from "../../src/resources/resource-manager.js";
import { ManualClock } from "../../src/util/clock.js";
import { okReply, startFaultServer } from "./fault-server.js";
import { makeConfig, makeEndpoint } from "./fixtures.js";

const context = { recordId: "r", node: "n" };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe("endpoint limits over HTTP", () => {
  it("never has more than max_concurrent requests at the server", async () => {
    const server = await startFaultServer([], okReply("openai"), { holdMs: 20 });
    cleanups.push(() => server.close());
    const manager = createResourceManager({
      config: makeConfig([
        makeEndpoint({
          provider: "openai",
          model: "m",
          apiKey: "sk-test",
          baseUrl: `${server.url}/v1`,
          maxConcurrent: 3,
        }),
      ]),
    });
    cleanups.push(() => manager.close());
    const signal = new AbortController().signal;
    // Twelve calls at once: four times the slots, so nine wait their turn.
    const calls = Array.from({ length: 12 }, (_, index) =>
      manager.call("fast", { prompt: `p${index}` }, context, signal),
    );
    const results = await Promise.all(calls);
    expect(results).toHaveLength(12);
    expect(server.bodies).toHaveLength(12);
    expect(server.peakInFlight).toBe(3);
    // Keep-alive: the agent reuses at most max_concurrent connections.
    expect(server.connections).toBeLessThanOrEqual(3);
    expect(manager.metrics().endpoints.fast?.inFlight).toBe(0);
  });

  it("keeps the request rate within rate_limit", async () => {
    const clock = new ManualClock();
    const server = await startFaultServer([], okReply("ollama"), { now: () => clock.now() });
    cleanups.push(() => server.close());
    const manager = createResourceManager({
      config: makeConfig([
        makeEndpoint({
          provider: "ollama",
          model: "m",
          baseUrl: server.url,
          rateLimit: 5,
          rateLimitBurst: 2,
        }),
      ]),
      clock,
    });
    cleanups.push(() => manager.close());
    const signal = new AbortController().signal;
    const calls = Array.from({ length: 7 }, (_, index) =>
      manager.call("fast", { prompt: `p${index}` }, context, signal),
    );
    await server.waitForRequests(2);
    for (let sent = 3; sent <= 7; sent++) {
      await clock.advance(199);
      expect(server.bodies).toHaveLength(sent - 1);
      await clock.advance(1);
      await server.waitForRequests(sent);
    }
    await Promise.all(calls);
    // A burst of 2, then one request every 200 ms.
    expect(server.arrivalsMs).toEqual([0, 0, 200, 400, 600, 800, 1000]);
  });
});
