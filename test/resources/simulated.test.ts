import { Ajv } from "ajv";
import { setMaxListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { SimulatedClient, buildSimulatedReply } from "../../src/resources/clients/simulated.js";
import { ProviderError } from "../../src/resources/provider-error.js";
import { createResourceManager } from "../../src/resources/resource-manager.js";
import { ManualClock, systemClock } from "../../src/util/clock.js";
import { makeConfig, makeEndpoint } from "./fixtures.js";

const signal = new AbortController().signal;
// Every waiting call listens on the run's signal, as in the CLI, which
// lifts the listener limit the same way.
setMaxListeners(0, signal);

describe("simulated client", () => {
  it("gives the same reply for the same prompt", () => {
    const first = buildSimulatedReply({ prompt: "Summarise ticket 7" });
    const again = buildSimulatedReply({ prompt: "Summarise ticket 7" });
    const other = buildSimulatedReply({ prompt: "Summarise ticket 8" });
    expect(again).toEqual(first);
    expect(other.text).not.toBe(first.text);
  });

  it("counts about four characters a token, at least one", () => {
    const reply = buildSimulatedReply({ prompt: "x".repeat(40), system: "y".repeat(8) });
    expect(reply.usage.inputTokens).toBe(12);
    expect(reply.usage.outputTokens).toBe(Math.ceil(reply.text.length / 4));
    expect(buildSimulatedReply({ prompt: "" }).usage.inputTokens).toBe(1);
  });

  it("truncates at max tokens and says so", () => {
    const reply = buildSimulatedReply({ prompt: "long", maxTokens: 1 });
    expect(reply.isTruncated).toBe(true);
    expect(reply.usage.outputTokens).toBe(1);
    expect(reply.text.length).toBeLessThanOrEqual(4);
  });

  it("answers a JSON request with a JSON object", () => {
    const value: unknown = JSON.parse(buildSimulatedReply({ prompt: "p", isJson: true }).text);
    expect(typeof value).toBe("object");
  });

  it.each([
    {
      type: "object",
      required: ["label", "tags", "score", "ok", "ratio"],
      properties: {
        label: { enum: ["billing", "bug", "other"] },
        tags: { type: "array", items: { type: "string", minLength: 12 }, minItems: 2 },
        score: { type: "integer", minimum: 3, maximum: 4 },
        ok: { type: "boolean" },
        ratio: { type: "number", minimum: 0, maximum: 1 },
        nested: { type: "object", required: ["id"], properties: { id: { type: "string" } } },
      },
    },
    { type: "array", items: { type: ["integer", "null"] }, maxItems: 1 },
    { anyOf: [{ type: "string", maxLength: 3 }, { type: "null" }] },
  ])("answers with a value that meets schema %#", (schema) => {
    const validate = new Ajv().compile(schema);
    for (let index = 0; index < 25; index++) {
      const reply = buildSimulatedReply({ prompt: `record ${index}`, jsonSchema: schema });
      const value: unknown = JSON.parse(reply.text);
      expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it("picks enum values by prompt hash", () => {
    const schema = { type: "string", enum: ["a", "b", "c"] };
    const picks = new Set(
      Array.from({ length: 30 }, (_, index) =>
        JSON.parse(buildSimulatedReply({ prompt: `p${index}`, jsonSchema: schema }).text),
      ),
    );
    expect(picks).toEqual(new Set(["a", "b", "c"]));
  });

  it("sleeps its latency and jitter on the clock", async () => {
    const clock = new ManualClock();
    const settings = { model: "s", latencyMs: 100, jitterMs: 20, errorRate: 0, rateLimitRate: 0 };
    const client = new SimulatedClient(settings, clock, () => 1 - 1e-9);
    let isDone = false;
    void client.complete({ prompt: "p" }, signal).then(() => (isDone = true));
    await clock.advance(119);
    expect(isDone).toBe(false);
    await clock.advance(1);
    expect(isDone).toBe(true);
  });

  it("fails at error_rate and rate limits at rate_limit_rate", async () => {
    const draws = [0.05, 0.5, 0.05, 0.5, 0.5];
    const settings = { model: "s", latencyMs: 0, jitterMs: 0, errorRate: 0.1, rateLimitRate: 0.1 };
    const client = new SimulatedClient(settings, systemClock, () => draws.shift()!);
    const transient = await client.complete({ prompt: "p" }, signal).catch((error) => error);
    expect(transient).toBeInstanceOf(ProviderError);
    expect(transient.kind).toBe("transient");
    const limited = await client.complete({ prompt: "p" }, signal).catch((error) => error);
    expect(limited.kind).toBe("rate_limited");
    expect(limited.retryAfterMs).toBe(1000);
    const reply = await client.complete({ prompt: "p" }, signal);
    expect(reply.text.length).toBeGreaterThan(0);
  });

  it("sets no timer for zero-latency calls", async () => {
    const clock = new ManualClock();
    const manager = createResourceManager({
      config: makeConfig([makeEndpoint({ provider: "simulated" })]),
      clock,
    });
    const context = { recordId: "r", node: "n" };
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        manager.call("fast", { prompt: `p${index}` }, context, signal),
      ),
    );
    expect(results).toHaveLength(50);
    expect(clock.pendingSleeps).toBe(0);
  });
});
