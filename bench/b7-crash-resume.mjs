// B7: crash and resume. 5,000 records of a -> (b, c), SIGKILLed at 10
// random moments and resumed with `--resume RUN_ID` after each, then
// compared with an uninterrupted run.
//
// Counting nodes run again: the `simulated` provider runs inside the
// process that is killed, so no count of its calls survives a SIGKILL,
// and metrics.json is only rewritten every 2 s. So the series is run
// twice. On `simulated` (the specified workload) it checks that the
// final results equal the uninterrupted run's and that no record is
// written twice. Bound to `plait mock-server` (same shape, latency and
// limits), the server counts every reply it sent across all attempts;
// replies beyond the uninterrupted run's count are nodes that ran again.
// That count is an upper bound on lost checkpoint lines, because it also
// includes replies that were on the wire when the kill landed.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Figures } from "./lib/figures.mjs";
import { startMock } from "./lib/mock.mjs";
import { makeTempDir } from "./lib/paths.mjs";
import { assertRunOk, requireBuild, runPlait } from "./lib/run-plait.mjs";
import { fanOutPipeline, mockEndpoint, ticketRecord, writeRecords } from "./lib/workloads.mjs";

const RECORDS = Number(process.env.B7_RECORDS ?? 5_000);
const KILLS = Number(process.env.B7_KILLS ?? 10);
const CALLS_PER_RECORD = 3;
const CHECKPOINT_BUFFER_SIZE = 10;
const LATENCY_MS = 40;
const JITTER_MS = 20;
const MAX_CONCURRENT = 64;
/** Kill moments are drawn from this range after the attempt's first checkpoint line. */
const KILL_AFTER_MS = [0, 800];

function simulatedResources() {
  return [
    "endpoints:",
    "  main:",
    "    provider: simulated",
    `    latency_ms: ${LATENCY_MS}`,
    `    jitter_ms: ${JITTER_MS}`,
    `    max_concurrent: ${MAX_CONCURRENT}`,
    "max_inflight_graphs: 256",
    `checkpoint_buffer_size: ${CHECKPOINT_BUFFER_SIZE}`,
    "",
  ].join("\n");
}

function mockResources(url) {
  return [
    "endpoints:",
    mockEndpoint("main", url, "bench-main", { max_concurrent: MAX_CONCURRENT }),
    "max_inflight_graphs: 256",
    `checkpoint_buffer_size: ${CHECKPOINT_BUFFER_SIZE}`,
    "",
  ].join("\n");
}

/** Results by id, with the number of lines each id has. */
function loadResults(file) {
  const byId = new Map();
  let duplicates = 0;
  for (const text of readFileSync(file, "utf8").split("\n")) {
    if (text === "") continue;
    const line = JSON.parse(text);
    if (byId.has(line.id)) duplicates++;
    byId.set(line.id, JSON.stringify(line.output));
  }
  return { byId, duplicates };
}

/** (record, node) pairs that appear on more than one checkpoint line. */
function countRepeatedCheckpointLines(file) {
  const seen = new Set();
  let repeated = 0;
  for (const text of readFileSync(file, "utf8").split("\n")) {
    if (text === "") continue;
    let line;
    try {
      line = JSON.parse(text);
    } catch {
      continue;
    }
    const key = `${line.r}\u0000${line.n}`;
    if (seen.has(key)) repeated++;
    seen.add(key);
  }
  return repeated;
}

function sameResults(a, b) {
  if (a.size !== b.size) return false;
  for (const [id, output] of a) if (b.get(id) !== output) return false;
  return true;
}

