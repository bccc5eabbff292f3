import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import licenses from "spdx-license-list/full.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MockServer, type MockStats, startMockServer } from "../../src/mock-server/index.js";
import type { RunMetrics } from "../../src/report/types.js";
import { type CliResult, REPO_ROOT, runCli } from "../support/run-cli.js";
import { makeTempDir } from "../support/temp-dir.js";

/*
 * Runs the license-triage example over every SPDX license through the real
 * openai SDK, against two mock servers on loopback: one serves the alias
 * fast and one serves smart. Separate servers give each alias its own
 * usage counters, which is what pricing its calls from /stats needs.
 */

const PIPELINE = path.join(REPO_ROOT, "pipelines/license-triage.yaml");
const BUILD_SCRIPT = path.join(REPO_ROOT, "scripts/build-license-data.mjs");
const CLASSES = ["permissive", "weak copyleft", "strong copyleft", "other"];
const MAX_CONCURRENT = 16;

/** US dollars per million tokens, as written into the resource file. */
interface Prices {
  input: number;
  cachedInput: number;
  output: number;
}

const PRICES: Record<"fast" | "smart", Prices> = {
  fast: { input: 0.15, cachedInput: 0.075, output: 0.6 },
  smart: { input: 2.5, cachedInput: 1.25, output: 10 },
};

/** What `plait run --json` prints on stdout. */
interface RunSummary {
  runId: string;
  runDir: string;
  totals: { read: number; succeeded: number; failed: number; interrupted: number };
  metrics: RunMetrics;
}

interface ResultLine {
  id: string;
  output: { id: string; name: string; class: string; note: string };
}

function endpointYaml(alias: "fast" | "smart", model: string, server: MockServer): string {
  const prices = PRICES[alias];
  return [
    `  ${alias}:`,
    "    provider: openai",
    `    model: ${model}`,
    `    base_url: ${server.url}/v1`,
    "    api_key: sk-test",
    `    max_concurrent: ${MAX_CONCURRENT}`,
    "    timeout: 30",
    `    input_cost_per_1m: ${prices.input}`,
    `    cached_input_cost_per_1m: ${prices.cachedInput}`,
    `    output_cost_per_1m: ${prices.output}`,
  ].join("\n");
}

/**
 * Prices the server's token counts the way OpenAI bills them. OpenAI reports
 * no cache writes and bills them as plain input, so every prompt token that
 * was not read from the cache costs the input price.
 */
function priceUsage(stats: MockStats, prices: Prices): number {
  const usage = stats.usage.total;
  const uncachedTokens = usage.promptTokens - usage.cachedTokens;
  const costPer1m =
    uncachedTokens * prices.input +
    usage.cachedTokens * prices.cachedInput +
    usage.completionTokens * prices.output;
  return costPer1m / 1_000_000;
}

async function fetchStats(server: MockServer): Promise<MockStats> {
  const response = await fetch(`${server.url}/stats`);
  expect(response.status).toBe(200);
  return (await response.json()) as MockStats;
}

/** Parses the --json summary, or fails with what the run printed on stderr. */
function parseSummary(result: CliResult): RunSummary {
  try {
    return JSON.parse(result.stdout) as RunSummary;
  } catch {
    throw new Error(
      `plait run exited with ${result.exitCode ?? result.signal} and no JSON summary:\n` +
        result.stderr,
    );
  }
}

async function readJsonLines<T>(file: string): Promise<T[]> {
  const text = await readFile(file, "utf8");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as T);
}

