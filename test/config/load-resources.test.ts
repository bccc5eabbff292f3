import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { loadResources } from "../../src/config/load-resources.js";
import { writeTempFiles } from "./temp-files.js";

async function load(yaml: string, env: NodeJS.ProcessEnv = {}) {
  const dir = await writeTempFiles({ "resources.yaml": yaml });
  return loadResources(path.join(dir, "resources.yaml"), env);
}

/** Loads YAML that must fail and returns its error message lines, without the folder. */
async function loadErrors(yaml: string, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const dir = await writeTempFiles({ "resources.yaml": yaml });
  const error = await loadResources(path.join(dir, "resources.yaml"), env).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).message.split("\n").map((line) => line.replace(dir + "/", ""));
}

describe("loadResources", () => {
  it("applies defaults to a minimal endpoint", async () => {
    const config = await load("endpoints:\n  fast:\n    provider: simulated\n");
    expect(config.loadBalanceStrategy).toBe("least_loaded");
    expect(config.maxTotalConcurrent).toBe(100);
    expect(config.maxInflightGraphs).toBe(10);
    expect(config.resultCacheSize).toBe(1000);
    expect(config.checkpointBufferSize).toBe(10);
    expect(config.aliases.get("fast")).toEqual([
      {
        name: "fast",
        alias: "fast",
        provider: "simulated",
        model: "simulated",
        maxConcurrent: 10,
        maxRetries: 3,
        retryDelayMs: 1000,
        timeoutMs: 300_000,
        weight: 1,
        inputCostPer1m: 0,
        outputCostPer1m: 0,
        latencyMs: 0,
        jitterMs: 0,
        errorRate: 0,
        rateLimitRate: 0,
      },
    ]);
  });

  it("converts every field to camelCase and units", async () => {
    const config = await load(`
endpoints:
  fast:
    provider: openai
    model: gpt-4o-mini
    base_url: http://127.0.0.1:9/v1
    api_key: sk-test
    max_concurrent: 20
    rate_limit: 5.5
    rate_limit_burst: 8
    tokens_per_minute: 100000
    max_retries: 0
    retry_delay: 0.25
    timeout: 30
    weight: 3
    input_cost_per_1m: 0.15
    output_cost_per_1m: 0.6
    cached_input_cost_per_1m: 0.075
    cache_write_cost_per_1m: 0.2
load_balance_strategy: round_robin
max_total_concurrent: 50
max_inflight_graphs: 20
result_cache_size: 0
checkpoint_buffer_size: 1
`);
    expect(config.aliases.get("fast")?.[0]).toMatchObject({
      baseUrl: "http://127.0.0.1:9/v1",
      apiKey: "sk-test",
      maxConcurrent: 20,
      rateLimit: 5.5,
      rateLimitBurst: 8,
      tokensPerMinute: 100000,
      maxRetries: 0,
      retryDelayMs: 250,
      timeoutMs: 30_000,
      weight: 3,
      inputCostPer1m: 0.15,
      outputCostPer1m: 0.6,
      cachedInputCostPer1m: 0.075,
      cacheWriteCostPer1m: 0.2,
    });
    expect(config.loadBalanceStrategy).toBe("round_robin");
    expect(config.maxTotalConcurrent).toBe(50);
    expect(config.maxInflightGraphs).toBe(20);
    expect(config.resultCacheSize).toBe(0);
    expect(config.checkpointBufferSize).toBe(1);
  });

  it("names list endpoints alias[i]", async () => {
    const config = await load(`
endpoints:
  smart:
    - {provider: vllm, model: llama, base_url: "http://127.0.0.1:8001/v1"}
    - {provider: vllm, model: llama, base_url: "http://127.0.0.1:8002/v1", weight: 2}
`);
    const smart = config.aliases.get("smart")!;
    expect(smart.map((endpoint) => endpoint.name)).toEqual(["smart[0]", "smart[1]"]);
    expect(smart.map((endpoint) => endpoint.alias)).toEqual(["smart", "smart"]);
    expect(smart[1]!.weight).toBe(2);
  });

  it("reads simulated-only settings", async () => {
    const config = await load(`
endpoints:
  sim: {provider: simulated, latency_ms: 20, jitter_ms: 5, error_rate: 0.1, rate_limit_rate: 0.2}
`);
    expect(config.aliases.get("sim")![0]).toMatchObject({
      latencyMs: 20,
      jitterMs: 5,
      errorRate: 0.1,
      rateLimitRate: 0.2,
    });
  });

  it("defaults ollama to the local server", async () => {
    const config = await load("endpoints:\n  local: {provider: ollama, model: llama3}\n");
    expect(config.aliases.get("local")![0]!.baseUrl).toBe("http://127.0.0.1:11434");
  });

  it("interpolates variables and defaults", async () => {
    const config = await load(
      `
endpoints:
  fast:
    provider: openai
    model: \${MODEL:-gpt-4o-mini}
    base_url: "http://\${HOST}:8000/v1"
    api_key: \${KEY}
    max_concurrent: \${MAX:-7}
    timeout: "\${TIMEOUT:-2}"
    weight: \${EMPTY:-4}
`,
      { HOST: "127.0.0.1", KEY: "sk-test", EMPTY: "" },
    );
    expect(config.aliases.get("fast")![0]).toMatchObject({
      model: "gpt-4o-mini",
      baseUrl: "http://127.0.0.1:8000/v1",
      apiKey: "sk-test",
      maxConcurrent: 7,
      timeoutMs: 2000,
      weight: 4,
    });
  });

  it("keeps $${ as a literal", async () => {
    const config = await load(
      "endpoints:\n  fast: {provider: simulated, model: 'a$${B}'}\n",
    );
    expect(config.aliases.get("fast")![0]!.model).toBe("a${B}");
  });

  it.each([
    ["openai", "OPENAI_API_KEY"],
    ["anthropic", "ANTHROPIC_API_KEY"],
  ])("takes the %s key from %s", async (provider, variable) => {
    const config = await load(
      `endpoints:\n  main: {provider: ${provider}, model: m}\n`,
      { [variable]: "sk-from-env" },
    );
    expect(config.aliases.get("main")![0]!.apiKey).toBe("sk-from-env");
  });

  it("leaves the key out for a local provider", async () => {
    const config = await load(
      "endpoints:\n  main: {provider: vllm, model: m, base_url: 'http://127.0.0.1:1/v1'}\n",
      { OPENAI_API_KEY: "sk-from-env" },
    );
    expect(config.aliases.get("main")![0]!.apiKey).toBeUndefined();
  });

  it.each([
    [
      "unknown key with a suggestion",
      "endpoints:\n  fast:\n    provider: simulated\n    max_concurent: 3\n",
      'resources.yaml:4:5: unknown key "max_concurent" in endpoints.fast. ' +
        'Did you mean "max_concurrent"?',
    ],
    [
      "unknown key with the valid keys",
      "endpoints:\n  fast: {provider: simulated}\nzzz: 1\n",
      'resources.yaml:3:1: unknown key "zzz" at the top level. Valid keys: endpoints, ' +
        "load_balance_strategy, max_total_concurrent, max_inflight_graphs, " +
        "result_cache_size, checkpoint_buffer_size.",
    ],
    [
      "concurrency of zero",
      "endpoints:\n  fast:\n    provider: simulated\n    max_concurrent: 0\n",
      "resources.yaml:4:21: endpoints.fast.max_concurrent must be a whole number from " +
        "1 to 100000, received 0.",
    ],
    [
      "a concurrency too large to allocate",
      "endpoints:\n  fast: {provider: simulated, max_concurrent: 1e12}\n",
      "resources.yaml:2:47: endpoints.fast.max_concurrent must be a whole number from " +
        "1 to 100000, received 1000000000000.",
    ],
    [
      "a password inside base_url",
      "endpoints:\n  fast: {provider: vllm, model: m, base_url: 'http://u:sk-x@127.0.0.1:1/v1'}\n",
      "resources.yaml:2:46: endpoint \"fast\" has a base_url with a user name or password in " +
        "it, which would reach logs and error messages. Put the secret in api_key instead.",
    ],
    [
      "fractional concurrency",
      "endpoints:\n  fast: {provider: simulated}\nmax_total_concurrent: 2.5\n",
      "resources.yaml:3:23: max_total_concurrent must be a whole number from 1 to 100000, " +
        "received 2.5.",
    ],
    [
      "wrong type",
      "endpoints:\n  fast: {provider: simulated, rate_limit: fast}\n",
      'resources.yaml:2:43: endpoints.fast.rate_limit must be a number greater than 0, ' +
        'received "fast".',
    ],
    [
      "misspelt provider",
      "endpoints:\n  fast: {provider: opneai, model: m}\n",
      "resources.yaml:2:20: endpoints.fast.provider must be one of openai, anthropic, " +
        'vllm, tgi, ollama, simulated, received "opneai". Did you mean "openai"?',
    ],
    [
      "missing provider",
      "endpoints:\n  fast: {model: m}\n",
      'resources.yaml:2:9: endpoints.fast.provider is missing. Add "provider:" with ' +
        "one of openai, anthropic, vllm, tgi, ollama, simulated.",
    ],
    [
      "error rate above 1",
      "endpoints:\n  sim: {provider: simulated, error_rate: 1.5}\n",
      "resources.yaml:2:42: endpoints.sim.error_rate must be a number from 0 to 1, " +
        "received 1.5.",
    ],
    [
      "bad strategy",
      "endpoints:\n  fast: {provider: simulated}\nload_balance_strategy: fastest\n",
      "resources.yaml:3:24: load_balance_strategy must be one of round_robin, " +
        'least_loaded, random, received "fastest".',
    ],
    [
      "missing endpoints",
      "max_total_concurrent: 4\n",
      'resources.yaml:1:1: endpoints is missing. Add "endpoints:" with a mapping from ' +
        "each alias to an endpoint or a list of endpoints.",
    ],
    [
      "empty endpoints",
      "endpoints: {}\n",
      "resources.yaml:1:12: endpoints is empty. Add at least one alias, like fast: " +
        "{provider: simulated}.",
    ],
    [
      "alias that is not a mapping",
      "endpoints:\n  fast: 3\n",
      "resources.yaml:2:9: endpoints.fast must be an endpoint mapping or a list of them, " +
        "received 3. Write it like fast: {provider: simulated}.",
    ],
    [
      "empty endpoint list",
      "endpoints:\n  fast: []\n",
      'resources.yaml:2:9: alias "fast" has an empty list of endpoints. Add at least one.',
    ],
    [
      "vllm without base_url",
      "endpoints:\n  big:\n    - {provider: vllm, model: llama}\n",
      'resources.yaml:3:7: endpoint "big[0]" uses provider vllm, which needs base_url. ' +
        'Add "base_url:" with the server address, like "http://127.0.0.1:8000/v1".',
    ],
    [
      "model missing",
      "endpoints:\n  fast: {provider: tgi, base_url: 'http://127.0.0.1:1'}\n",
      'resources.yaml:2:9: endpoint "fast" has no model. Add "model:" with the model name.',
    ],
    [
      "base_url that is not http",
      "endpoints:\n  fast: {provider: ollama, model: m, base_url: 'ftp://x'}\n",
      'resources.yaml:2:48: endpoint "fast" has base_url "ftp://x", which is not an ' +
        'http:// or https:// URL. Write it like "http://127.0.0.1:8000/v1".',
    ],
    [
      "simulated option on a real provider",
      "endpoints:\n  fast: {provider: ollama, model: m, latency_ms: 5}\n",
      'resources.yaml:2:50: endpoint "fast" sets latency_ms, which only the simulated ' +
        "provider reads. Remove latency_ms or set provider: simulated.",
    ],
    [
      "burst without a rate",
      "endpoints:\n  fast: {provider: simulated, rate_limit_burst: 5}\n",
      'resources.yaml:2:49: endpoint "fast" sets rate_limit_burst without rate_limit, ' +
        "so it has no effect. Add rate_limit (requests per second) or remove rate_limit_burst.",
    ],
    [
      "hosted provider without a key",
      "endpoints:\n  fast: {provider: anthropic, model: claude}\n",
      'resources.yaml:2:9: endpoint "fast" uses provider anthropic but has no API key. ' +
        "Set ANTHROPIC_API_KEY in the environment, or add api_key: ${ANTHROPIC_API_KEY}.",
    ],
    [
      "missing environment variable",
      "endpoints:\n  fast:\n    provider: simulated\n    model: ${MODEL_NAME}\n",
      "resources.yaml:4:12: environment variable MODEL_NAME is not set. Set MODEL_NAME, " +
        "or write ${MODEL_NAME:-default} to give a default.",
    ],
    [
      "malformed variable reference",
      "endpoints:\n  fast: {provider: simulated, model: 'x${1A}'}\n",
      "resources.yaml:2:40: ${1A} is not a valid variable reference. Write ${NAME} or " +
        "${NAME:-default}, or $${ for a literal ${.",
    ],
    [
      "bad YAML",
      "endpoints:\n  fast: {provider: simulated\n",
      "resources.yaml:3:1: invalid YAML: Flow map in block collection must be sufficiently indented and end with a }",
    ],
    [
      "an empty file",
      "",
      "resources.yaml: the resource file is empty",
    ],
  ])("rejects %s", async (_case, yaml, expected) => {
    expect(await loadErrors(yaml)).toEqual([expected]);
  });

  it("reports every problem at once", async () => {
    const lines = await loadErrors(`
endpoints:
  fast: {provider: simulated, max_concurrent: 0}
  slow: {provider: simulated, weight: -1}
max_inflight_graphs: 0
`);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain("endpoints.fast.max_concurrent");
    expect(lines[1]).toContain("endpoints.slow.weight");
    expect(lines[2]).toContain("max_inflight_graphs");
  });

  it("never shows an API key in a message", async () => {
    const lines = await loadErrors(
      "endpoints:\n  fast: {provider: openai, model: m, api_key: 12345678, oops: 1}\n",
    );
    expect(lines.join("\n")).not.toContain("12345678");
    expect(lines[0]).toContain("endpoints.fast.api_key must be a string, received a number (hidden).");
  });

  it("never shows an API key from a broken line", async () => {
    const lines = await loadErrors(
      "endpoints:\n  fast: {provider: openai, api_key: sk-secret-value, model: [}\n",
    );
    expect(lines.join("\n")).not.toContain("sk-secret-value");
  });

  it("reports a missing file", async () => {
    const dir = await writeTempFiles({});
    const file = path.join(dir, "absent.yaml");
    await expect(loadResources(file, {})).rejects.toThrow(
      `${file}: resource file not found. Check the path.`,
    );
  });

  it("keeps file, line and column in issues", async () => {
    const dir = await writeTempFiles({
      "r.yaml": "endpoints:\n  fast:\n    provider: simulated\n    max_concurrent: -2\n",
    });
    const error = (await loadResources(path.join(dir, "r.yaml"), {}).catch(
      (caught: unknown) => caught,
    )) as ConfigError;
    expect(error.issues).toEqual([
      {
        file: path.join(dir, "r.yaml"),
        line: 4,
        column: 21,
        key: "endpoints.fast.max_concurrent",
        message:
          "endpoints.fast.max_concurrent must be a whole number from 1 to 100000, received -2.",
      },
    ]);
  });
});

