import { Agent, request as httpRequest } from "node:http";
import { describe, expect, it } from "vitest";
import type { MockStats } from "../../src/mock-server/index.js";
import { withMockServer } from "../support/with-mock-server.js";
import { postChat } from "./helpers.js";

/** Posts a chat request through `agent` and resolves with the status code. */
function postThrough(agent: Agent, url: string): Promise<number> {
  const body = JSON.stringify({ model: "m", messages: [{ role: "user", content: "Hi" }] });
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}/v1/chat/completions`,
      { method: "POST", agent, headers: { "content-type": "application/json" } },
      (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("mock server stats", () => {
  it("counts one connection for a keep-alive agent", async () => {
    await withMockServer({}, async (server) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      for (let i = 0; i < 5; i++) expect(await postThrough(agent, server.url)).toBe(200);
      agent.destroy();
      expect(server.stats().connections).toBe(1);
      expect(server.stats().requests.total).toBe(5);
    });
  });

  it("counts a connection per request without keep-alive", async () => {
    await withMockServer({}, async (server) => {
      const agent = new Agent({ keepAlive: false });
      for (let i = 0; i < 5; i++) expect(await postThrough(agent, server.url)).toBe(200);
      expect(server.stats().connections).toBe(5);
    });
  });

  it("serves stats and resets them over HTTP", async () => {
    await withMockServer({}, async (server) => {
      await postChat(server.url, "Hello there");
      const stats = (await (await fetch(`${server.url}/stats`)).json()) as MockStats;
      expect(stats.requests.total).toBe(1);
      expect(stats.usage.total.promptTokens).toBe(3);
      expect(stats.usage.total.completionTokens).toBeGreaterThan(0);
      expect(stats.usage.byRoute.openai).toEqual(stats.usage.total);
      const reset = await fetch(`${server.url}/stats/reset`, { method: "POST" });
      expect(reset.status).toBe(200);
      const after = server.stats();
      expect(after.requests.total).toBe(0);
      expect(after.usage.total.promptTokens).toBe(0);
      expect(after.connections).toBe(0);
    });
  });

  it("sums usage over routes", async () => {
    await withMockServer({}, async (server) => {
      await postChat(server.url, "abcdefgh");
      await fetch(`${server.url}/api/chat`, {
        method: "POST",
        body: JSON.stringify({
          model: "m",
          stream: false,
          messages: [{ role: "user", content: "abcd" }],
        }),
      });
      const stats = server.stats();
      expect(stats.usage.byRoute.openai.promptTokens).toBe(2);
      expect(stats.usage.byRoute.ollama.promptTokens).toBe(1);
      expect(stats.usage.total.promptTokens).toBe(3);
      expect(stats.usage.total.completionTokens).toBe(
        stats.usage.byRoute.openai.completionTokens + stats.usage.byRoute.ollama.completionTokens,
      );
    });
  });

  it("answers an unknown path with 404 in the provider's shape", async () => {
    await withMockServer({}, async (server) => {
      const openai = await fetch(`${server.url}/v1/embeddings`, { method: "POST", body: "{}" });
      const ollama = await fetch(`${server.url}/api/generate`, { method: "POST", body: "{}" });
      expect(openai.status).toBe(404);
      expect(((await openai.json()) as { error: { code: string } }).error.code).toBe("unknown_url");
      expect(ollama.status).toBe(404);
      expect(((await ollama.json()) as { error: string }).error).toContain("/api/generate");
    });
  });

  it("answers invalid JSON with 400", async () => {
    await withMockServer({}, async (server) => {
      const response = await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        body: "{not json",
      });
      const body = (await response.json()) as { error: { message: string } };
      expect(response.status).toBe(400);
      expect(body.error.message).toMatch(/^the request body is not valid JSON/);
      expect(server.stats().invalidRequests).toBe(1);
    });
  });
});
