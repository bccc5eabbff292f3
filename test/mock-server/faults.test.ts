import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { type FaultMode, startMockServer } from "../../src/mock-server/index.js";
import { withMockServer } from "../support/with-mock-server.js";
import { postChat } from "./helpers.js";

function createOpenAi(url: string, timeoutMs = 10_000): OpenAI {
  return new OpenAI({ baseURL: `${url}/v1`, apiKey: "sk-test", maxRetries: 0, timeout: timeoutMs });
}

const request = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "Hi" }] };

function alwaysFail(mode: FaultMode) {
  return { failRate: 1, failModes: [mode] };
}

describe("mock server faults", () => {
  it("sends 500 in OpenAI's error shape", async () => {
    await withMockServer(alwaysFail("500"), async (server) => {
      const failure = await createOpenAi(server.url)
        .chat.completions.create(request)
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OpenAI.InternalServerError);
      expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(500);
      expect((failure as InstanceType<typeof OpenAI.APIError>).type).toBe("server_error");
      expect(server.stats().faults["500"]).toBe(1);
      expect(server.stats().successes).toBe(0);
    });
  });

  it("sends 529 overloaded_error on the Anthropic route", async () => {
    await withMockServer(alwaysFail("529"), async (server) => {
      const client = new Anthropic({ baseURL: server.url, apiKey: "sk-test", maxRetries: 0 });
      const failure = await client.messages
        .create({
          model: "claude-haiku",
          max_tokens: 10,
          messages: [{ role: "user", content: "Hi" }],
        })
        .catch((error: unknown) => error);
      const apiError = failure as InstanceType<typeof Anthropic.APIError>;
      expect(apiError).toBeInstanceOf(Anthropic.APIError);
      expect(apiError.status).toBe(529);
      expect((apiError.error as { error: { type: string } }).error.type).toBe("overloaded_error");
      expect(server.stats().faults["529"]).toBe(1);
    });
  });

  it("sends 503 for the 529 fault on the OpenAI route", async () => {
    await withMockServer(alwaysFail("529"), async (server) => {
      expect((await postChat(server.url)).status).toBe(503);
    });
  });

  it("drops the connection without a reply", async () => {
    await withMockServer(alwaysFail("drop"), async (server) => {
      const failure = await createOpenAi(server.url)
        .chat.completions.create(request)
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OpenAI.APIConnectionError);
      expect(server.stats().faults.drop).toBe(1);
      expect(server.stats().inFlight).toBe(0);
    });
  });

  it("sends a non-JSON body with status 200", async () => {
    await withMockServer(alwaysFail("garbage"), async (server) => {
      const response = await postChat(server.url);
      const text = await response.text();
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("application/json");
      expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
      expect(server.stats().faults.garbage).toBe(1);
    });
  });

  it("stalls the body past a whole-call timeout", async () => {
    await withMockServer({ ...alwaysFail("slow"), slowMs: 60_000 }, async (server) => {
      // openai 6 clears its own timeout once headers arrive, so only a
      // signal covering the whole call ends a stalled body.
      const start = performance.now();
      const failure = await createOpenAi(server.url)
        .chat.completions.create(request, { signal: AbortSignal.timeout(150) })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Error);
      expect(performance.now() - start).toBeLessThan(10_000);
      expect(server.stats().faults.slow).toBe(1);
    });
  });

  it("closes while a slow reply is stalled", async () => {
    const server = await startMockServer({ ...alwaysFail("slow"), slowMs: 60_000 });
    const response = await postChat(server.url);
    const body = response.text();
    await server.close();
    await expect(body).rejects.toThrow();
  });

  it("sends headers at once and the body after slowMs", async () => {
    await withMockServer({ ...alwaysFail("slow"), slowMs: 50 }, async (server) => {
      const start = performance.now();
      const response = await postChat(server.url);
      const headersMs = performance.now() - start;
      const body = (await response.json()) as { choices: unknown[] };
      const bodyMs = performance.now() - start;
      expect(response.status).toBe(200);
      expect(headersMs).toBeLessThan(45);
      expect(bodyMs).toBeGreaterThanOrEqual(45);
      expect(body.choices).toHaveLength(1);
    });
  });

  it("repeats the same faults for the same seed", async () => {
    const options = { failRate: 0.5, failModes: ["500", "529"] as FaultMode[], seed: 7 };
    const statuses = async (seed: number) =>
      withMockServer({ ...options, seed }, async (server) => {
        const codes: number[] = [];
        for (let i = 0; i < 24; i++) codes.push((await postChat(server.url, `ask ${i}`)).status);
        return codes;
      });
    const first = await statuses(7);
    const again = await statuses(7);
    const other = await statuses(8);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    expect(first).toContain(200);
    expect(first).toContain(500);
    expect(first).toContain(503);
  });

  it("fails about failRate of requests", async () => {
    await withMockServer({ failRate: 0.25, failModes: ["500"], seed: 3 }, async (server) => {
      for (let i = 0; i < 200; i++) await postChat(server.url, `ask ${i}`);
      const stats = server.stats();
      expect(stats.faults["500"] + stats.successes).toBe(200);
      expect(stats.faults["500"]).toBeGreaterThan(30);
      expect(stats.faults["500"]).toBeLessThan(70);
    });
  });
});
