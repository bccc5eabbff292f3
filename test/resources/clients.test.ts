import { Ajv } from "ajv";
import { afterEach, describe, expect, it } from "vitest";
import { startMockServer, type MockServerOptions } from "../../src/mock-server/index.js";
import { createResourceManager } from "../../src/resources/resource-manager.js";
import type { EndpointConfig, LlmRequest } from "../../src/resources/types.js";
import { baseUrlFor, okReply, startFaultServer } from "./fault-server.js";
import { makeConfig, makeEndpoint } from "./fixtures.js";

const PROVIDERS = ["openai", "anthropic", "ollama"] as const;
type Provider = (typeof PROVIDERS)[number];
const context = { recordId: "r1", node: "n" };
const PRICES = {
  inputCostPer1m: 3,
  cachedInputCostPer1m: 0.3,
  cacheWriteCostPer1m: 3.75,
  outputCostPer1m: 15,
};

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setup(
  provider: Provider,
  serverOptions: MockServerOptions = {},
  endpoint: Partial<EndpointConfig> = {},
) {
  const server = await startMockServer({ promptCacheMinTokens: 16, ...serverOptions });
  const manager = createResourceManager({
    config: makeConfig(
      [
        makeEndpoint({
          provider,
          model: "mock-model",
          apiKey: "sk-test",
          baseUrl: baseUrlFor(provider, server.url),
          ...PRICES,
          ...endpoint,
        }),
      ],
      { resultCacheSize: 0 },
    ),
  });
  cleanups.push(() => manager.close(), () => server.close());
  const call = (request: LlmRequest) =>
    manager.call("fast", request, context, new AbortController().signal);
  return { server, manager, call };
}

const LONG_SYSTEM =
  "You are a careful support assistant. Summarise each ticket in one sentence, " +
  "name the product, and never invent facts that the ticket does not state.";

describe.each(PROVIDERS)("%s client over its SDK", (provider) => {
  it("reads usage the way the provider reports it and prices it once", async () => {
    const { server, manager, call } = await setup(provider);
    const first = await call({ system: LONG_SYSTEM, prompt: "Ticket 1: refund not received" });
    const second = await call({ system: LONG_SYSTEM, prompt: "Ticket 2: login fails" });
    expect(first.text.length).toBeGreaterThan(0);
    const sent = server.stats().usage.byRoute[provider];
    const ours = manager.metrics().total;
    expect(ours.inputTokens).toBe(sent.promptTokens);
    expect(ours.outputTokens).toBe(sent.completionTokens);
    // Ollama's reply has no field for cached prompt tokens.
    const cachedTokens = provider === "ollama" ? 0 : sent.cachedTokens;
    expect(ours.cachedInputTokens).toBe(cachedTokens);
    expect(ours.unknownUsageCalls).toBe(0);
    const plainTokens = sent.promptTokens - cachedTokens - ours.cacheWriteTokens;
    const expectedUsd =
      (plainTokens * 3 +
        cachedTokens * 0.3 +
        ours.cacheWriteTokens * 3.75 +
        sent.completionTokens * 15) /
      1e6;
    expect(ours.costUsd).toBeCloseTo(expectedUsd, 12);
    expect(first.costUsd + second.costUsd).toBeCloseTo(expectedUsd, 12);
    expect(second.usage.inputTokens).toBeGreaterThan(second.usage.cachedInputTokens);
  });

  it("flags a reply cut at max_tokens as truncated", async () => {
    const { call } = await setup(provider);
    const result = await call({ prompt: "Write a long story about a lighthouse", maxTokens: 2 });
    expect(result.isTruncated).toBe(true);
    expect(result.usage.outputTokens).toBeLessThanOrEqual(2);
    const whole = await call({ prompt: "Say hi" });
    expect(whole.isTruncated).toBe(false);
  });

  it("asks for JSON that meets the schema", async () => {
    const { call } = await setup(provider);
    const schema = {
      type: "object",
      required: ["label", "score"],
      properties: {
        label: { type: "string", enum: ["billing", "bug", "other"] },
        score: { type: "integer", minimum: 1, maximum: 5 },
      },
    };
    const result = await call({ prompt: "Classify: card charged twice", jsonSchema: schema });
    const value: unknown = JSON.parse(result.text);
    expect(new Ajv().validate(schema, value)).toBe(true);
  });

  it("sends system prompt, temperature, stop and max tokens", async () => {
    const server = await startFaultServer([], okReply(provider));
    cleanups.push(() => server.close());
    const manager = createResourceManager({
      config: makeConfig([
        makeEndpoint({
          provider,
          model: "m",
          apiKey: "sk-test",
          baseUrl: baseUrlFor(provider, server.url),
        }),
      ]),
    });
    cleanups.push(() => manager.close());
    const request: LlmRequest = {
      system: "Be brief.",
      prompt: "Hello",
      temperature: 0.2,
      maxTokens: 50,
      stop: ["END"],
      isJson: true,
    };
    const result = await manager.call("fast", request, context, new AbortController().signal);
    expect(result.text).toBe("hello");
    const body = JSON.stringify(server.bodies[0]);
    expect(body).toContain("Be brief.");
    expect(body).toContain('"temperature":0.2');
    expect(body).toContain("END");
    expect(body).toContain("50");
    expect(body).toMatch(/json/i);
    if (provider !== "ollama") expect(result.requestId).toBe("req_ok");
  });
});

