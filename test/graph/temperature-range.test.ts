import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { loadResources } from "../../src/config/load-resources.js";
import { loadPipeline } from "../../src/graph/load-pipeline.js";
import { writeTempFiles } from "../config/temp-files.js";

/** One endpoint of each provider, reached only on loopback; nothing is called. */
const ENDPOINTS: Record<string, string> = {
  openai: '{provider: openai, model: m, base_url: "http://127.0.0.1:9/v1", api_key: sk-test}',
  anthropic: '{provider: anthropic, model: m, base_url: "http://127.0.0.1:9", api_key: sk-test}',
  vllm: '{provider: vllm, model: m, base_url: "http://127.0.0.1:9/v1"}',
  tgi: '{provider: tgi, model: m, base_url: "http://127.0.0.1:9/v1"}',
  ollama: '{provider: ollama, model: m, base_url: "http://127.0.0.1:9"}',
  simulated: "{provider: simulated}",
};

/** Loads a one-node pipeline with `settings` on an alias bound to `endpoints`. */
async function loadErrors(endpoints: string, settings: string): Promise<string[]> {
  const dir = await writeTempFiles({
    "resources.yaml": `endpoints:\n  fast: ${endpoints}\n`,
    "main.yaml": `nodes:\n  a: {llm: fast, prompt: x, ${settings}}\noutputs: {v: "{{ a }}"}\n`,
  });
  const resources = await loadResources(path.join(dir, "resources.yaml"), {});
  try {
    await loadPipeline(path.join(dir, "main.yaml"), { resources });
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.split("\n").map((line) => line.replaceAll(dir + "/", ""));
  }
}

describe("temperature", () => {
  it.each([
    ["openai", 0],
    ["openai", 2],
    ["anthropic", 1],
    ["anthropic", 0.7],
    ["vllm", 2],
    ["tgi", 1.5],
    ["ollama", 5],
    ["simulated", 2],
  ])("accepts %s at %s", async (provider, temperature) => {
    expect(await loadErrors(ENDPOINTS[provider]!, `temperature: ${temperature}`)).toEqual([]);
  });

  it.each([
    ["openai", 2.1, "0 to 2"],
    ["anthropic", 1.2, "0 to 1"],
    ["vllm", 2.5, "0 to 2"],
    ["tgi", 3, "0 to 2"],
    ["simulated", 2.01, "0 to 2"],
  ])("rejects %s at %s", async (provider, temperature, range) => {
    const lines = await loadErrors(ENDPOINTS[provider]!, `temperature: ${temperature}`);
    expect(lines).toEqual([
      `main.yaml:2:42: node "a" has temperature ${temperature}, but alias "fast" calls ` +
        `endpoint "fast" of provider ${provider}, which accepts ${range}. Choose a ` +
        `temperature of ${range}, or bind "fast" to another provider.`,
    ]);
  });

  it("names each provider of an alias that rejects the value", async () => {
    const list = `[${ENDPOINTS.openai}, ${ENDPOINTS.anthropic}, ${ENDPOINTS.anthropic}]`;
    const lines = await loadErrors(list, "temperature: 1.5");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('calls endpoint "fast[1]" of provider anthropic');
    expect(lines[0]).toContain("which accepts 0 to 1");
  });

  it("rejects a negative value for every provider", async () => {
    expect(await loadErrors(ENDPOINTS.ollama!, "temperature: -0.5")).toEqual([
      "main.yaml:2:42: nodes.a.temperature must be a number of at least 0, received -0.5.",
    ]);
  });

  it("checks only the lower bound without resources", async () => {
    const dir = await writeTempFiles({
      "main.yaml": 'nodes:\n  a: {llm: fast, prompt: x, temperature: 7}\noutputs: {v: "{{ a }}"}\n',
    });
    const graph = await loadPipeline(path.join(dir, "main.yaml"));
    expect(graph.nodes[0]).toMatchObject({ temperature: 7 });
  });
});

describe("max_tokens", () => {
  it.each([
    ["1", 1],
    ["4096", 4096],
    ['"300"', 300],
  ])("accepts %s", async (written, expected) => {
    const node = `a: {llm: fast, prompt: x, max_tokens: ${written}}`;
    const dir = await writeTempFiles({
      "main.yaml": `nodes:\n  ${node}\noutputs: {v: "{{ a }}"}\n`,
    });
    const graph = await loadPipeline(path.join(dir, "main.yaml"));
    expect(graph.nodes[0]).toMatchObject({ maxTokens: expected });
  });

  it.each([
    ["0", "0"],
    ["-5", "-5"],
    ["1.5", "1.5"],
    ["lots", '"lots"'],
  ])("rejects %s", async (written, shown) => {
    expect(await loadErrors(ENDPOINTS.simulated!, `max_tokens: ${written}`)).toEqual([
      "main.yaml:2:41: nodes.a.max_tokens must be a whole number of at least 1, " +
        `received ${shown}.`,
    ]);
  });
});