describe("loadResources for a dry run", () => {
  const openai = "endpoints:\n  smart:\n    provider: openai\n    model: gpt-4o-mini\n";

  it("accepts an unset key variable as an empty key", async () => {
    const dir = await writeTempFiles({
      "resources.yaml": openai + "    api_key: ${OPENAI_API_KEY}\n",
    });
    const file = path.join(dir, "resources.yaml");
    const config = await loadResources(file, {}, { isKeyOptional: true });
    expect(config.aliases.get("smart")?.[0]?.apiKey).toBe("");
  });

  it("accepts a hosted endpoint with no key at all", async () => {
    const dir = await writeTempFiles({ "resources.yaml": openai });
    const file = path.join(dir, "resources.yaml");
    const config = await loadResources(file, {}, { isKeyOptional: true });
    expect(config.aliases.get("smart")?.[0]?.apiKey).toBeUndefined();
  });

  it("still rejects other unset variables", async () => {
    const dir = await writeTempFiles({
      "resources.yaml": openai.replace("gpt-4o-mini", "${MODEL_NAME}"),
    });
    const file = path.join(dir, "resources.yaml");
    const loading = loadResources(file, { OPENAI_API_KEY: "sk-test" }, { isKeyOptional: true });
    await expect(loading).rejects.toThrow("environment variable MODEL_NAME is not set");
  });
});
