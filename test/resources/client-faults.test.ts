import { afterEach, describe, expect, it } from "vitest";
import {
  CallError,
  createResourceManager,
  type ResourceManager,
} from "../../src/resources/resource-manager.js";
import type { EndpointConfig } from "../../src/resources/types.js";
import { ManualClock } from "../../src/util/clock.js";
import { EventLog } from "./event-log.js";
import { baseUrlFor, okReply, startFaultServer, type Behaviour } from "./fault-server.js";
import { makeConfig, makeEndpoint } from "./fixtures.js";

const PROVIDERS = ["openai", "anthropic", "ollama"] as const;
type Provider = (typeof PROVIDERS)[number];
const SECRET = "sk-test-do-not-print-0123456789";
const context = { recordId: "r1", node: "n" };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setup(
  provider: Provider,
  script: Behaviour[],
  endpoint: Partial<EndpointConfig> = {},
) {
  const server = await startFaultServer(script, okReply(provider));
  const clock = new ManualClock();
  const log = new EventLog();
  const manager = createResourceManager({
    config: makeConfig([
      makeEndpoint({
        provider,
        model: "m",
        apiKey: SECRET,
        baseUrl: baseUrlFor(provider, server.url),
        ...endpoint,
      }),
    ]),
    clock,
    random: () => 0.5,
    listeners: [log],
  });
  cleanups.push(() => manager.close(), () => server.close());
  return { server, clock, log, manager };
}

function callOnce(manager: ResourceManager) {
  return manager.call("fast", { prompt: "hi" }, context, new AbortController().signal);
}

function rejection(promise: Promise<unknown>): Promise<CallError> {
  return promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => error as CallError,
  );
}

const errorBody = (status: number, message: string) => ({
  kind: "json" as const,
  status,
  body: { error: { message, type: "error" }, type: "error" },
});

describe.each(PROVIDERS)("%s client faults", (provider) => {
  it("retries a 500 and then succeeds", async () => {
    const { clock, log, manager, server } = await setup(provider, [errorBody(500, "boom")]);
    const call = callOnce(manager);
    await log.waitFor("retried");
    await clock.advance(1000);
    const result = await call;
    expect(result.text).toBe("hello");
    expect(result.attempts).toBe(2);
    expect(server.bodies).toHaveLength(2);
  });

  it("retries a dropped connection", async () => {
    const { clock, log, manager } = await setup(provider, [{ kind: "drop" }]);
    const call = callOnce(manager);
    await log.waitFor("retried");
    await clock.advance(1000);
    expect((await call).attempts).toBe(2);
  });

  it("names the address of a refused connection", async () => {
    const { manager, server } = await setup(provider, [], { maxRetries: 0 });
    await server.close();
    const error = await rejection(callOnce(manager));
    expect(error.kind).toBe("transient");
    expect(error.message).toContain("ECONNREFUSED");
    expect(error.message).toContain(new URL(server.url).host);
  });

  it.each([
    ["a stalled body", { kind: "stall" } as Behaviour],
    ["no reply at all", { kind: "silent" } as Behaviour],
  ])("times out on %s", async (_, behaviour) => {
    const { clock, manager, server } = await setup(provider, [behaviour], {
      maxRetries: 0,
      timeoutMs: 5000,
    });
    const failure = rejection(callOnce(manager));
    await server.waitForRequests(1);
    await clock.advance(4999);
    await clock.advance(1);
    const error = await failure;
    expect(error.kind).toBe("timeout");
    expect(error.message).toContain("timed out after 5000 ms");
  });

  it("fails a garbage body as permanent", async () => {
    const garbage: Behaviour = { kind: "text", status: 200, body: "<html>502 Bad Gateway</html>" };
    const { manager, server } = await setup(provider, [garbage]);
    const error = await rejection(callOnce(manager));
    expect(error.kind).toBe("permanent");
    expect(error.message).toContain("invalid reply");
    expect(server.bodies).toHaveLength(1);
  });

  it("requeues a 429 for its Retry-After seconds", async () => {
    const limited = { ...errorBody(429, "slow down"), headers: { "retry-after": "2" } };
    const { clock, log, manager, server } = await setup(provider, [limited], { maxRetries: 0 });
    const call = callOnce(manager);
    await log.waitFor("rateLimited");
    expect(log.retryAfterMs).toEqual([2000]);
    await clock.advance(1999);
    expect(server.bodies).toHaveLength(1);
    await clock.advance(1);
    expect((await call).attempts).toBe(1);
    expect(manager.metrics().total.rateLimited).toBe(1);
  });

  it("requeues a 429 until its Retry-After date", async () => {
    const retryAt = new Date(Date.now() + 5000).toUTCString();
    const limited = { ...errorBody(429, "slow down"), headers: { "retry-after": retryAt } };
    const { clock, log, manager } = await setup(provider, [limited]);
    const call = callOnce(manager);
    await log.waitFor("rateLimited");
    // An HTTP date has whole seconds, so the wait is 4 to 5 seconds.
    expect(log.retryAfterMs[0]).toBeGreaterThan(3000);
    expect(log.retryAfterMs[0]).toBeLessThanOrEqual(5000);
    await clock.advance(5000);
    expect((await call).text).toBe("hello");
  });

  it("fails a 400 with the provider's message and no key", async () => {
    const { manager } = await setup(provider, [
      errorBody(401, `invalid key ${SECRET} (Bearer ${SECRET})`),
    ]);
    const error = await rejection(callOnce(manager));
    expect(error.kind).toBe("permanent");
    expect(error.status).toBe(401);
    expect(error.message).toContain("invalid key");
    expect(error.message).not.toContain(SECRET);
  });

  it("sends the key to the server", async () => {
    const { manager, server } = await setup(provider, []);
    await callOnce(manager);
    expect(server.authorizations[0]).toContain(SECRET);
  });
});

describe("anthropic 529", () => {
  it("treats overloaded as a rate limit", async () => {
    const overloaded = {
      kind: "json" as const,
      status: 529,
      body: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } },
      headers: { "retry-after": "1" },
    };
    const { clock, log, manager } = await setup("anthropic", [overloaded], { maxRetries: 0 });
    const call = callOnce(manager);
    await log.waitFor("rateLimited");
    await clock.advance(1000);
    expect((await call).attempts).toBe(1);
    expect(manager.metrics().total.rateLimited).toBe(1);
  });
});

