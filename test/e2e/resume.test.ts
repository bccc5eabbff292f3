import { appendFile, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";
import {
  runCountedAttempt,
  startCountingServer,
  type AttemptCost,
  type CountingServer,
} from "./resume-paid-calls.js";
import {
  MAX_CALLS_IN_FLIGHT,
  TRIAGE,
  TRIAGE_NODES,
  expectSameAsReference,
  makeWorkspace,
  newRunArgs,
  onlyRunDir,
  readCheckpointKeys,
  readManifest,
  readOutputsById,
  resumeArgs,
  resumeUntilDone,
  runPlait,
  startPlait,
  stopWhenResults,
  triageResources,
  waitForLines,
  waitForStderr,
  type Workspace,
} from "./resume-harness.js";

const RECORD_COUNT = 300;
const BUFFER_SIZE = 10;
const SIMULATED = triageResources({ bufferSize: BUFFER_SIZE });

/** The outputs and spend of one uninterrupted run, which every resumed run must match. */
interface Reference {
  outputs: Map<string, unknown>;
  costUsd: number;
}

async function runReference(resourcesYaml: string): Promise<Reference> {
  const workspace = await makeWorkspace({ recordCount: RECORD_COUNT, resourcesYaml });
  const result = await runPlait(workspace, newRunArgs(workspace));
  expect(result.stderr).not.toMatch(/internal error/);
  expect(result.exitCode).toBe(0);
  const runDir = await onlyRunDir(workspace.runsDir);
  const outputs = await readOutputsById(path.join(runDir, "results.jsonl"));
  expect(outputs.size).toBe(RECORD_COUNT);
  return { outputs, costUsd: (await readManifest(runDir))["costUsd"] as number };
}

// Each case has its own workspace, and the CLI mostly waits on simulated
// latency, so the cases run side by side.
/**
 * Starts a run, sends SIGINT once a third of the records have results, and
 * checks that it exited 130.
 */
async function interruptAtAThird(workspace: Workspace, args: string[]) {
  const stop = await stopWhenResults(
    startPlait(workspace, args),
    workspace.runsDir,
    RECORD_COUNT / 3,
    "SIGINT",
  );
  expect(stop.result.exitCode).toBe(130);
  return stop;
}

describe.concurrent("plait run --resume on the simulated provider", () => {
  let reference: Map<string, unknown>;
  let referenceCostUsd: number;

  beforeAll(async () => {
    ({ outputs: reference, costUsd: referenceCostUsd } = await runReference(SIMULATED));
  });

  it("matches the reference after three SIGKILLs", async () => {
    const workspace = await makeWorkspace({ recordCount: RECORD_COUNT, resourcesYaml: SIMULATED });
    // Kill soon after the first results, midway, and near the end; the
    // second and third kills land on resumed attempts.
    const first = await stopWhenResults(
      startPlait(workspace, newRunArgs(workspace)),
      workspace.runsDir,
      1,
      "SIGKILL",
    );
    expect(first.result.signal).toBe("SIGKILL");
    const runDir = await onlyRunDir(workspace.runsDir);
    const runId = path.basename(runDir);

    const second = await stopWhenResults(
      startPlait(workspace, resumeArgs(workspace, runId)),
      workspace.runsDir,
      RECORD_COUNT / 2,
      "SIGKILL",
    );
    expect(second.result.signal).toBe("SIGKILL");
    // --resume without a run id takes the latest run of this pipeline.
    const third = await stopWhenResults(
      startPlait(workspace, resumeArgs(workspace)),
      workspace.runsDir,
      RECORD_COUNT * 0.9,
      "SIGKILL",
    );
    expect(third.result.signal).toBe("SIGKILL");

    const attempts = await resumeUntilDone(workspace, runId);
    const last = attempts.at(-1)!;
    expect(last.stderr).not.toMatch(/internal error/);
    expect(last.exitCode).toBe(0);
    await expectSameAsReference(runDir, reference);
    // Nodes lost from the buffer ran again, but each reached the checkpoint once.
    expect((await readCheckpointKeys(runDir)).size).toBe(RECORD_COUNT * TRIAGE_NODES.length);
    const manifest = await readManifest(runDir);
    expect(manifest["status"]).toBe("finished");
    expect(manifest["records"]).toEqual({ done: RECORD_COUNT, failed: 0, total: RECORD_COUNT });
  });

  it("exits 130 on SIGINT and resumes to the reference", async () => {
    const workspace = await makeWorkspace({ recordCount: RECORD_COUNT, resourcesYaml: SIMULATED });
    const stop = await interruptAtAThird(workspace, newRunArgs(workspace));
    const runDir = await onlyRunDir(workspace.runsDir);
    const runId = path.basename(runDir);
    const printed = `${stop.result.stdout}\n${stop.result.stderr}`;
    const command = printed.match(/continue with: (?:npx plait|plait|node \S+) (run .*)$/m)?.[1];
    const start = `run ${TRIAGE} --resources ${workspace.resources} --resume `;
    expect(command?.startsWith(start), command).toBe(true);
    expect(command).toContain(runId);
    expect((await readManifest(runDir))["status"]).toBe("interrupted");
    // The grace period lets running records finish, so none is half done:
    // every node in the checkpoint belongs to a record in the results.
    const done = await readOutputsById(path.join(runDir, "results.jsonl"));
    const keys = await readCheckpointKeys(runDir);
    expect(keys.size).toBe(done.size * TRIAGE_NODES.length);
    const halfDone = [...keys].filter((key) => !done.has(key.split("/")[0]!));
    expect(halfDone).toEqual([]);

    // runPlait adds --runs-dir, which the printed command leaves out (see
    // "prints a resume command that finds the run" below); given twice,
    // the last one wins, so a fixed command still works here.
    const resumed = await runPlait(workspace, command!.split(" "));
    expect(resumed.stderr).not.toMatch(/warning|internal error/);
    expect(resumed.exitCode).toBe(0);
    expect(resumed.stdout).toMatch(
      new RegExp(`records\\s+${RECORD_COUNT - done.size} done, 0 failed`),
    );
    await expectSameAsReference(runDir, reference);
    expect((await readManifest(runDir))["status"]).toBe("finished");
  });

  it("rejects a changed pipeline or input unless --force", async () => {
    const workspace = await makeWorkspace({ recordCount: RECORD_COUNT, resourcesYaml: SIMULATED });
    const pipeline = path.join(workspace.dir, "triage.yaml");
    await writeFile(pipeline, await readFile(TRIAGE, "utf8"));
    const stop = await stopWhenResults(
      startPlait(workspace, newRunArgs(workspace, pipeline)),
      workspace.runsDir,
      1,
      "SIGKILL",
    );
    expect(stop.result.signal).toBe("SIGKILL");
    const runDir = await onlyRunDir(workspace.runsDir);
    const runId = path.basename(runDir);
    const resultsBefore = await readFile(path.join(runDir, "results.jsonl"), "utf8");

    await appendFile(pipeline, "# a comment changes the file's bytes\n");
    const pipelineChanged = await runPlait(workspace, resumeArgs(workspace, runId, pipeline));
    expect(pipelineChanged.exitCode).toBe(2);
    expect(pipelineChanged.stderr).toContain(`cannot resume run ${runId}`);
    expect(pipelineChanged.stderr).toMatch(
      /pipeline \S+ changed since the run started: triage\.yaml/,
    );
    expect(pipelineChanged.stderr).not.toMatch(/input \S+ changed/);
    expect(pipelineChanged.stderr).toContain("--force");

    const extra = { id: "t-extra", ticket: "A new ticket", customer: "Customer 1" };
    await appendFile(workspace.input, JSON.stringify(extra) + "\n");
    const inputChanged = await runPlait(workspace, resumeArgs(workspace, runId, pipeline));
    expect(inputChanged.exitCode).toBe(2);
    expect(inputChanged.stderr).toMatch(/input \S+tickets\.jsonl changed since the run started/);
    // A refused resume leaves the run folder as it was.
    expect(await readFile(path.join(runDir, "results.jsonl"), "utf8")).toBe(resultsBefore);

    const forceArgs = [...resumeArgs(workspace, runId, pipeline), "--force"];
    const forced = await runPlait(workspace, forceArgs);
    expect(forced.stderr).not.toMatch(/internal error/);
    expect(forced.exitCode).toBe(0);
    const outputs = await readOutputsById(path.join(runDir, "results.jsonl"));
    expect(outputs.size).toBe(RECORD_COUNT + 1);
    expect(outputs.has("t-extra")).toBe(true);
    for (const [id, output] of reference) expect(outputs.get(id), id).toEqual(output);
  });

  it("skips torn last lines with a warning", async () => {
    const workspace = await makeWorkspace({ recordCount: RECORD_COUNT, resourcesYaml: SIMULATED });
    await interruptAtAThird(workspace, newRunArgs(workspace));
    const runDir = await onlyRunDir(workspace.runsDir);
    const resultsFile = path.join(runDir, "results.jsonl");
    const done = await readOutputsById(resultsFile);
    const unfinished = [...reference.keys()].filter((id) => !done.has(id)).at(-1)!;

    // Half a node line, and a result line that parses but has no newline:
    // both are writes cut off by a kill, and neither may be trusted.
    const nodeLine = JSON.stringify({ r: unfinished, n: "summary", v: "forged summary" });
    const halfLine = nodeLine.slice(0, Math.floor(nodeLine.length / 2));
    await appendFile(path.join(runDir, "checkpoint.jsonl"), halfLine);
    await appendFile(resultsFile, JSON.stringify({ id: unfinished, output: { label: "forged" } }));

    const resumed = await runPlait(workspace, resumeArgs(workspace));
    expect(resumed.exitCode).toBe(0);
    const torn = "line \\d+: the last line has no newline";
    expect(resumed.stderr).toMatch(new RegExp(`warning: checkpoint\\.jsonl ${torn}`));
    expect(resumed.stderr).toMatch(new RegExp(`warning: results\\.jsonl ${torn}`));
    await expectSameAsReference(runDir, reference);
    expect((await readCheckpointKeys(runDir)).size).toBe(RECORD_COUNT * TRIAGE_NODES.length);
  });

  it("stops at --max-cost and resumes to the reference", async () => {
    const workspace = await makeWorkspace({ recordCount: RECORD_COUNT, resourcesYaml: SIMULATED });
    const budget = ["--max-cost", "0.02"];
    const first = await runPlait(workspace, [...newRunArgs(workspace), ...budget]);
    expect(first.exitCode).toBe(1);
    expect(first.stdout).toMatch(/stopped: spend reached the --max-cost budget of \$0\.0200/);
    const runDir = await onlyRunDir(workspace.runsDir);
    const resultsFile = path.join(runDir, "results.jsonl");
    expect((await readManifest(runDir))["status"]).toBe("interrupted");
    const doneFirst = (await readOutputsById(resultsFile)).size;
    expect(doneFirst).toBeGreaterThan(0);
    expect(doneFirst).toBeLessThan(RECORD_COUNT);

    // The budget counts earlier attempts' spend, so the same budget admits nothing.
    const again = await runPlait(workspace, [...resumeArgs(workspace), ...budget]);
    expect(again.exitCode).toBe(1);
    expect((await readOutputsById(resultsFile)).size).toBe(doneFirst);

    // The stored budget would stop this resume too, so it drops the budget.
    const rest = await runPlait(workspace, [...resumeArgs(workspace), "--no-max-cost"]);
    expect(rest.exitCode).toBe(0);
    await expectSameAsReference(runDir, reference);
    // Nothing was paid twice: the attempts together cost what one run costs.
    expect((await readManifest(runDir))["costUsd"]).toBeCloseTo(referenceCostUsd, 9);
  });

  it("resumes a finished run without calling anything", async () => {
    const workspace = await makeWorkspace({ recordCount: 20, resourcesYaml: SIMULATED });
    expect((await runPlait(workspace, newRunArgs(workspace))).exitCode).toBe(0);
    const runDir = await onlyRunDir(workspace.runsDir);
    const files = ["results.jsonl", "checkpoint.jsonl", "errors.jsonl", "metrics.json"];
    const before = await Promise.all(files.map((f) => readFile(path.join(runDir, f), "utf8")));

    const again = await runPlait(workspace, resumeArgs(workspace));
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/already finished every record; nothing to resume/);
    const after = await Promise.all(files.map((f) => readFile(path.join(runDir, f), "utf8")));
    expect(after).toEqual(before);
    expect((await readManifest(runDir))["status"]).toBe("finished");
  });

  // A run started with --limit 50 must stay at 50 records once resumed.
  it("keeps --limit when resuming", async () => {
    const workspace = await makeWorkspace({ recordCount: RECORD_COUNT, resourcesYaml: SIMULATED });
    const stop = await stopWhenResults(
      startPlait(workspace, [...newRunArgs(workspace), "--limit", "50"]),
      workspace.runsDir,
      10,
      "SIGINT",
    );
    expect(stop.result.exitCode).toBe(130);
    const resumed = await runPlait(workspace, resumeArgs(workspace));
    expect(resumed.exitCode).toBe(0);
    const runDir = await onlyRunDir(workspace.runsDir);
    const outputs = await readOutputsById(path.join(runDir, "results.jsonl"));
    expect(outputs.size).toBe(50);
  });

  // A resume that named records by another field would run finished
  // records again under new ids, so --id-field comes from the manifest.
  it("keeps --id-field when resuming", async () => {
    const workspace = await makeWorkspace({
      recordCount: RECORD_COUNT,
      resourcesYaml: SIMULATED,
      idField: "key",
    });
    await interruptAtAThird(workspace, [...newRunArgs(workspace), "--id-field", "key"]);
    const resumed = await runPlait(workspace, resumeArgs(workspace));
    expect(resumed.exitCode).toBe(0);
    await expectSameAsReference(await onlyRunDir(workspace.runsDir), reference);
  });

  // The printed command must find the run outside the default .plait/runs.
  it("prints a resume command that finds the run", async () => {
    const workspace = await makeWorkspace({ recordCount: 20, resourcesYaml: SIMULATED });
    const stopped = await runPlait(workspace, [...newRunArgs(workspace), "--max-cost", "0"]);
    expect(stopped.exitCode).toBe(1);
    const command = stopped.stdout.match(/continue with: (?:npx plait|plait|node \S+) (run .*)$/m)?.[1];
    expect(command).toBeDefined();
    // The command requests a new budget, because the stored one is spent.
    expect(command).toMatch(/ --max-cost <usd>$/);
    const withBudget = command!.replace("<usd>", "1");
    const resumed = await runCli(withBudget.split(" "), { cwd: workspace.dir });
    expect(resumed.stderr).not.toMatch(/not found/);
    expect(resumed.exitCode).toBe(0);
  });

  // `--resume --dry-run` must not call the provider.
  it("calls nothing on --resume --dry-run", async () => {
    const workspace = await makeWorkspace({ recordCount: 20, resourcesYaml: SIMULATED });
    const stopped = await runPlait(workspace, [...newRunArgs(workspace), "--max-cost", "0"]);
    expect(stopped.exitCode).toBe(1);
    // Either an estimate or a usage error keeps the promise to call nothing.
    const dryRun = await runPlait(workspace, [...resumeArgs(workspace), "--dry-run"]);
    expect(dryRun.stderr).not.toMatch(/internal error/);
    const runDir = await onlyRunDir(workspace.runsDir);
    expect(await readFile(path.join(runDir, "results.jsonl"), "utf8")).toBe("");
    expect(await readFile(path.join(runDir, "checkpoint.jsonl"), "utf8")).toBe("");
  });
});

