import { describe, expect, it } from "vitest";
import { LoadBalancer, type Balanced } from "../../src/resources/load-balancer.js";

type Named = Balanced & { name: string };

function endpoint(name: string, maxConcurrent: number, concurrencyLimit?: number): Named {
  return {
    name,
    weight: 1,
    maxConcurrent,
    concurrencyLimit,
    inFlight: 0,
    cooldownUntilMs: 0,
    currentWeight: 0,
  };
}

/** Picks `count` times, counting each pick as a call in flight. */
function pickNames(balancer: LoadBalancer<Named>, count: number): string {
  const names: string[] = [];
  for (let index = 0; index < count; index++) {
    const picked = balancer.pick(0);
    if (picked !== undefined) picked.inFlight += 1;
    names.push(picked?.name ?? "-");
  }
  return names.join("");
}

describe("LoadBalancer with learned concurrency limits", () => {
  it.each(["round_robin", "least_loaded", "random"] as const)(
    "%s stops at the learned limit",
    (strategy) => {
      const only = endpoint("a", 10, 2);
      const balancer = new LoadBalancer([only], strategy, () => 0);
      expect(pickNames(balancer, 3)).toBe("aa-");
    },
  );

  it.each(["round_robin", "least_loaded", "random"] as const)(
    "%s fills the endpoint with room once the other is at its limit",
    (strategy) => {
      const limited = endpoint("a", 10, 1);
      const open = endpoint("b", 10);
      const balancer = new LoadBalancer([limited, open], strategy, () => 0);
      const names = pickNames(balancer, 11);
      expect(names.split("").filter((name) => name === "a")).toHaveLength(1);
      expect(names.split("").filter((name) => name === "b")).toHaveLength(10);
    },
  );

  it("scales round robin shares by limit over max_concurrent", () => {
    // Limit 5 of 10 halves a's weight: b gets two calls for each of a's.
    const balancer = new LoadBalancer(
      [endpoint("a", 10, 5), endpoint("b", 10)],
      "round_robin",
      () => 0,
    );
    expect(pickNames(balancer, 6)).toBe("babbab");
  });

  it("scales least_loaded by limit over max_concurrent", () => {
    const a = endpoint("a", 10, 5);
    const b = endpoint("b", 10);
    const balancer = new LoadBalancer([a, b], "least_loaded", () => 0);
    pickNames(balancer, 12);
    // Equal loads mean a has half of b's calls in flight: 4 of 5 and 8 of 10.
    expect(a.inFlight).toBe(4);
    expect(b.inFlight).toBe(8);
  });

  it("keeps configured weights while no limit is cut", () => {
    const balancer = new LoadBalancer(
      [endpoint("a", 10, 10), endpoint("b", 10)],
      "round_robin",
      () => 0,
    );
    expect(pickNames(balancer, 4)).toBe("abab");
  });
});
