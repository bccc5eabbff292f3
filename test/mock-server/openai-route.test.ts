import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { estimateTokens } from "../../src/mock-server/index.js";
import { withMockServer } from "../support/with-mock-server.js";

function createClient(url: string): OpenAI {
  return new OpenAI({ baseURL: `${url}/v1`, apiKey: "sk-test", maxRetries: 0 });
}

const messages = [
  { role: "system" as const, content: "You summarise tickets." },
  { role: "user" as const, content: "The invoice total is wrong." },
];

describe("POST /v1/chat/completions", () => {
  it("replies with content and chars/4 usage", async () => {
    await withMockServer({}, async (server) => {
      const client = createClient(server.url);
      const completion = await client.chat.completions.create({ model: "gpt-4o-mini", messages });
      const choice = completion.choices[0];
      expect(choice?.message.content).toMatch(/^[A-Z].*\.$/);
      expect(choice?.finish_reason).toBe("stop");
      const promptText = "You summarise tickets.\nThe invoice total is wrong.";
      expect(completion.usage?.prompt_tokens).toBe(estimateTokens(promptText));
      expect(completion.usage?.completion_tokens).toBe(
        estimateTokens(choice?.message.content ?? ""),
      );
      expect(completion.usage?.total_tokens).toBe(
        (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0),
      );
      expect(completion.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    });
  });

  it("repeats the same reply for the same request", async () => {
    await withMockServer({}, async (server) => {
      const client = createClient(server.url);
      const first = await client.chat.completions.create({ model: "gpt-4o-mini", messages });
      const second = await client.chat.completions.create({ model: "gpt-4o-mini", messages });
      const other = await client.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "Something else entirely." }],
      });
      expect(second.choices[0]?.message.content).toBe(first.choices[0]?.message.content);
      expect(second.usage).toEqual(first.usage);
      expect(other.choices[0]?.message.content).not.toBe(first.choices[0]?.message.content);
    });
  });

  it("truncates at max_tokens with finish_reason length", async () => {
    await withMockServer({}, async (server) => {
      const client = createClient(server.url);
      const full = await client.chat.completions.create({ model: "gpt-4o-mini", messages });
      const cut = await client.chat.completions.create({
        model: "gpt-4o-mini",
        messages,
        max_tokens: 3,
      });
      const text = cut.choices[0]?.message.content ?? "";
      expect(cut.choices[0]?.finish_reason).toBe("length");
      expect(cut.usage?.completion_tokens).toBe(3);
      expect(text).toHaveLength(12);
      expect(full.choices[0]?.message.content?.startsWith(text)).toBe(true);
    });
  });

  it("honours max_completion_tokens", async () => {
    await withMockServer({}, async (server) => {
      const client = createClient(server.url);
      const cut = await client.chat.completions.create({
        model: "gpt-4o-mini",
        messages,
        max_completion_tokens: 2,
      });
      expect(cut.choices[0]?.finish_reason).toBe("length");
      expect(cut.usage?.completion_tokens).toBe(2);
    });
  });

  it("stops before a stop sequence", async () => {
    await withMockServer({}, async (server) => {
      const client = createClient(server.url);
      const full = await client.chat.completions.create({ model: "gpt-4o-mini", messages });
      const fullText = full.choices[0]?.message.content ?? "";
      const stop = fullText.split(" ")[3] ?? "";
      const stopped = await client.chat.completions.create({
        model: "gpt-4o-mini",
        messages,
        stop: [stop],
      });
      expect(stopped.choices[0]?.finish_reason).toBe("stop");
      expect(stopped.choices[0]?.message.content).toBe(fullText.slice(0, fullText.indexOf(stop)));
    });
  });

  it("replies with JSON meeting a json_schema", async () => {
    await withMockServer({}, async (server) => {
      const client = createClient(server.url);
      const schema = {
        type: "object",
        required: ["label", "score", "tags", "details"],
        properties: {
          label: { type: "string", enum: ["billing", "bug", "other"] },
          score: { type: "integer", minimum: 1, maximum: 5 },
          confidence: { type: "number", minimum: 0, maximum: 1 },
          tags: { type: "array", items: { type: "string" }, minItems: 2, maxItems: 4 },
          details: { $ref: "#/$defs/details" },
        },
        $defs: {
          details: {
            type: "object",
            required: ["urgent"],
            properties: { urgent: { type: "boolean" } },
          },
        },
      };
      const completion = await client.chat.completions.create({
        model: "gpt-4o-mini",
        messages,
        response_format: { type: "json_schema", json_schema: { name: "triage", schema } },
      });
      const value = JSON.parse(completion.choices[0]?.message.content ?? "") as Record<
        string,
        unknown
      >;
      expect(["billing", "bug", "other"]).toContain(value.label);
      expect(Number.isInteger(value.score)).toBe(true);
      expect(value.score).toBeGreaterThanOrEqual(1);
      expect(value.score).toBeLessThanOrEqual(5);
      expect(value.confidence).toBeGreaterThanOrEqual(0);
      expect(value.confidence).toBeLessThanOrEqual(1);
      expect((value.tags as unknown[]).length).toBeGreaterThanOrEqual(2);
      expect((value.tags as unknown[]).every((tag) => typeof tag === "string")).toBe(true);
      expect(typeof (value.details as { urgent: unknown }).urgent).toBe("boolean");
    });
  });

  it("replies with a JSON object for json_object", async () => {
    await withMockServer({}, async (server) => {
      const client = createClient(server.url);
      const completion = await client.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "Reply in JSON." }],
        response_format: { type: "json_object" },
      });
      const value = JSON.parse(completion.choices[0]?.message.content ?? "") as unknown;
      expect(typeof value).toBe("object");
    });
  });

  it("reports cached tokens for a repeated long system prompt", async () => {
    await withMockServer({ promptCacheMinTokens: 100 }, async (server) => {
      const client = createClient(server.url);
      const system = "Follow the house style guide. ".repeat(20);
      const ask = (content: string) =>
        client.chat.completions.create({
          model: "gpt-4o-mini",
          messages: [
            { role: "system", content: system },
            { role: "user", content },
          ],
        });
      const first = await ask("first ticket");
      const second = await ask("second ticket");
      expect(first.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
      expect(second.usage?.prompt_tokens_details?.cached_tokens).toBe(estimateTokens(system));
      expect(second.usage?.prompt_tokens).toBe(estimateTokens(`${system}\nsecond ticket`));
      expect(server.stats().usage.byRoute.openai.cachedTokens).toBe(estimateTokens(system));
    });
  });

  it("rejects a request without messages in OpenAI's error shape", async () => {
    await withMockServer({}, async (server) => {
      const client = createClient(server.url);
      const failure = await client.chat.completions
        .create({ model: "gpt-4o-mini", messages: [] })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
      const error = failure as InstanceType<typeof OpenAI.BadRequestError>;
      expect(error.status).toBe(400);
      expect(error.type).toBe("invalid_request_error");
      expect(error.message).toContain("messages must be a non-empty list");
      expect(error.requestID).toMatch(/^req_mock/);
      expect(server.stats().invalidRequests).toBe(1);
    });
  });

  it("lists models that requests named", async () => {
    await withMockServer({ models: { "gpt-4o": {} } }, async (server) => {
      const client = createClient(server.url);
      await client.chat.completions.create({ model: "gpt-4o-mini", messages });
      const page = await client.models.list();
      expect(page.data.map((model) => model.id)).toEqual(["gpt-4o", "gpt-4o-mini"]);
    });
  });
});
