// B3: saturation. 2,000 records of a -> (b, c) against `plait mock-server`
// over loopback HTTP, 100 ms +/- 50 ms a call, one alias with
// max_concurrent 64. Ideal makespan = calls x mean latency / 64; the
// figure is ideal / measured, with the makespan timed at the server: from
// its first request to its last reply.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { Figures } from "./lib/figures.mjs";
import { StatsPoller, startMock } from "./lib/mock.mjs";
import { makeTempDir } from "./lib/paths.mjs";
import { assertRunOk, readResults, requireBuild, runPlait } from "./lib/run-plait.mjs";
import { fanOutPipeline, mockEndpoint, ticketRecord, writeRecords } from "./lib/workloads.mjs";

export const B3 = {
  records: Number(process.env.B3_RECORDS ?? 2_000),
  callsPerRecord: 3,
  latencyMs: 100,
  jitterMs: 50,
  maxConcurrent: 64,
  /** Enough records in flight that 64 slots never starve between a record's stages. */
  maxInflightGraphs: 256,
};

/** Runs the B3 workload once and returns its raw numbers; B6 reuses it. */
export async function runSaturation() {
  const dir = makeTempDir("b3");
  // No --max-concurrent on the server: a client that sends too many is
  // seen in peakConcurrency (B6) instead of being turned away.
  const mock = await startMock(["--latency", String(B3.latencyMs), "--jitter", String(B3.jitterMs)]);
  try {
    const pipeline = path.join(dir, "pipeline.yaml");
    writeFileSync(pipeline, fanOutPipeline("main"));
    const resources = path.join(dir, "resources.yaml");
    writeFileSync(
      resources,
      [
        "endpoints:",
        mockEndpoint("main", mock.url, "bench-main", { max_concurrent: B3.maxConcurrent }),
        `max_inflight_graphs: ${B3.maxInflightGraphs}`,
        "",
      ].join("\n"),
    );
    const input = await writeRecords(path.join(dir, "input.jsonl"), B3.records, ticketRecord);
    const poller = new StatsPoller(mock).start();
    const result = await runPlait([
      "run", pipeline, "--resources", resources, "--input", input,
      "--runs-dir", path.join(dir, "runs"), "--progress", "none", "--json",
    ]);
    await poller.stop();
    assertRunOk(result, "B3 run");
    const stats = await mock.stats();
    const calls = B3.records * B3.callsPerRecord;
    const makespanMs = poller.reachedAtMs(calls) - poller.firstRequestAtMs();
    const idealMs = (calls * B3.latencyMs) / B3.maxConcurrent;
    return {
      calls,
      idealMs,
      makespanMs,
      runElapsedMs: result.summary.metrics.elapsedMs,
      wallMs: result.wallMs,
      stats,
      results: readResults(path.join(result.summary.runDir, "results.jsonl")),
      tempDir: dir,
    };
  } finally {
    await mock.stop();
  }
}

export async function main() {
  requireBuild();
  const figures = new Figures("b3-saturation");
  const run = await runSaturation();
  figures.atLeast("b3.saturation", run.idealMs / run.makespanMs, 0.95);
  figures.note(
    `${run.calls} calls: ideal ${(run.idealMs / 1000).toFixed(2)} s, measured at the server ` +
      `${(run.makespanMs / 1000).toFixed(2)} s (run's own clock ` +
      `${(run.runElapsedMs / 1000).toFixed(2)} s, process ${(run.wallMs / 1000).toFixed(2)} s); ` +
      `server peak concurrency ${run.stats.peakConcurrency}, 429s ${run.stats.rateLimited.total}`,
  );
  figures.raw = run;
  return figures.finish();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
