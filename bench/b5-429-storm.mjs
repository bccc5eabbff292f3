// B5: 429 storm. The mock server admits 20 requests in any 1 s window and
// answers 429 with Retry-After beyond that, while the endpoint is
// configured with rate_limit 100: plait must find the real rate from the
// 429s. Figures: successful calls per second / 20, and records failed.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { Figures } from "./lib/figures.mjs";
import { StatsPoller, startMock } from "./lib/mock.mjs";
import { makeTempDir } from "./lib/paths.mjs";
import { readResults, requireBuild, runPlait } from "./lib/run-plait.mjs";
import { fanOutPipeline, mockEndpoint, ticketRecord, writeRecords } from "./lib/workloads.mjs";

export const B5 = {
  records: Number(process.env.B5_RECORDS ?? 150),
  callsPerRecord: 3,
  serverRatePerSecond: 20,
  configuredRateLimit: 100,
  latencyMs: 50,
  maxConcurrent: 64,
  maxInflightGraphs: 256,
  /** Default max_retries is 3; 429s do not spend retries in plait, so the default stays. */
};

/** Runs the B5 workload once and returns its raw numbers; B6 reuses it. */
export async function runStorm() {
  const dir = makeTempDir("b5");
  const mock = await startMock([
    "--latency", String(B5.latencyMs), "--rate-limit", String(B5.serverRatePerSecond),
  ]);
  try {
    const pipeline = path.join(dir, "pipeline.yaml");
    writeFileSync(pipeline, fanOutPipeline("main"));
    const resources = path.join(dir, "resources.yaml");
    writeFileSync(
      resources,
      [
        "endpoints:",
        mockEndpoint("main", mock.url, "bench-main", {
          max_concurrent: B5.maxConcurrent,
          rate_limit: B5.configuredRateLimit,
        }),
        `max_inflight_graphs: ${B5.maxInflightGraphs}`,
        "",
      ].join("\n"),
    );
    const input = await writeRecords(path.join(dir, "input.jsonl"), B5.records, ticketRecord);
    const poller = new StatsPoller(mock, 50).start();
    const result = await runPlait([
      "run", pipeline, "--resources", resources, "--input", input,
      "--runs-dir", path.join(dir, "runs"), "--progress", "none", "--json",
    ]);
    await poller.stop();
    if (result.summary === null) {
      throw new Error(`B5 run printed no summary (exit ${result.code}):\n${result.stderr}`);
    }
    const stats = await mock.stats();
    const firstMs = poller.firstRequestAtMs();
    const lastMs = poller.lastSuccessAtMs() ?? firstMs;
    const makespanMs = lastMs - firstMs;
    return {
      calls: B5.records * B5.callsPerRecord,
      successes: stats.successes,
      makespanMs,
      successesPerSecond: stats.successes / (makespanMs / 1000),
      recordsFailed: result.summary.totals.failed,
      exitCode: result.code,
      stats,
      plaitTotals: result.summary.metrics.total,
      results: readResults(path.join(result.summary.runDir, "results.jsonl")),
      tempDir: dir,
    };
  } finally {
    await mock.stop();
  }
}

export async function main() {
  requireBuild();
  const figures = new Figures("b5-429-storm");
  const run = await runStorm();
  figures.atLeast("b5.success_rate_share", run.successesPerSecond / B5.serverRatePerSecond, 0.9);
  figures.atMost("b5.records_failed", run.recordsFailed, 0, 0);
  figures.note(
    `${run.successes} successes in ${(run.makespanMs / 1000).toFixed(2)} s at the server ` +
      `(${run.successesPerSecond.toFixed(1)} /s); 429s sent ${run.stats.rateLimited.total}; ` +
      `plait counted ${run.plaitTotals.rateLimited} rate limited, ` +
      `${run.plaitTotals.retries} retries`,
  );
  figures.raw = run;
  return figures.finish();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
