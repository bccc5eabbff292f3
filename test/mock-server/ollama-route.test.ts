import { Ollama } from "ollama";
import { describe, expect, it } from "vitest";
import { estimateTokens } from "../../src/mock-server/index.js";
import { withMockServer } from "../support/with-mock-server.js";

describe("POST /api/chat", () => {
  it("replies with message, done and token counts", async () => {
    await withMockServer({}, async (server) => {
      const client = new Ollama({ host: server.url });
      const reply = await client.chat({
        model: "llama3.2",
        messages: [
          { role: "system", content: "You summarise tickets." },
          { role: "user", content: "The invoice total is wrong." },
        ],
      });
      expect(reply.done).toBe(true);
      expect(reply.done_reason).toBe("stop");
      expect(reply.message.role).toBe("assistant");
      expect(reply.message.content.length).toBeGreaterThan(0);
      const promptText = "You summarise tickets.\nThe invoice total is wrong.";
      expect(reply.prompt_eval_count).toBe(estimateTokens(promptText));
      expect(reply.eval_count).toBe(estimateTokens(reply.message.content));
    });
  });

  it("stops at num_predict with done_reason length", async () => {
    await withMockServer({}, async (server) => {
      const client = new Ollama({ host: server.url });
      const reply = await client.chat({
        model: "llama3.2",
        messages: [{ role: "user", content: "Write a long story." }],
        options: { num_predict: 4 },
      });
      expect(reply.done_reason).toBe("length");
      expect(reply.eval_count).toBe(4);
      expect(reply.message.content).toHaveLength(16);
    });
  });

  it("replies JSON meeting a format schema", async () => {
    await withMockServer({}, async (server) => {
      const client = new Ollama({ host: server.url });
      const reply = await client.chat({
        model: "llama3.2",
        messages: [{ role: "user", content: "Classify: refund please" }],
        format: {
          type: "object",
          required: ["label", "reasons"],
          properties: {
            label: { type: "string", enum: ["billing", "bug"] },
            reasons: { type: "array", items: { type: "string" }, minItems: 1 },
          },
        },
      });
      const value = JSON.parse(reply.message.content) as { label: string; reasons: string[] };
      expect(["billing", "bug"]).toContain(value.label);
      expect(value.reasons.length).toBeGreaterThanOrEqual(1);
    });
  });

  it("replies a JSON object for format json", async () => {
    await withMockServer({}, async (server) => {
      const client = new Ollama({ host: server.url });
      const reply = await client.chat({
        model: "llama3.2",
        messages: [{ role: "user", content: "Summarise as JSON." }],
        format: "json",
      });
      expect(typeof JSON.parse(reply.message.content)).toBe("object");
    });
  });

  it("omits prompt_eval_count for a repeated prompt when asked", async () => {
    await withMockServer({ ollamaOmitCachedPromptEvalCount: true }, async (server) => {
      const client = new Ollama({ host: server.url });
      const request = { model: "llama3.2", messages: [{ role: "user", content: "Same prompt" }] };
      const first = await client.chat(request);
      const second = await client.chat(request);
      expect(first.prompt_eval_count).toBe(estimateTokens("Same prompt"));
      expect(second.prompt_eval_count).toBeUndefined();
      expect(second.eval_count).toBe(first.eval_count);
      const totals = server.stats().usage.byRoute.ollama;
      expect(totals.unreportedPromptTokens).toBe(estimateTokens("Same prompt"));
    });
  });

  it("answers a streaming request with one done line", async () => {
    await withMockServer({}, async (server) => {
      const client = new Ollama({ host: server.url });
      const parts: string[] = [];
      let isDone = false;
      const stream = await client.chat({
        model: "llama3.2",
        messages: [{ role: "user", content: "Stream it" }],
        stream: true,
      });
      for await (const part of stream) {
        parts.push(part.message.content);
        isDone = part.done;
      }
      expect(parts).toHaveLength(1);
      expect(isDone).toBe(true);
    });
  });

  it("lists requested models under /api/tags", async () => {
    await withMockServer({}, async (server) => {
      const client = new Ollama({ host: server.url });
      await client.chat({ model: "qwen2.5", messages: [{ role: "user", content: "Hi" }] });
      const list = await client.list();
      expect(list.models.map((model) => model.name)).toEqual(["qwen2.5"]);
    });
  });

  it("sends a missing model as an Ollama error", async () => {
    await withMockServer({}, async (server) => {
      const client = new Ollama({ host: server.url });
      const failure = await client
        .chat({ model: "", messages: [{ role: "user", content: "Hi" }] })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).message).toContain("model is missing");
    });
  });
});
