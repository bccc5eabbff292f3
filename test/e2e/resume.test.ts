import { appendFile, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { startMockServer, type MockServer } from "../../src/mock-server/index.js";
import { HoldingClock } from "./resume-holding-clock.js";
import { runCountedAttempt, type AttemptCost } from "./resume-paid-calls.js";
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
  type Workspace,
} from "./resume-harness.js";

const RECORD_COUNT = 300;
const BUFFER_SIZE = 10;
const SIMULATED = triageResources({ bufferSize: BUFFER_SIZE });

/** Runs the whole input once without interruption; its outputs are what every resume must match. */
async function runReference(resourcesYaml: string): Promise<Map<string, unknown>> {
  const workspace = await makeWorkspace({ recordCount: RECORD_COUNT, resourcesYaml });
  const result = await runPlait(workspace, newRunArgs(workspace));
  expect(result.stderr).not.toMatch(/internal error/);
  expect(result.exitCode).toBe(0);
  const outputs = await readOutputsById(
    path.join(await onlyRunDir(workspace.runsDir), "results.jsonl"),
  );
  expect(outputs.size).toBe(RECORD_COUNT);
  return outputs;
}

describe("plait run --resume on the simulated provider", () => {
  let reference: Map<string, unknown>;

  beforeAll(async () => {
    reference = await runReference(SIMULATED);
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
    const stop = await stopWhenResults(
      startPlait(workspace, newRunArgs(workspace)),
      workspace.runsDir,
      RECORD_COUNT / 3,
      "SIGINT",
    );
    expect(stop.result.exitCode).toBe(130);
    const runDir = await onlyRunDir(workspace.runsDir);
    const runId = path.basename(runDir);
    const printed = `${stop.result.stdout}\n${stop.result.stderr}`;
    const command = printed.match(/continue with: (plait run .*)$/m)?.[1];
    expect(command).toBe(
      `plait run ${TRIAGE} --resources ${workspace.resources} --resume ${runId}`,
    );
    expect((await readManifest(runDir))["status"]).toBe("interrupted");
    // The grace period lets running records finish, so none is half done:
    // every node in the checkpoint belongs to a record in the results.
    const done = await readOutputsById(path.join(runDir, "results.jsonl"));
    const keys = await readCheckpointKeys(runDir);
    expect(keys.size).toBe(done.size * TRIAGE_NODES.length);

    const resumed = await runPlait(workspace, command!.split(" ").slice(1));
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
    expect(pipelineChanged.stderr).toMatch(/pipeline \S+ changed since the run started: triage\.yaml/);
    expect(pipelineChanged.stderr).not.toMatch(/input \S+ changed/);
    expect(pipelineChanged.stderr).toContain("--force");

    const extra = { id: "t-extra", ticket: "A new ticket", customer: "Customer 1" };
    await appendFile(workspace.input, JSON.stringify(extra) + "\n");
    const inputChanged = await runPlait(workspace, resumeArgs(workspace, runId, pipeline));
    expect(inputChanged.exitCode).toBe(2);
    expect(inputChanged.stderr).toMatch(/input \S+tickets\.jsonl changed since the run started/);
    // A refused resume leaves the run folder as it was.
    expect(await readFile(path.join(runDir, "results.jsonl"), "utf8")).toBe(resultsBefore);

    const forced = await runPlait(workspace, [...resumeArgs(workspace, runId, pipeline), "--force"]);
    expect(forced.stderr).not.toMatch(/internal error/);
    expect(forced.exitCode).toBe(0);
    const outputs = await readOutputsById(path.join(runDir, "results.jsonl"));
    expect(outputs.size).toBe(RECORD_COUNT + 1);
    expect(outputs.has("t-extra")).toBe(true);
    for (const [id, output] of reference) expect(outputs.get(id), id).toEqual(output);
  });

  it("skips torn last lines with a warning", async () => {
    const workspace = await makeWorkspace({ recordCount: RECORD_COUNT, resourcesYaml: SIMULATED });
    const stop = await stopWhenResults(
      startPlait(workspace, newRunArgs(workspace)),
      workspace.runsDir,
      RECORD_COUNT / 3,
      "SIGINT",
    );
    expect(stop.result.exitCode).toBe(130);
    const runDir = await onlyRunDir(workspace.runsDir);
    const resultsFile = path.join(runDir, "results.jsonl");
    const done = await readOutputsById(resultsFile);
    const unfinished = [...reference.keys()].filter((id) => !done.has(id)).at(-1)!;

    // Half a node line, and a result line that parses but has no newline:
    // both are writes cut off by a kill, and neither may be trusted.
    const nodeLine = JSON.stringify({ r: unfinished, n: "summary", v: "forged summary" });
    await appendFile(path.join(runDir, "checkpoint.jsonl"), nodeLine.slice(0, nodeLine.length / 2));
    await appendFile(resultsFile, JSON.stringify({ id: unfinished, output: { label: "forged" } }));

    const resumed = await runPlait(workspace, resumeArgs(workspace));
    expect(resumed.exitCode).toBe(0);
    expect(resumed.stderr).toMatch(/warning: checkpoint\.jsonl line \d+: the last line has no newline/);
    expect(resumed.stderr).toMatch(/warning: results\.jsonl line \d+: the last line has no newline/);
    await expectSameAsReference(runDir, reference);
    expect((await readCheckpointKeys(runDir)).size).toBe(RECORD_COUNT * TRIAGE_NODES.length);
  });
});

