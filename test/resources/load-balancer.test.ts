import { describe, expect, it } from "vitest";
import { createResourceManager } from "../../src/resources/resource-manager.js";
import { LoadBalancer, type Balanced } from "../../src/resources/load-balancer.js";
import { ManualClock } from "../../src/util/clock.js";
import { makeConfig, makeEndpoint, ScriptedClient, type Step } from "./fixtures.js";

type Named = Balanced & { name: string };

function endpoint(name: string, weight = 1, maxConcurrent = 10): Named {
  return { name, weight, maxConcurrent, inFlight: 0, cooldownUntilMs: 0, currentWeight: 0 };
}

function pickNames(balancer: LoadBalancer<Named>, count: number): string {
  return Array.from({ length: count }, () => balancer.pick(0)?.name ?? "-").join("");
}

describe("LoadBalancer", () => {
  it("rotates round robin in weight proportion, interleaved", () => {
    const endpoints = [endpoint("a", 2), endpoint("b", 1)];
    const balancer = new LoadBalancer(endpoints, "round_robin", Math.random);
    expect(pickNames(balancer, 6)).toBe("abaaba");
  });

  it("rotates round robin evenly for equal weights", () => {
    const endpoints = [endpoint("a"), endpoint("b"), endpoint("c")];
    const balancer = new LoadBalancer(endpoints, "round_robin", Math.random);
    expect(pickNames(balancer, 6)).toBe("abcabc");
  });

  it("sends least_loaded to the fewest calls per weight", () => {
    const a = endpoint("a", 1);
    const b = endpoint("b", 3);
    const balancer = new LoadBalancer([a, b], "least_loaded", Math.random);
    for (let index = 0; index < 8; index++) {
      balancer.pick(0)!.inFlight += 1;
    }
    expect(a.inFlight).toBe(2);
    expect(b.inFlight).toBe(6);
  });

  it("draws random picks by weight", () => {
    const draws = [0.1, 0.5, 0.74, 0.76, 0.99];
    const random = () => draws.shift()!;
    const balancer = new LoadBalancer([endpoint("a", 3), endpoint("b", 1)], "random", random);
    // Weight 3 of 4 covers draws below 0.75.
    expect(pickNames(balancer, 5)).toBe("aaabb");
  });

  it.each(["round_robin", "least_loaded", "random"] as const)(
    "%s skips an endpoint with no free slot",
    (strategy) => {
      const full = endpoint("full", 5, 1);
      full.inFlight = 1;
      const balancer = new LoadBalancer([full, endpoint("free")], strategy, () => 0);
      expect(pickNames(balancer, 3)).toBe("freefreefree");
    },
  );

  it.each(["round_robin", "least_loaded", "random"] as const)(
    "%s prefers endpoints that are not cooling down",
    (strategy) => {
      const cooling = endpoint("cool", 5);
      cooling.cooldownUntilMs = 100;
      const warm = endpoint("warm", 1, 1);
      const balancer = new LoadBalancer([cooling, warm], strategy, () => 0);
      expect(balancer.pick(50)?.name).toBe("warm");
      warm.inFlight = 1;
      // With the warm endpoint full, the call waits for it rather than
      // going to an endpoint that has just been failing.
      expect(balancer.pick(50)).toBeUndefined();
      // Once its cooldown is over, the endpoint takes calls again.
      expect(balancer.pick(100)?.name).toBe("cool");
    },
  );

  it("uses a cooling endpoint when all are cooling", () => {
    const first = endpoint("first", 1);
    const second = endpoint("second", 1);
    first.cooldownUntilMs = 100;
    second.cooldownUntilMs = 100;
    const balancer = new LoadBalancer([first, second], "least_loaded", () => 0);
    expect(balancer.pick(50)).toBeDefined();
  });

  it("returns undefined when every slot is taken", () => {
    const a = endpoint("a", 1, 1);
    a.inFlight = 1;
    const b = endpoint("b", 1, 1);
    b.inFlight = 1;
    expect(new LoadBalancer([a, b], "least_loaded", Math.random).pick(0)).toBeUndefined();
  });
});

describe("failover between endpoints", () => {
  function setupPair(steps: Record<string, Step[]>) {
    const clock = new ManualClock();
    const config = makeConfig([
      makeEndpoint({ alias: "smart", name: "smart[0]", retryDelayMs: 100 }),
      makeEndpoint({ alias: "smart", name: "smart[1]", retryDelayMs: 100 }),
    ]);
    const clients = new Map<string, ScriptedClient>();
    const manager = createResourceManager({
      config,
      clock,
      random: () => 0.5,
      createClient: (endpoint) => {
        const client = new ScriptedClient(steps[endpoint.name] ?? [], clock);
        clients.set(endpoint.name, client);
        return client;
      },
    });
    return { clock, manager, clients };
  }

  it("retries a failed call on the other endpoint", async () => {
    const { clock, manager, clients } = setupPair({ "smart[0]": [{ fail: "transient" }] });
    const signal = new AbortController().signal;
    const call = manager.call("smart", { prompt: "x" }, { recordId: "1", node: "n" }, signal);
    await clock.runAll();
    const result = await call;
    expect(result.endpoint).toBe("smart[1]");
    expect(result.attempts).toBe(2);
    expect(clients.get("smart[0]")!.requests).toHaveLength(1);
  });

  it("cools down an endpoint that keeps failing", async () => {
    const failing: Step[] = Array.from({ length: 3 }, () => ({ fail: "transient" as const }));
    const { clock, manager, clients } = setupPair({ "smart[0]": failing });
    const signal = new AbortController().signal;
    const context = { recordId: "1", node: "n" };
    // Every call that lands on smart[0] fails there and moves to smart[1].
    for (let index = 0; clients.get("smart[0]")!.requests.length < 3; index++) {
      const call = manager.call("smart", { prompt: `p${index}` }, context, signal);
      await clock.runAll();
      expect((await call).endpoint).toBe("smart[1]");
    }
    await clock.advance(5000);
    // Three failures in a row: smart[0] now gets no calls while smart[1] has slots.
    for (let index = 0; index < 4; index++) {
      const call = manager.call("smart", { prompt: `q${index}` }, context, signal);
      await clock.advance(0);
      expect((await call).endpoint).toBe("smart[1]");
    }
    expect(clients.get("smart[0]")!.requests).toHaveLength(3);
    await clock.advance(5000);
    const results = [];
    for (let index = 0; index < 2; index++) {
      const call = manager.call("smart", { prompt: `r${index}` }, context, signal);
      await clock.advance(0);
      results.push((await call).endpoint);
    }
    expect(results).toContain("smart[0]");
  });
});
