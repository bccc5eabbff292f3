// B1: scheduler overhead. 200,000 records through two LLM nodes and one
// template on the simulated provider with zero latency, so every
// millisecond is plait's own: reading, scheduling, checkpointing, writing.
// Figure: LLM nodes finished per second of wall time, on one core.
import path from "node:path";
import { Figures } from "./lib/figures.mjs";
import { makeTempDir } from "./lib/paths.mjs";
import { assertRunOk, hasTaskset, readResults, requireBuild, runPlait } from "./lib/run-plait.mjs";
import { ticketRecord, writeRecords, writeSchedulerFiles } from "./lib/workloads.mjs";

const RECORDS = Number(process.env.B1_RECORDS ?? 200_000);
const LLM_NODES_PER_RECORD = 2;
const TARGET_NODES_PER_SECOND = 30_000;

export async function main() {
  requireBuild();
  const figures = new Figures("b1-scheduler-overhead");
  const dir = makeTempDir("b1");
  const { pipeline, resources } = writeSchedulerFiles(dir);
  const input = await writeRecords(path.join(dir, "input.jsonl"), RECORDS, ticketRecord);
  const isOneCore = hasTaskset();
  figures.note(
    isOneCore
      ? "pinned to CPU 0 with taskset -c 0"
      : "taskset not found: the run may use more than one core",
  );
  const result = await runPlait(
    [
      "run", pipeline, "--resources", resources, "--input", input,
      "--runs-dir", path.join(dir, "runs"), "--progress", "none", "--json",
    ],
    { isOneCore, timeFile: path.join(dir, "time.txt") },
  );
  assertRunOk(result, "B1 run");
  const { metrics, runDir } = result.summary;
  const llmNodes = RECORDS * LLM_NODES_PER_RECORD;
  const wallSeconds = result.wallMs / 1000;
  const runSeconds = metrics.elapsedMs / 1000;
  figures.atLeast("b1.llm_nodes_per_s", llmNodes / wallSeconds, TARGET_NODES_PER_SECOND);
  figures.note(
    `${RECORDS.toLocaleString("en-US")} records, ${llmNodes.toLocaleString("en-US")} LLM ` +
      `nodes in ${wallSeconds.toFixed(2)} s of process wall time ` +
      `(${runSeconds.toFixed(2)} s inside the run: ` +
      `${Math.round(llmNodes / runSeconds).toLocaleString("en-US")} /s); ` +
      `peak RSS ${Math.round((result.maxRssKb ?? 0) / 1024)} MB`,
  );
  const results = readResults(path.join(runDir, "results.jsonl"));
  figures.atMost("b1.results_lines_per_record", results.lines / RECORDS, 1);
  if (results.lines !== RECORDS) {
    figures.note(
      `results.jsonl holds ${results.lines} lines for ${results.distinct} distinct ids ` +
        `(${results.duplicates} duplicates)`,
    );
  }
  figures.raw = {
    records: RECORDS,
    llmNodes,
    isOneCore,
    wallMs: result.wallMs,
    runElapsedMs: metrics.elapsedMs,
    maxRssKb: result.maxRssKb,
    totals: result.summary.totals,
    results,
    tempDir: dir,
  };
  return figures.finish();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
