import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  makeWorkspace,
  newRunArgs,
  onlyRunDir,
  readManifest,
  readOutputsById,
  resumeArgs,
  runPlait,
  startPlait,
  stopWhenResults,
  triageResources,
} from "./resume-harness.js";

const RECORD_COUNT = 300;

/**
 * `max_inflight_graphs` of triageResources, so the most records that may
 * still finish after the spend reaches the budget.
 */
const MAX_INFLIGHT_RECORDS = 16;

describe("--max-cost across resumes", () => {
  it("stops a resume at the first run's budget", async () => {
    const workspace = await makeWorkspace({
      recordCount: RECORD_COUNT,
      resourcesYaml: triageResources({ bufferSize: 10 }),
    });
    const budgetUsd = 0.04;
    const first = await stopWhenResults(
      startPlait(workspace, [...newRunArgs(workspace), "--max-cost", String(budgetUsd)]),
      workspace.runsDir,
      60,
      "SIGINT",
    );
    expect(first.result.exitCode).toBe(130);
    const runDir = await onlyRunDir(workspace.runsDir);
    const stored = await readManifest(runDir);
    expect(stored["options"]).toMatchObject({ maxCost: budgetUsd });
    const firstUsd = stored["costUsd"] as number;
    const doneFirst = (stored["records"] as { done: number }).done;
    expect(firstUsd).toBeLessThan(budgetUsd);
    const recordUsd = firstUsd / doneFirst;
    // Records still in flight when the spend reaches the budget finish; 1.5
    // allows for records that cost more than the first attempt's average.
    const maxOvershootUsd = MAX_INFLIGHT_RECORDS * recordUsd * 1.5;
    // Otherwise a budget counted from the resume's own spend would pass too.
    expect(firstUsd).toBeGreaterThan(maxOvershootUsd);

    const resumed = await runPlait(workspace, resumeArgs(workspace));
    expect(resumed.stderr).not.toMatch(/internal error/);
    expect(resumed.exitCode).toBe(1);
    expect(resumed.stdout).toContain(
      `stopped: spend reached the --max-cost budget of $${budgetUsd.toFixed(4)}`,
    );
    const spent = resumed.stdout.match(
      /spent \$(\d+\.\d{4}) across 2 attempts of this run \(\$(\d+\.\d{4}) in this one\)/,
    );
    expect(spent, resumed.stdout).not.toBeNull();
    const totalUsd = (await readManifest(runDir))["costUsd"] as number;
    expect(spent![1]).toBe(totalUsd.toFixed(4));
    expect(spent![2]).toBe((totalUsd - firstUsd).toFixed(4));
    expect(totalUsd).toBeGreaterThanOrEqual(budgetUsd);
    expect(totalUsd).toBeLessThan(budgetUsd + maxOvershootUsd);
    const resultsFile = path.join(runDir, "results.jsonl");
    expect((await readOutputsById(resultsFile)).size).toBeLessThan(RECORD_COUNT);

    // A budget given to a resume replaces the stored one and is saved.
    const raised = await runPlait(workspace, [...resumeArgs(workspace), "--max-cost", "1"]);
    expect(raised.exitCode).toBe(0);
    expect((await readOutputsById(resultsFile)).size).toBe(RECORD_COUNT);
    const final = await readManifest(runDir);
    expect(final["options"]).toMatchObject({ maxCost: 1 });
    expect(final["resumedAt"]).toHaveLength(2);
  });

  it("saves --no-max-cost with the run", async () => {
    const workspace = await makeWorkspace({
      recordCount: 20,
      resourcesYaml: triageResources({ bufferSize: 10 }),
    });
    const stopped = await runPlait(workspace, [...newRunArgs(workspace), "--max-cost", "0"]);
    expect(stopped.exitCode).toBe(1);
    expect(stopped.stdout).toMatch(/spent \$0\.0000; resume with a higher --max-cost <usd>/);

    const dropped = await runPlait(workspace, [
      ...resumeArgs(workspace),
      "--no-max-cost",
      "--json",
    ]);
    expect(dropped.exitCode).toBe(0);
    const summary = JSON.parse(dropped.stdout);
    expect(summary.attempts).toBe(2);
    expect(summary.costUsdAllAttempts).toBeGreaterThan(0);
    expect(summary).not.toHaveProperty("maxCostUsd");
    const runDir = await onlyRunDir(workspace.runsDir);
    expect((await readManifest(runDir))["options"]).toMatchObject({ maxCost: false });
  });
});