describe("license-triage over every SPDX license", () => {
  let dir: string;
  let fastServer: MockServer;
  let smartServer: MockServer;
  let inputIds: string[];
  let buildOutput: string;
  let runResult: CliResult;
  let summary: RunSummary;
  let results: ResultLine[];
  let fastStats: MockStats;
  let smartStats: MockStats;

  beforeAll(async () => {
    dir = await makeTempDir("plait-licenses-");
    const input = path.join(dir, "licenses.jsonl");
    const build = await promisify(execFile)(process.execPath, [BUILD_SCRIPT, input], {
      cwd: dir,
    });
    buildOutput = build.stdout;
    inputIds = (await readJsonLines<{ id: string }>(input)).map((record) => record.id);

    // A low cache threshold makes the servers report cached prompt tokens
    // for the repeated system prompts, so the cached price is exercised.
    const serverOptions = { port: 0, latencyMs: 20, jitterMs: 10, promptCacheMinTokens: 8 };
    fastServer = await startMockServer(serverOptions);
    smartServer = await startMockServer(serverOptions);
    const resources = path.join(dir, "resources.yaml");
    await writeFile(
      resources,
      [
        "endpoints:",
        endpointYaml("fast", "gpt-4o-mini", fastServer),
        endpointYaml("smart", "gpt-4o", smartServer),
        `max_total_concurrent: ${2 * MAX_CONCURRENT}`,
        // Enough records in flight to keep the slots of fast full.
        "max_inflight_graphs: 64",
        "",
      ].join("\n"),
    );

    runResult = await runCli(
      [
        "run", PIPELINE,
        "--resources", resources,
        "--input", input,
        "--runs-dir", path.join(dir, "runs"),
        "--progress", "none",
        "--json",
      ],
      { cwd: dir, timeoutMs: 50_000 },
    );
    summary = parseSummary(runResult);
    results = await readJsonLines<ResultLine>(path.join(summary.runDir, "results.jsonl"));
    fastStats = await fetchStats(fastServer);
    smartStats = await fetchStats(smartServer);
  }, 60_000);

  afterAll(async () => {
    await fastServer?.close();
    await smartServer?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("builds a record for every license", () => {
    const count = Object.keys(licenses).length;
    expect(count).toBeGreaterThan(500);
    expect(inputIds).toHaveLength(count);
    expect(new Set(inputIds).size).toBe(count);
    expect(buildOutput).toMatch(new RegExp(`^wrote ${count} licenses to .*licenses\\.jsonl\n$`));
  });

  it("exits 0 with every record done", () => {
    expect(runResult.stderr).not.toMatch(/internal error/);
    expect(runResult.exitCode).toBe(0);
    expect(summary.totals.read).toBe(inputIds.length);
    expect(summary.totals.succeeded).toBe(inputIds.length);
    expect(summary.totals.failed).toBe(0);
    expect(summary.totals.interrupted).toBe(0);
  });

  it("writes one result per license", async () => {
    expect(results).toHaveLength(inputIds.length);
    const resultIds = results.map((result) => result.id);
    expect(new Set(resultIds).size).toBe(resultIds.length);
    expect([...resultIds].sort()).toEqual([...inputIds].sort());
    const errors = await readFile(path.join(summary.runDir, "errors.jsonl"), "utf8");
    expect(errors).toBe("");
  });

  it("fills every output field", () => {
    for (const result of results) {
      expect(result.output.id).toBe(result.id);
      expect(result.output.name).toBe(licenses[result.id]?.name);
      expect(CLASSES).toContain(result.output.class);
      expect(typeof result.output.note).toBe("string");
      expect(result.output.note).not.toBe("");
    }
  });

  it("counts the tokens each server reported", () => {
    for (const [alias, stats] of [["fast", fastStats], ["smart", smartStats]] as const) {
      const metrics = summary.metrics.aliases[alias]!;
      expect(metrics.inputTokens).toBe(stats.usage.total.promptTokens);
      expect(metrics.cachedInputTokens).toBe(stats.usage.total.cachedTokens);
      expect(metrics.outputTokens).toBe(stats.usage.total.completionTokens);
      expect(metrics.unknownUsageCalls).toBe(0);
    }
    expect(fastStats.usage.total.cachedTokens).toBeGreaterThan(0);
    expect(smartStats.usage.total.cachedTokens).toBeGreaterThan(0);
  });

  it("prices the server's usage", () => {
    const fastUsd = priceUsage(fastStats, PRICES.fast);
    const smartUsd = priceUsage(smartStats, PRICES.smart);
    expect(fastUsd).toBeGreaterThan(0);
    expect(smartUsd).toBeGreaterThan(0);
    // toBeCloseTo(x, 8) allows a difference below 5e-9 US dollars.
    expect(summary.metrics.aliases["fast"]!.costUsd).toBeCloseTo(fastUsd, 8);
    expect(summary.metrics.aliases["smart"]!.costUsd).toBeCloseTo(smartUsd, 8);
    expect(summary.metrics.costUsd).toBeCloseTo(fastUsd + smartUsd, 8);
  });

  it("keeps each server within max_concurrent", () => {
    expect(fastStats.peakConcurrency).toBeLessThanOrEqual(MAX_CONCURRENT);
    expect(smartStats.peakConcurrency).toBeLessThanOrEqual(MAX_CONCURRENT);
    // The cap was reached, so the check above tested it.
    expect(fastStats.peakConcurrency).toBe(MAX_CONCURRENT);
    expect(fastStats.rateLimited.total).toBe(0);
    expect(smartStats.rateLimited.total).toBe(0);
  });

  it("sends every call through the SDK", () => {
    const calls = inputIds.length;
    const fast = summary.metrics.aliases["fast"]!;
    const smart = summary.metrics.aliases["smart"]!;
    // A call that plait's result cache answers (an identical call at
    // temperature 0) does not reach a server.
    expect(fastStats.successes + fast.cacheHits).toBe(2 * calls);
    expect(smartStats.successes + smart.cacheHits).toBe(calls);
    expect(fastStats.requests.byModel).toEqual({ "gpt-4o-mini": fastStats.successes });
    expect(smartStats.requests.byModel).toEqual({ "gpt-4o": smartStats.successes });
    expect(fastStats.requests.byRoute.openai).toBe(fastStats.requests.total);
  });
});