describe("provider quirks", () => {
  it("counts Anthropic cache reads and writes into the logical prompt", async () => {
    const { call } = await setup("anthropic");
    const first = await call({ system: LONG_SYSTEM, prompt: "Ticket A" });
    const second = await call({ system: LONG_SYSTEM, prompt: "Ticket A" });
    expect(first.usage.cacheWriteTokens).toBeGreaterThan(0);
    expect(second.usage.cachedInputTokens).toBe(first.usage.cacheWriteTokens);
    // The same prompt has the same logical size whether or not it was cached.
    expect(second.usage.inputTokens).toBe(first.usage.inputTokens);
    expect(second.costUsd).toBeLessThan(first.costUsd);
  });

  it("reads OpenAI cached tokens as part of prompt_tokens", async () => {
    const { call } = await setup("openai");
    const first = await call({ system: LONG_SYSTEM, prompt: "Ticket B" });
    const second = await call({ system: LONG_SYSTEM, prompt: "Ticket B" });
    expect(first.usage.cachedInputTokens).toBe(0);
    expect(second.usage.cachedInputTokens).toBeGreaterThan(0);
    expect(second.usage.inputTokens).toBe(first.usage.inputTokens);
  });

  it("counts a missing Ollama prompt_eval_count as unknown", async () => {
    const { manager, call } = await setup("ollama", { ollamaOmitCachedPromptEvalCount: true });
    await call({ prompt: "Same prompt twice" });
    const second = await call({ prompt: "Same prompt twice" });
    expect(second.usage.inputTokens).toBeNull();
    expect(second.usage.outputTokens).toBeGreaterThan(0);
    expect(second.costUsd).toBeCloseTo((second.usage.outputTokens! * 15) / 1e6, 12);
    expect(manager.metrics().total.unknownUsageCalls).toBe(1);
  });

  it.each(["vllm", "tgi"] as const)("sends %s the placeholder key EMPTY", async (provider) => {
    const server = await startFaultServer([], okReply("openai"));
    cleanups.push(() => server.close());
    const manager = createResourceManager({
      config: makeConfig([makeEndpoint({ provider, model: "m", baseUrl: `${server.url}/v1` })]),
    });
    cleanups.push(() => manager.close());
    const signal = new AbortController().signal;
    await manager.call("fast", { prompt: "x", maxTokens: 5 }, context, signal);
    expect(server.authorizations[0]).toBe("Bearer EMPTY");
    expect(JSON.stringify(server.bodies[0])).toContain('"max_tokens":5');
  });
});