/**
 * What a SIGKILL may cost, counted where the money is spent: at the
 * provider. A killed process leaves no record of the calls it made, so the
 * simulated provider, which lives inside that process, cannot count them;
 * the mock server, in this test process, can.
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
describe("plait run --resume against the mock server", () => {
  const clock = new HoldingClock();
  let server: MockServer;
  let resourcesYaml: string;
  let reference: Map<string, unknown>;
  let referenceCalls: number;

  beforeAll(async () => {
    server = await startMockServer({ latencyMs: 20, jitterMs: 10, clock });
    const endpoint = (model: string) =>
      `provider: openai, model: ${model}, base_url: "${server.url}/v1", api_key: sk-test`;
    resourcesYaml = triageResources({
      bufferSize: BUFFER_SIZE,
      endpoints: { fast: endpoint("gpt-4o-mini"), smart: endpoint("gpt-4o") },
    });
    const paidBefore = server.stats().successes;
    reference = await runReference(resourcesYaml);
    referenceCalls = server.stats().successes - paidBefore;
    // One call per node, so paid calls and checkpoint lines correspond one to one.
    expect(referenceCalls).toBe(RECORD_COUNT * TRIAGE_NODES.length);
    return () => server.close();
  });

  /** Kills three attempts, resumes to the end, and returns each attempt's cost. */
  async function killThreeTimes(holdMs?: number): Promise<AttemptCost[]> {
    const workspace = await makeWorkspace({ recordCount: RECORD_COUNT, resourcesYaml });
    const costs: AttemptCost[] = [];
    for (const killAtResults of [1, RECORD_COUNT / 2, RECORD_COUNT * 0.9]) {
      const args = costs.length === 0 ? newRunArgs(workspace) : resumeArgs(workspace);
      const options = { server, clock, workspace, args, killAtResults };
      const cost = await runCountedAttempt(holdMs === undefined ? options : { ...options, holdMs });
      expect(cost.signal).toBe("SIGKILL");
      costs.push(cost);
    }
    const final = await runCountedAttempt({ server, clock, workspace, args: resumeArgs(workspace) });
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

  it("pays again for at most the buffer and the calls in flight per kill", async () => {
    const costs = await killThreeTimes();
    for (const cost of costs.slice(0, -1)) {
      expect(unsaved(cost)).toBeLessThanOrEqual(BUFFER_SIZE + MAX_CALLS_IN_FLIGHT);
    }
    const kills = costs.length - 1;
    const extraCalls = paidTotal(costs) - referenceCalls;
    expect(extraCalls).toBe(costs.reduce((sum, cost) => sum + unsaved(cost), 0));
    expect(extraCalls).toBeLessThanOrEqual(kills * (BUFFER_SIZE + MAX_CALLS_IN_FLIGHT));
  });

  it("loses at most the buffer per kill with no reply in transit", async () => {
    const costs = await killThreeTimes(300);
    for (const cost of costs.slice(0, -1)) {
      expect(unsaved(cost)).toBeGreaterThanOrEqual(0);
      expect(unsaved(cost)).toBeLessThanOrEqual(BUFFER_SIZE);
    }
    const kills = costs.length - 1;
    expect(paidTotal(costs) - referenceCalls).toBeLessThanOrEqual(kills * BUFFER_SIZE);
  });
});
