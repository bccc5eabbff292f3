import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/util/clock.js";
import { withMockServer } from "../support/with-mock-server.js";
import { postChat, waitForStats } from "./helpers.js";

describe("mock server limits", () => {
  it("counts peak concurrency of parallel requests", async () => {
    const clock = new ManualClock(0);
    await withMockServer({ latencyMs: 60, clock }, async (server) => {
      const pending = Promise.all(
        Array.from({ length: 8 }, (_, i) => postChat(server.url, `request ${i}`)),
      );
      await waitForStats(server, (stats) => stats.inFlight === 8);
      await clock.advance(60);
      const responses = await pending;
      expect(responses.map((response) => response.status)).toEqual(Array(8).fill(200));
      const stats = server.stats();
      expect(stats.peakConcurrency).toBe(8);
      expect(stats.successes).toBe(8);
      expect(stats.inFlight).toBe(0);
      expect(stats.requests.byRoute.openai).toBe(8);
      expect(stats.requests.byModel).toEqual({ "gpt-4o-mini": 8 });
    });
  });

  it("answers 429 with Retry-After beyond maxConcurrent", async () => {
    const clock = new ManualClock(0);
    await withMockServer({ latencyMs: 150, maxConcurrent: 2, clock }, async (server) => {
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "sk-test", maxRetries: 0 });
      const pending = Promise.allSettled(
        Array.from({ length: 5 }, (_, i) =>
          client.chat.completions.create({
            model: "gpt-4o-mini",
            messages: [{ role: "user", content: `request ${i}` }],
          }),
        ),
      );
      await waitForStats(server, (stats) => stats.requests.total === 5);
      await clock.advance(150);
      const outcomes = await pending;
      const rejected = outcomes.filter((outcome) => outcome.status === "rejected");
      expect(rejected).toHaveLength(3);
      for (const outcome of rejected) {
        const error = outcome.reason as InstanceType<typeof OpenAI.RateLimitError>;
        expect(error).toBeInstanceOf(OpenAI.RateLimitError);
        expect(error.headers?.get("retry-after")).toBe("1");
        expect(error.code).toBe("rate_limit_exceeded");
      }
      const stats = server.stats();
      expect(stats.peakConcurrency).toBe(2);
      expect(stats.rateLimited).toEqual({ total: 3, concurrency: 3, rate: 0 });
      expect(stats.successes).toBe(2);
    });
  });

  it("answers 429 beyond the rate limit until the window moves", async () => {
    const clock = new ManualClock(0);
    await withMockServer({ rateLimit: 3, clock }, async (server) => {
      const first = [];
      for (let i = 0; i < 5; i++) first.push(await postChat(server.url, `request ${i}`));
      expect(first.map((response) => response.status)).toEqual([200, 200, 200, 429, 429]);
      expect(first[3]?.headers.get("retry-after")).toBe("1");
      await clock.advance(999);
      expect((await postChat(server.url)).status).toBe(429);
      await clock.advance(1);
      expect((await postChat(server.url)).status).toBe(200);
      const stats = server.stats();
      expect(stats.rateLimited).toEqual({ total: 3, concurrency: 0, rate: 3 });
      expect(stats.peakRequestsPerSecond).toBe(6);
    });
  });

  it("writes Retry-After as an HTTP date when configured", async () => {
    const clock = new ManualClock(0);
    const options = { rateLimit: 1, retryAfterFormat: "http-date" as const, clock };
    await withMockServer(options, async (server) => {
      await postChat(server.url);
      const limited = await postChat(server.url);
      const header = limited.headers.get("retry-after") ?? "";
      expect(limited.status).toBe(429);
      expect(header).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      const waitMs = Date.parse(header) - Date.now();
      expect(waitMs).toBeGreaterThan(0);
      expect(waitMs).toBeLessThanOrEqual(2000);
    });
  });

  it("sends a configured Retry-After in seconds", async () => {
    await withMockServer({ rateLimit: 1, retryAfterSeconds: 7 }, async (server) => {
      await postChat(server.url);
      const limited = await postChat(server.url);
      expect(limited.headers.get("retry-after")).toBe("7");
    });
  });

  it("sends the Anthropic rate limit error shape", async () => {
    await withMockServer({ rateLimit: 1 }, async (server) => {
      const send = () =>
        fetch(`${server.url}/v1/messages`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            model: "claude-haiku",
            max_tokens: 10,
            messages: [{ role: "user", content: "Hi" }],
          }),
        });
      await send();
      const limited = await send();
      const body = (await limited.json()) as { error: { type: string } };
      expect(limited.status).toBe(429);
      expect(body.error.type).toBe("rate_limit_error");
      expect(limited.headers.get("retry-after")).toBe("1");
    });
  });

  it("counts requests per second over a sliding window", async () => {
    const clock = new ManualClock(0);
    await withMockServer({ clock }, async (server) => {
      await postChat(server.url);
      await clock.advance(600);
      await postChat(server.url);
      await clock.advance(600);
      await postChat(server.url);
      await postChat(server.url);
      expect(server.stats().peakRequestsPerSecond).toBe(3);
    });
  });

  it("delays replies by the model's latency", async () => {
    const options = { latencyMs: 0, models: { "slow-model": { latencyMs: 80 } } };
    await withMockServer(options, async (server) => {
      const fastStart = performance.now();
      await postChat(server.url, "Hi", "fast-model");
      const fastMs = performance.now() - fastStart;
      const slowStart = performance.now();
      await postChat(server.url, "Hi", "slow-model");
      const slowMs = performance.now() - slowStart;
      expect(slowMs).toBeGreaterThanOrEqual(75);
      expect(fastMs).toBeLessThan(slowMs);
    });
  });
});