/** Runs once uninterrupted, then once with kills and resumes; compares the two. */
async function runSeries(dir, label, resources, input, pipeline) {
  const baseline = await runPlait([
    "run", pipeline, "--resources", resources, "--input", input,
    "--runs-dir", path.join(dir, `${label}-baseline`), "--progress", "none", "--json",
  ]);
  assertRunOk(baseline, `B7 ${label} uninterrupted run`);
  const expected = loadResults(path.join(baseline.summary.runDir, "results.jsonl"));

  const runsDir = path.join(dir, `${label}-killed`);
  let runId;
  let kills = 0;
  let attempts = 0;
  let final;
  for (;;) {
    attempts++;
    const resume = runId === undefined ? [] : ["--resume", runId];
    const args = [
      "run", pipeline, "--resources", resources,
      ...(runId === undefined ? ["--input", input] : []), ...resume,
      "--runs-dir", runsDir, "--progress", "none", "--json",
    ];
    const isKilled = kills < KILLS;
    const [low, high] = KILL_AFTER_MS;
    const killAfterMs = low + Math.random() * (high - low);
    let child;
    const running = runPlait(args, { onSpawn: (spawned) => (child = spawned) });
    let isExited = false;
    running.then(() => (isExited = true));
    if (isKilled) {
      // Kill during work, not during start-up: wait for a checkpoint line first.
      while (!isExited && !hasCheckpointLine(runsDir, runId)) await sleep(10);
      await sleep(killAfterMs);
      if (!isExited) child.kill("SIGKILL");
    }
    const result = await running;
    runId ??= findRunId(runsDir);
    if (result.signal === "SIGKILL") {
      kills++;
      continue;
    }
    assertRunOk(result, `B7 ${label} attempt ${attempts}`);
    final = result;
    break;
  }
  const runDir = final.summary.runDir;
  const got = loadResults(path.join(runDir, "results.jsonl"));
  return {
    kills,
    attempts,
    isEqual: sameResults(expected.byId, got.byId),
    duplicates: got.duplicates,
    repeatedCheckpointLines: countRepeatedCheckpointLines(path.join(runDir, "checkpoint.jsonl")),
    records: got.byId.size,
  };
}

function findRunId(runsDir) {
  const ids = readdirSync(runsDir).filter((name) => !name.startsWith("."));
  if (ids.length !== 1) throw new Error(`expected one run folder in ${runsDir}, found ${ids}`);
  return ids[0];
}

/** True once the run's checkpoint.jsonl holds data; `runId` is unknown on the first attempt. */
function hasCheckpointLine(runsDir, runId) {
  if (!existsSync(runsDir)) return false;
  const ids = runId === undefined ? readdirSync(runsDir) : [runId];
  return ids.some((id) => {
    const file = path.join(runsDir, id, "checkpoint.jsonl");
    return existsSync(file) && statSync(file).size > 0;
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function main() {
  requireBuild();
  const figures = new Figures("b7-crash-resume");
  const dir = makeTempDir("b7");
  const input = await writeRecords(path.join(dir, "input.jsonl"), RECORDS, ticketRecord);
  const pipeline = path.join(dir, "pipeline.yaml");
  writeFileSync(pipeline, fanOutPipeline("main"));

  const simulatedFile = path.join(dir, "simulated.yaml");
  writeFileSync(simulatedFile, simulatedResources());
  const simulated = await runSeries(dir, "simulated", simulatedFile, input, pipeline);
  figures.holds("b7.results_equal", simulated.isEqual, "equal to the uninterrupted run");
  figures.atMost("b7.duplicate_records", simulated.duplicates, 0, 0);
  figures.atMost("b7.repeated_checkpoint_lines", simulated.repeatedCheckpointLines, 0, 0);
  figures.note(
    `simulated: ${simulated.kills} kills, ${simulated.attempts} attempts, ` +
      `${simulated.records} records in results.jsonl`,
  );

  const mock = await startMock(["--latency", String(LATENCY_MS), "--jitter", String(JITTER_MS)]);
  let overMock;
  let extraReplies;
  try {
    const mockFile = path.join(dir, "mock.yaml");
    writeFileSync(mockFile, mockResources(mock.url));
    await mock.reset();
    // runSeries starts with the uninterrupted run, so read the server in between.
    const baselineCalls = RECORDS * CALLS_PER_RECORD;
    overMock = await runSeries(dir, "mock", mockFile, input, pipeline);
    const stats = await mock.stats();
    // Both runs' replies are in `successes`; the uninterrupted one sent exactly baselineCalls.
    extraReplies = stats.successes - 2 * baselineCalls;
  } finally {
    await mock.stop();
  }
  const perKill = overMock.kills === 0 ? 0 : extraReplies / overMock.kills;
  figures.atMost("b7.nodes_run_again_per_kill", perKill, CHECKPOINT_BUFFER_SIZE, 1);
  figures.holds("b7.results_equal_mock", overMock.isEqual, "equal to the uninterrupted run");
  figures.atMost("b7.duplicate_records_mock", overMock.duplicates, 0, 0);
  figures.note(
    `mock server: ${overMock.kills} kills, ${extraReplies} replies beyond the ` +
      `${RECORDS * CALLS_PER_RECORD} an uninterrupted run needs ` +
      `(checkpoint_buffer_size ${CHECKPOINT_BUFFER_SIZE})`,
  );
  figures.raw = { simulated, overMock, extraReplies, perKill, tempDir: dir };
  return figures.finish();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