/**
 * What a SIGKILL may cost, counted where the money is spent: at the
 * provider. A killed process leaves no record of the calls it made. So the
 * simulated provider, which lives inside that process, cannot count them,
 * but the mock server, which runs in this test process, can.
 *
 * A call counts as paid when the server sends its reply (`successes`);
 * requests cut off before their reply are not paid. In triage.yaml every
 * node is one call, so an attempt's paid calls minus the node lines it
 * added to the checkpoint are the calls it paid for and left no trace of:
 * - finished nodes still in the checkpoint buffer when the process died:
 *   lost work, at most `checkpoint_buffer_size` per kill;
 * - calls in flight at the kill, whose reply was sent but never read:
 *   not finished, so not lost, and at most MAX_CALLS_IN_FLIGHT.
 * Holding every reply for a moment before the kill lets the client read
 * what was sent, which leaves only the first kind.
 */
describe.concurrent("plait run --resume against the mock server", () => {
  let reference: Map<string, unknown>;
  const referenceCalls = RECORD_COUNT * TRIAGE_NODES.length;

  beforeAll(async () => {
    const mock = await startCountingServer(BUFFER_SIZE);
    try {
      ({ outputs: reference } = await runReference(mock.resourcesYaml));
      // One call per node, so paid calls and checkpoint lines correspond one to one.
      expect(mock.server.stats().successes).toBe(referenceCalls);
    } finally {
      await mock.server.close();
    }
  });

  /** Starts a server for one test and closes it when the test ends. */
  async function startServer(onTestFinished: (fn: () => Promise<void>) => void) {
    const mock = await startCountingServer(BUFFER_SIZE);
    onTestFinished(() => mock.server.close());
    const workspace = await makeWorkspace({
      recordCount: RECORD_COUNT,
      resourcesYaml: mock.resourcesYaml,
    });
    return { mock, workspace };
  }

  /** Kills three attempts, resumes to the end, and returns each attempt's cost. */
  async function killThreeTimes(mock: CountingServer, workspace: Workspace, holdMs?: number) {
    const costs: AttemptCost[] = [];
    for (const killAtResults of [1, RECORD_COUNT / 2, RECORD_COUNT * 0.9]) {
      const args = costs.length === 0 ? newRunArgs(workspace) : resumeArgs(workspace);
      const options = { mock, workspace, args, killAtResults };
      const cost = await runCountedAttempt(holdMs === undefined ? options : { ...options, holdMs });
      expect(cost.signal).toBe("SIGKILL");
      costs.push(cost);
    }
    const final = await runCountedAttempt({ mock, workspace, args: resumeArgs(workspace) });
    const runDir = await onlyRunDir(workspace.runsDir);
    const errors = await readFile(path.join(runDir, "errors.jsonl"), "utf8");
    expect(final.exitCode, `${final.stderr}\nerrors.jsonl:\n${errors}`).toBe(0);
    costs.push(final);

    await expectSameAsReference(runDir, reference);
    expect((await readCheckpointKeys(runDir)).size).toBe(referenceCalls);
    // An attempt that ends by itself saves every node it paid for.
    expect(final.paidCalls).toBe(final.savedNodes);
    return costs;
  }

  const paidTotal = (costs: AttemptCost[]) => costs.reduce((sum, c) => sum + c.paidCalls, 0);
  const unsaved = (cost: AttemptCost) => cost.paidCalls - cost.savedNodes;

  it("repays at most buffer plus in-flight calls", async ({ onTestFinished }) => {
    const { mock, workspace } = await startServer(onTestFinished);
    const costs = await killThreeTimes(mock, workspace);
    for (const cost of costs.slice(0, -1)) {
      expect(unsaved(cost)).toBeLessThanOrEqual(BUFFER_SIZE + MAX_CALLS_IN_FLIGHT);
    }
    const kills = costs.length - 1;
    const extraCalls = paidTotal(costs) - referenceCalls;
    expect(extraCalls).toBe(costs.reduce((sum, cost) => sum + unsaved(cost), 0));
    expect(extraCalls).toBeLessThanOrEqual(kills * (BUFFER_SIZE + MAX_CALLS_IN_FLIGHT));
  });

  it("loses at most the buffer per kill", async ({ onTestFinished }) => {
    const { mock, workspace } = await startServer(onTestFinished);
    // Long enough for a busy machine to read every reply already sent, and
    // under the 1 s flush interval, so the buffer is still there to lose.
    const costs = await killThreeTimes(mock, workspace, 500);
    for (const cost of costs.slice(0, -1)) {
      expect(unsaved(cost)).toBeGreaterThanOrEqual(0);
      expect(unsaved(cost)).toBeLessThanOrEqual(BUFFER_SIZE);
    }
    const kills = costs.length - 1;
    expect(paidTotal(costs) - referenceCalls).toBeLessThanOrEqual(kills * BUFFER_SIZE);
  });

  it("saves every finished node on a second Ctrl-C", async ({ onTestFinished }) => {
    const { mock, workspace } = await startServer(onTestFinished);
    // With replies held, calls stay in flight through the grace period, so
    // only the second signal can end the run early.
    const interrupted = await runCountedAttempt({
      mock,
      workspace,
      args: newRunArgs(workspace),
      killAtResults: RECORD_COUNT / 3,
      holdMs: 100,
      signal: "SIGINT",
      beforeSignal: async (running) => {
        running.process.kill("SIGINT");
        await waitForStderr(running, /stopping: no new records/);
      },
    });
    expect(interrupted.exitCode).toBe(130);
    expect(interrupted.stderr).toMatch(
      /interrupted; continue with: (?:npx plait|plait|node \S+) run .* --resume \S+/,
    );
    expect(interrupted.paidCalls).toBe(interrupted.savedNodes);
    const runDir = await onlyRunDir(workspace.runsDir);
    expect((await readManifest(runDir))["status"]).toBe("interrupted");

    const resumed = await runCountedAttempt({ mock, workspace, args: resumeArgs(workspace) });
    expect(resumed.exitCode).toBe(0);
    await expectSameAsReference(runDir, reference);
    expect(interrupted.paidCalls + resumed.paidCalls).toBe(referenceCalls);
  });

  it("refuses to resume a run that is still running", async ({ onTestFinished }) => {
    const { mock, workspace } = await startServer(onTestFinished);
    const running = startPlait(workspace, newRunArgs(workspace));
    await waitForLines(running, workspace.runsDir, "results.jsonl", 1);
    mock.clock.hold();
    try {
      const second = await runPlait(workspace, resumeArgs(workspace));
      expect(second.exitCode).toBe(2);
      expect(second.stderr).toMatch(/is still running in process \d+; stop that process/);
    } finally {
      mock.clock.release();
    }
    const first = await running.exited;
    expect(first.exitCode).toBe(0);
    await expectSameAsReference(await onlyRunDir(workspace.runsDir), reference);
  });
});
