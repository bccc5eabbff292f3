import { existsSync } from "node:fs";
import { appendFile, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, type RunningCli } from "../support/run-cli.js";
import {
  findRunDir,
  makeWorkspace,
  newRunArgs,
  onlyRunDir,
  readCheckpointKeys,
  readManifest,
  readOutputsById,
  resumeArgs,
  runPlait,
  startPlait,
  stopWhenResults,
  triageResources,
  waitForStderr,
  TRIAGE_NODES,
} from "./resume-harness.js";

const LOCK_FILE = "run.lock";

/** Resources whose every call takes `latencyMs`, exactly. */
function resourcesWithLatency(latencyMs: number): string {
  const simulated = `provider: simulated, latency_ms: ${latencyMs}, jitter_ms: 0`;
  return triageResources({ bufferSize: 1, endpoints: { fast: simulated, smart: simulated } });
}

/** Resolves with the run folder once it contains `name`; rejects when the run exits first. */
async function waitForRunFile(running: RunningCli, runsDir: string, name: string) {
  let hasExited = false;
  void running.exited.then(() => (hasExited = true));
  while (!hasExited) {
    const dir = await findRunDir(runsDir);
    if (dir !== undefined && existsSync(path.join(dir, name))) return dir;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const result = await running.exited;
  throw new Error(`run exited (${result.exitCode}) before writing ${name}:\n${result.stderr}`);
}

/**
 * Reads the files that a second process could damage, by name. The
 * manifest and metrics are left out because the run rewrites them on a timer.
 */
async function readAppendedFiles(runDir: string): Promise<Record<string, string>> {
  const contents: Record<string, string> = {};
  for (const name of await readdir(runDir)) {
    if (name === "manifest.json" || name === "metrics.json") continue;
    contents[name] = await readFile(path.join(runDir, name), "utf8");
  }
  return contents;
}

async function readLockPid(runDir: string): Promise<number> {
  const owner = JSON.parse(await readFile(path.join(runDir, LOCK_FILE), "utf8"));
  return owner.pid as number;
}

describe("the run folder lock", () => {
  it("rejects resumes of a running run", async ({ onTestFinished }) => {
    // Calls take longer than the test, so the first run writes no record
    // while the others try to resume it.
    const workspace = await makeWorkspace({
      recordCount: 4,
      resourcesYaml: resourcesWithLatency(30_000),
    });
    const running = startPlait(workspace, newRunArgs(workspace));
    onTestFinished(() => void running.process.kill("SIGKILL"));
    // metrics.json comes last, on the first 2 s tick, and `plait report` needs it.
    const runDir = await waitForRunFile(running, workspace.runsDir, "metrics.json");
    const runId = path.basename(runDir);
    const pid = running.process.pid!;
    expect(await readLockPid(runDir)).toBe(pid);
    const before = await readAppendedFiles(runDir);

    // Two at once: --resume by id, and --resume of the latest run.
    const [byId, latest] = await Promise.all([
      runPlait(workspace, resumeArgs(workspace, runId)),
      runPlait(workspace, resumeArgs(workspace)),
    ]);
    const message =
      `plait: run ${runId} is still running in process ${pid}; ` +
      "stop that process or wait for it to end, then resume";
    for (const second of [byId, latest]) {
      expect(second.exitCode).toBe(2);
      expect(second.stderr).toContain(message);
      expect(second.stderr).toContain(path.join(runDir, LOCK_FILE));
    }
    expect(await readAppendedFiles(runDir)).toEqual(before);
    const manifest = await readManifest(runDir);
    expect(manifest["pid"]).toBe(pid);
    expect(manifest["resumedAt"]).toEqual([]);

    // Both only read the folder, so they work while it is locked.
    const runsDirArgs = ["--runs-dir", workspace.runsDir];
    const runs = await runCli(["runs", "--json", ...runsDirArgs], { cwd: workspace.dir });
    expect(runs.exitCode).toBe(0);
    expect(JSON.parse(runs.stdout)).toMatchObject([{ id: runId, status: "running" }]);
    const report = await runCli(["report", runId, ...runsDirArgs], { cwd: workspace.dir });
    expect(report.stderr).toBe("");
    expect(report.exitCode).toBe(0);
    expect(report.stdout).toContain(runId);
    expect(running.output.stderr).not.toMatch(/internal error/);
  });

  it("takes over a killed run's lock once", async () => {
    const recordCount = 60;
    // Slow enough that the two resumes started together overlap.
    const workspace = await makeWorkspace({
      recordCount,
      resourcesYaml: resourcesWithLatency(150),
    });
    const first = startPlait(workspace, newRunArgs(workspace));
    const killed = await stopWhenResults(first, workspace.runsDir, 1, "SIGKILL");
    expect(killed.result.signal).toBe("SIGKILL");
    const runDir = await onlyRunDir(workspace.runsDir);
    const runId = path.basename(runDir);
    expect(await readLockPid(runDir)).toBe(first.process.pid);

    const resumes = [0, 1].map(() => startPlait(workspace, resumeArgs(workspace, runId)));
    const results = await Promise.all(resumes.map((resume) => resume.exited));
    const winner = results.findIndex((result) => result.exitCode === 0);
    expect(winner, results.map((result) => result.stderr).join("\n")).not.toBe(-1);
    const loser = results[1 - winner]!;
    const won = results[winner]!;

    const takeover =
      `warning: run ${runId} was still locked since \\S+, but process ` +
      `${first.process.pid} no longer exists; took the lock over`;
    expect(won.stderr).toMatch(new RegExp(takeover));
    expect(loser.exitCode).toBe(2);
    const winnerPid = resumes[winner]!.process.pid;
    // The loser either finds the winner's new lock or, in a narrower window,
    // the winner still replacing the stale one.
    expect(loser.stderr).toMatch(
      new RegExp(`run ${runId}(?: is still running in process ${winnerPid};|: .*keep taking)`),
    );

    expect(existsSync(path.join(runDir, LOCK_FILE))).toBe(false);
    expect((await readOutputsById(path.join(runDir, "results.jsonl"))).size).toBe(recordCount);
    expect((await readCheckpointKeys(runDir)).size).toBe(recordCount * TRIAGE_NODES.length);
    expect(await readFile(path.join(runDir, "errors.jsonl"), "utf8")).toBe("");
    const manifest = await readManifest(runDir);
    expect(manifest["status"]).toBe("finished");
    expect(manifest["resumedAt"]).toHaveLength(1);
  });

  it("is released by a rejected resume", async () => {
    const workspace = await makeWorkspace({
      recordCount: 60,
      resourcesYaml: resourcesWithLatency(20),
    });
    const first = startPlait(workspace, newRunArgs(workspace));
    const killed = await stopWhenResults(first, workspace.runsDir, 1, "SIGKILL");
    expect(killed.result.signal).toBe("SIGKILL");
    const runDir = await onlyRunDir(workspace.runsDir);
    expect(existsSync(path.join(runDir, LOCK_FILE))).toBe(true);

    await appendFile(workspace.input, '{"id": "t-new", "ticket": "A new ticket"}\n');
    const rejected = await runPlait(workspace, resumeArgs(workspace));
    expect(rejected.exitCode).toBe(2);
    expect(rejected.stderr).toMatch(/input \S+ changed since the run started/);
    // It took the stale lock over before it read the folder, then let it go.
    expect(rejected.stderr).toMatch(/no longer exists; took the lock over/);
    expect(existsSync(path.join(runDir, LOCK_FILE))).toBe(false);
  });

  it("is released on a second Ctrl-C", async () => {
    const workspace = await makeWorkspace({
      recordCount: 4,
      resourcesYaml: resourcesWithLatency(30_000),
    });
    const running = startPlait(workspace, newRunArgs(workspace));
    // metrics.json is first written once the run handles its own signals.
    const runDir = await waitForRunFile(running, workspace.runsDir, "metrics.json");
    expect(existsSync(path.join(runDir, LOCK_FILE))).toBe(true);
    // The calls outlast the grace period, so only the second signal ends the run.
    running.process.kill("SIGINT");
    await waitForStderr(running, /stopping: no new records/);
    running.process.kill("SIGINT");
    const result = await running.exited;
    expect(result.exitCode).toBe(130);
    expect(existsSync(path.join(runDir, LOCK_FILE))).toBe(false);
    expect((await readManifest(runDir))["status"]).toBe("interrupted");
  });

  it("is released on SIGTERM", async () => {
    const workspace = await makeWorkspace({
      recordCount: 300,
      resourcesYaml: resourcesWithLatency(20),
    });
    const running = startPlait(workspace, newRunArgs(workspace));
    const stop = await stopWhenResults(running, workspace.runsDir, 20, "SIGTERM");
    expect(stop.result.exitCode).toBe(130);
    const runDir = await onlyRunDir(workspace.runsDir);
    expect(existsSync(path.join(runDir, LOCK_FILE))).toBe(false);

    const resumed = await runPlait(workspace, resumeArgs(workspace));
    expect(resumed.stderr).not.toMatch(/warning|internal error/);
    expect(resumed.exitCode).toBe(0);
    expect(existsSync(path.join(runDir, LOCK_FILE))).toBe(false);
  });
});
