// B4: no head-of-line blocking. Two aliases, each on its own mock server
// so that the server counts each one apart: `slow` (2 s a call,
// max_concurrent 4) and `fast` (50 ms, max_concurrent 64). Records
// alternate between them, so half the records use `slow`. Slow calls
// drain at 2 a second, so the run is stopped once every fast call is
// answered (or at a deadline); the figure is fast calls per second / the
// ideal 64 / 50 ms, timed at the fast server.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { Figures } from "./lib/figures.mjs";
import { StatsPoller, startMock } from "./lib/mock.mjs";
import { makeTempDir } from "./lib/paths.mjs";
import { requireBuild, runPlait } from "./lib/run-plait.mjs";
import { mockEndpoint, splitRecord, writeRecords } from "./lib/workloads.mjs";

export const B4 = {
  records: Number(process.env.B4_RECORDS ?? 6_000),
  slow: { latencyMs: 2000, maxConcurrent: 4 },
  fast: { latencyMs: 50, maxConcurrent: 64 },
  /** The window B1 uses, for the comparison run; the measured run's window covers the input. */
  maxInflightGraphs: 1_000,
  deadlineMs: 30_000,
};

/** One call per record, to `slow` or `fast` as the record's lists say. */
export function splitPipeline() {
  return [
    "name: bench-split",
    "input: [text, slow, fast]",
    "nodes:",
    "  s:",
    "    llm: slow",
    '    foreach: "{{ input.slow }}"',
    '    prompt: "Review carefully: {{ item }}"',
    "    max_tokens: 40",
    "  f:",
    "    llm: fast",
    '    foreach: "{{ input.fast }}"',
    '    prompt: "Label: {{ item }}"',
    "    max_tokens: 20",
    "outputs:",
    '  s: "{{ s }}"',
    '  f: "{{ f }}"',
    "",
  ].join("\n");
}

async function runSplit(dir, input, maxInflightGraphs) {
  const slow = await startMock([
    "--latency", String(B4.slow.latencyMs), "--max-concurrent", String(B4.slow.maxConcurrent),
  ]);
  const fast = await startMock([
    "--latency", String(B4.fast.latencyMs), "--max-concurrent", String(B4.fast.maxConcurrent),
  ]);
  try {
    const pipeline = path.join(dir, "pipeline.yaml");
    writeFileSync(pipeline, splitPipeline());
    const resources = path.join(dir, `resources-${maxInflightGraphs}.yaml`);
    writeFileSync(
      resources,
      [
        "endpoints:",
        mockEndpoint("slow", slow.url, "bench-slow", { max_concurrent: B4.slow.maxConcurrent }),
        mockEndpoint("fast", fast.url, "bench-fast", { max_concurrent: B4.fast.maxConcurrent }),
        `max_inflight_graphs: ${maxInflightGraphs}`,
        "",
      ].join("\n"),
    );
    const fastCalls = Math.floor(B4.records / 2);
    const poller = new StatsPoller(fast).start();
    let child;
    const running = runPlait(
      [
        "run", pipeline, "--resources", resources, "--input", input,
        "--runs-dir", path.join(dir, `runs-${maxInflightGraphs}`), "--progress", "none",
      ],
      { onSpawn: (spawned) => (child = spawned) },
    );
    const startedAt = performance.now();
    while (performance.now() - startedAt < B4.deadlineMs) {
      const last = poller.samples.at(-1);
      if (last !== undefined && last.successes >= fastCalls) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // The slow backlog would take many minutes; its calls are not measured.
    child.kill("SIGKILL");
    await running;
    await poller.stop();
    const fastStats = await fast.stats();
    const slowStats = await slow.stats();
    const firstMs = poller.firstRequestAtMs();
    const doneMs = poller.reachedAtMs(fastCalls) ?? poller.samples.at(-1).atMs;
    const fastDone = Math.min(fastCalls, poller.successesAt(doneMs));
    const ratePerSecond = fastDone / ((doneMs - firstMs) / 1000);
    const idealPerSecond = (B4.fast.maxConcurrent * 1000) / B4.fast.latencyMs;
    return {
      maxInflightGraphs,
      fastCalls,
      fastDone,
      elapsedMs: doneMs - firstMs,
      ratePerSecond,
      idealPerSecond,
      share: ratePerSecond / idealPerSecond,
      fastStats,
      slowStats,
    };
  } finally {
    await Promise.all([slow.stop(), fast.stop()]);
  }
}

function describe(run) {
  return (
    `max_inflight_graphs ${run.maxInflightGraphs}: ${run.fastDone} of ${run.fastCalls} fast ` +
    `calls in ${(run.elapsedMs / 1000).toFixed(2)} s = ${run.ratePerSecond.toFixed(0)} /s ` +
    `(ideal ${run.idealPerSecond} /s); fast 429s ${run.fastStats.rateLimited.total}, ` +
    `slow peak concurrency ${run.slowStats.peakConcurrency}, slow 429s ` +
    `${run.slowStats.rateLimited.total}`
  );
}

export async function main() {
  requireBuild();
  const figures = new Figures("b4-head-of-line");
  const dir = makeTempDir("b4");
  const input = await writeRecords(path.join(dir, "input.jsonl"), B4.records, splitRecord);
  // The figure is about the scheduler: with a window that holds the slow
  // backlog, a saturated `slow` must not hold up calls to `fast`. With a
  // window smaller than that backlog, admission itself must wait for slow
  // records to finish (max_inflight_graphs bounds records in flight), so
  // that run is shown for comparison only.
  const open = await runSplit(dir, input, B4.records);
  figures.atLeast("b4.fast_rate_share", open.share, 0.9);
  figures.note(describe(open));
  const windowed = await runSplit(dir, input, B4.maxInflightGraphs);
  figures.note(`for comparison, ${describe(windowed)} (share ${windowed.share.toFixed(2)})`);
  figures.raw = { windowed, open, tempDir: dir };
  return figures.finish();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
