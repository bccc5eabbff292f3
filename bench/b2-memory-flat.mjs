// B2: memory stays flat. The B1 workload at 100,000 and at 1,000,000
// records: records stream through a window of max_inflight_graphs, so
// peak RSS should not grow with the input. Each figure is the median of
// B2_REPEATS runs (default 3).
import path from "node:path";
import { Figures } from "./lib/figures.mjs";
import { makeTempDir } from "./lib/paths.mjs";
import { assertRunOk, readResults, requireBuild, runPlait } from "./lib/run-plait.mjs";
import { ticketRecord, writeRecords, writeSchedulerFiles } from "./lib/workloads.mjs";

const SMALL = Number(process.env.B2_SMALL ?? 100_000);
const LARGE = Number(process.env.B2_LARGE ?? 1_000_000);
const MAX_RSS_MB = 200;
const MAX_RATIO = 1.1;
// Peak RSS moves by several MB between identical runs with the timing of
// garbage collection, so each size runs this many times and the median counts.
const REPEATS = Number(process.env.B2_REPEATS ?? 3);

async function measure(dir, pipeline, resources, records) {
  const input = await writeRecords(path.join(dir, `input-${records}.jsonl`), records, ticketRecord);
  const runs = [];
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    const result = await runPlait(
      [
        "run", pipeline, "--resources", resources, "--input", input,
        "--runs-dir", path.join(dir, `runs-${records}-${repeat}`), "--progress", "none", "--json",
      ],
      { timeFile: path.join(dir, `time-${records}-${repeat}.txt`) },
    );
    assertRunOk(result, `B2 run of ${records} records`);
    if (result.maxRssKb === undefined) throw new Error("B2 needs GNU time (/usr/bin/time -v)");
    const results = readResults(path.join(result.summary.runDir, "results.jsonl"));
    runs.push({ maxRssKb: result.maxRssKb, wallMs: result.wallMs, results });
  }
  const sorted = [...runs].sort((a, b) => a.maxRssKb - b.maxRssKb);
  const median = sorted[Math.floor(sorted.length / 2)];
  return { records, maxRssKb: median.maxRssKb, wallMs: median.wallMs, results: median.results, runs };
}

export async function main() {
  requireBuild();
  const figures = new Figures("b2-memory-flat");
  const dir = makeTempDir("b2");
  const { pipeline, resources } = writeSchedulerFiles(dir);
  const small = await measure(dir, pipeline, resources, SMALL);
  const large = await measure(dir, pipeline, resources, LARGE);
  const smallMb = small.maxRssKb / 1024;
  const largeMb = large.maxRssKb / 1024;
  figures.atMost(`b2.peak_rss_mb_${SMALL}`, smallMb, MAX_RSS_MB, 0);
  figures.atMost(`b2.peak_rss_mb_${LARGE}`, largeMb, MAX_RSS_MB, 0);
  figures.atMost("b2.rss_ratio", largeMb / smallMb, MAX_RATIO);
  for (const run of [small, large]) {
    figures.note(
      `${run.records.toLocaleString("en-US")} records: ${(run.wallMs / 1000).toFixed(1)} s, ` +
        `${run.results.lines.toLocaleString("en-US")} result lines, peak RSS of each run ` +
        run.runs.map((each) => (each.maxRssKb / 1024).toFixed(0)).join(" / ") + " MB",
    );
  }
  figures.raw = { small, large, tempDir: dir };
  return figures.finish();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
