import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { estimateTokens } from "../../src/mock-server/index.js";
import { withMockServer } from "../support/with-mock-server.js";

function createClient(url: string): Anthropic {
  return new Anthropic({ baseURL: url, apiKey: "sk-test", maxRetries: 0 });
}

function textOf(message: Anthropic.Message): string {
  const block = message.content[0];
  return block?.type === "text" ? block.text : "";
}

describe("POST /v1/messages", () => {
  it("replies with a text block and usage", async () => {
    await withMockServer({}, async (server) => {
      const client = createClient(server.url);
      const message = await client.messages.create({
        model: "claude-haiku",
        max_tokens: 500,
        system: "You summarise tickets.",
        messages: [{ role: "user", content: "The invoice total is wrong." }],
      });
      expect(message.type).toBe("message");
      expect(message.role).toBe("assistant");
      expect(message.id).toMatch(/^msg_mock/);
      expect(message.stop_reason).toBe("end_turn");
      expect(textOf(message).length).toBeGreaterThan(0);
      const promptText = "You summarise tickets.\nThe invoice total is wrong.";
      expect(message.usage.input_tokens).toBe(estimateTokens(promptText));
      expect(message.usage.output_tokens).toBe(estimateTokens(textOf(message)));
      expect(message.usage.cache_read_input_tokens).toBe(0);
      expect(message.usage.cache_creation_input_tokens).toBe(0);
    });
  });

  it("reads a system prompt given as blocks", async () => {
    await withMockServer({}, async (server) => {
      const client = createClient(server.url);
      const request = {
        model: "claude-haiku",
        max_tokens: 500,
        messages: [{ role: "user" as const, content: "Hello" }],
      };
      const asString = await client.messages.create({ ...request, system: "Be brief." });
      const asBlocks = await client.messages.create({
        ...request,
        system: [{ type: "text", text: "Be brief." }],
      });
      expect(textOf(asBlocks)).toBe(textOf(asString));
      expect(asBlocks.usage).toEqual(asString.usage);
    });
  });

  it("stops at max_tokens with stop_reason max_tokens", async () => {
    await withMockServer({}, async (server) => {
      const client = createClient(server.url);
      const message = await client.messages.create({
        model: "claude-haiku",
        max_tokens: 2,
        messages: [{ role: "user", content: "Write a long story." }],
      });
      expect(message.stop_reason).toBe("max_tokens");
      expect(message.usage.output_tokens).toBe(2);
      expect(textOf(message)).toHaveLength(8);
    });
  });

  it("names the stop sequence that ended the reply", async () => {
    await withMockServer({}, async (server) => {
      const client = createClient(server.url);
      const request = {
        model: "claude-haiku",
        max_tokens: 500,
        messages: [{ role: "user" as const, content: "Describe the ticket." }],
      };
      const fullText = textOf(await client.messages.create(request));
      const stop = fullText.split(" ")[2] ?? "";
      const message = await client.messages.create({ ...request, stop_sequences: [stop] });
      expect(message.stop_reason).toBe("stop_sequence");
      expect(message.stop_sequence).toBe(stop);
      expect(textOf(message)).toBe(fullText.slice(0, fullText.indexOf(stop)));
    });
  });

  it("replies JSON from a schema in a JSON system prompt", async () => {
    await withMockServer({}, async (server) => {
      const client = createClient(server.url);
      const schema = {
        type: "object",
        required: ["label"],
        properties: { label: { enum: ["billing", "bug", "other"] } },
      };
      const message = await client.messages.create({
        model: "claude-haiku",
        max_tokens: 500,
        system: `Reply with JSON only, meeting this schema: ${JSON.stringify(schema)}`,
        messages: [{ role: "user", content: "My card was charged twice." }],
      });
      const value = JSON.parse(textOf(message)) as { label: string };
      expect(["billing", "bug", "other"]).toContain(value.label);
    });
  });

  it("continues a prefilled JSON reply", async () => {
    await withMockServer({}, async (server) => {
      const client = createClient(server.url);
      const message = await client.messages.create({
        model: "claude-haiku",
        max_tokens: 500,
        system: "Answer in JSON.",
        messages: [
          { role: "user", content: "Summarise." },
          { role: "assistant", content: "{" },
        ],
      });
      const value = JSON.parse(`{${textOf(message)}`) as Record<string, unknown>;
      expect(typeof value.answer).toBe("string");
    });
  });

  it("replies JSON meeting output_config.format", async () => {
    await withMockServer({}, async (server) => {
      const response = await fetch(`${server.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
        body: JSON.stringify({
          model: "claude-haiku",
          max_tokens: 500,
          messages: [{ role: "user", content: "Rate it." }],
          output_config: {
            format: {
              type: "json_schema",
              schema: {
                type: "object",
                required: ["stars"],
                properties: { stars: { type: "integer", minimum: 1, maximum: 5 } },
              },
            },
          },
        }),
      });
      const message = (await response.json()) as Anthropic.Message;
      const value = JSON.parse(textOf(message)) as { stars: number };
      expect(value.stars).toBeGreaterThanOrEqual(1);
      expect(value.stars).toBeLessThanOrEqual(5);
    });
  });

  it("splits a repeated long system prompt into cache fields", async () => {
    await withMockServer({ promptCacheMinTokens: 100 }, async (server) => {
      const client = createClient(server.url);
      const system = "Follow the house style guide. ".repeat(20);
      const systemTokens = estimateTokens(system);
      const ask = (content: string) =>
        client.messages.create({
          model: "claude-haiku",
          max_tokens: 500,
          system,
          messages: [{ role: "user", content }],
        });
      const first = await ask("first ticket");
      const second = await ask("second ticket");
      const promptTokens = estimateTokens(`${system}\nsecond ticket`);
      expect(first.usage.cache_creation_input_tokens).toBe(systemTokens);
      expect(first.usage.cache_read_input_tokens).toBe(0);
      expect(second.usage.cache_read_input_tokens).toBe(systemTokens);
      expect(second.usage.cache_creation_input_tokens).toBe(0);
      // input_tokens leaves the cached part out, as Anthropic's does.
      expect(second.usage.input_tokens).toBe(promptTokens - systemTokens);
      const totals = server.stats().usage.byRoute.anthropic;
      expect(totals.cachedTokens).toBe(systemTokens);
      expect(totals.cacheWriteTokens).toBe(systemTokens);
    });
  });

  it("rejects a request without max_tokens in Anthropic's error shape", async () => {
    await withMockServer({}, async (server) => {
      const response = await fetch(`${server.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          model: "claude-haiku",
          messages: [{ role: "user", content: "Hi" }],
        }),
      });
      const body = (await response.json()) as {
        type: string;
        error: { type: string; message: string };
      };
      expect(response.status).toBe(400);
      expect(body.type).toBe("error");
      expect(body.error.type).toBe("invalid_request_error");
      expect(body.error.message).toBe("max_tokens: Field required");
      expect(response.headers.get("request-id")).toMatch(/^req_mock/);
    });
  });
});
