import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { findLatestRun, listRuns } from "../../src/checkpoint/list-runs.js";
import { createRunFolder, type RunFolder } from "../../src/checkpoint/run-folder.js";
import { plaitInvocation } from "../../src/cli/invocation.js";
import { formatRunsTable } from "../../src/cli/runs.js";
import { main } from "../../src/cli/main.js";
import { makeResources, makeTempDir } from "./fixtures.js";

async function makeRun(
  runsDir: string,
  pipelinePath: string,
  startedAt: string,
): Promise<RunFolder> {
  if (!fs.existsSync(pipelinePath)) fs.writeFileSync(pipelinePath, "name: p\n");
  return createRunFolder({
    runsDir,
    pipeline: { path: pipelinePath, name: path.basename(pipelinePath, ".yaml") },
    resources: { path: "res.yaml", config: makeResources() },
    inputPath: "-",
    options: {},
    plaitVersion: "0.1.0",
    now: () => new Date(startedAt),
  });
}

/** Returns the id of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  if (child.pid === undefined) throw new Error("could not start a child process");
  return child.pid;
}

function setManifestField(folder: RunFolder, field: string, value: unknown): void {
  const manifest = JSON.parse(fs.readFileSync(folder.paths.manifest, "utf8"));
  manifest[field] = value;
  fs.writeFileSync(folder.paths.manifest, JSON.stringify(manifest));
}

describe("listRuns", () => {
  it("lists runs newest first", async () => {
    const dir = await makeTempDir();
    const runsDir = path.join(dir, "runs");
    const pipeline = path.join(dir, "p.yaml");
    const middle = await makeRun(runsDir, pipeline, "2026-12-04T10:00:00Z");
    const oldest = await makeRun(runsDir, pipeline, "2026-12-03T10:00:00Z");
    const newest = await makeRun(runsDir, pipeline, "2026-12-05T10:00:00Z");

    const { runs, exists } = listRuns(runsDir);
    expect(exists).toBe(true);
    expect(runs.map((run) => run.id)).toEqual([newest.id, middle.id, oldest.id]);
  });

  it("shows a dead process as interrupted", async () => {
    const dir = await makeTempDir();
    const runsDir = path.join(dir, "runs");
    const folder = await makeRun(runsDir, path.join(dir, "p.yaml"), "2026-12-04T10:00:00Z");
    setManifestField(folder, "pid", deadPid());
    expect(listRuns(runsDir).runs[0]?.status).toBe("interrupted");
  });

  it("keeps running for a live process", async () => {
    const dir = await makeTempDir();
    const runsDir = path.join(dir, "runs");
    const folder = await makeRun(runsDir, path.join(dir, "p.yaml"), "2026-12-04T10:00:00Z");
    setManifestField(folder, "pid", process.ppid);
    expect(listRuns(runsDir).runs[0]?.status).toBe("running");
  });

  it("trusts the status from another host", async () => {
    const dir = await makeTempDir();
    const runsDir = path.join(dir, "runs");
    const folder = await makeRun(runsDir, path.join(dir, "p.yaml"), "2026-12-04T10:00:00Z");
    setManifestField(folder, "pid", deadPid());
    setManifestField(folder, "hostname", `${os.hostname()}-elsewhere`);
    expect(listRuns(runsDir).runs[0]?.status).toBe("running");
  });

  it("carries counts and cost from the manifest", async () => {
    const dir = await makeTempDir();
    const runsDir = path.join(dir, "runs");
    const folder = await makeRun(runsDir, path.join(dir, "p.yaml"), "2026-12-04T10:00:00Z");
    folder.updateManifest({
      status: "finished",
      records: { done: 98, failed: 2, total: 100 },
      costUsd: 1.5,
    });
    const [run] = listRuns(runsDir).runs;
    expect(run?.status).toBe("finished");
    expect(run?.recordsDone).toBe(98);
    expect(run?.recordsFailed).toBe(2);
    expect(run?.recordsTotal).toBe(100);
    expect(run?.costUsd).toBe(1.5);
  });

  it("skips folders without a manifest", async () => {
    const dir = await makeTempDir();
    const runsDir = path.join(dir, "runs");
    await makeRun(runsDir, path.join(dir, "p.yaml"), "2026-12-04T10:00:00Z");
    fs.mkdirSync(path.join(runsDir, "stray"));
    const { runs, skipped } = listRuns(runsDir);
    expect(runs).toHaveLength(1);
    expect(skipped).toEqual(["stray"]);
  });

  it("reports a missing runs folder", async () => {
    const result = listRuns(path.join(await makeTempDir(), "none"));
    expect(result).toEqual({ runs: [], skipped: [], exists: false });
  });
});

describe("findLatestRun", () => {
  it("returns the newest run of a pipeline", async () => {
    const dir = await makeTempDir();
    const runsDir = path.join(dir, "runs");
    const a = path.join(dir, "a.yaml");
    const b = path.join(dir, "b.yaml");
    await makeRun(runsDir, a, "2026-12-03T10:00:00Z");
    const latestA = await makeRun(runsDir, a, "2026-12-04T10:00:00Z");
    await makeRun(runsDir, b, "2026-12-05T10:00:00Z");
    expect(findLatestRun(runsDir, a)?.id).toBe(latestA.id);
  });

  it("returns null for a pipeline without runs", async () => {
    const dir = await makeTempDir();
    const runsDir = path.join(dir, "runs");
    await makeRun(runsDir, path.join(dir, "a.yaml"), "2026-12-03T10:00:00Z");
    expect(findLatestRun(runsDir, path.join(dir, "other.yaml"))).toBeNull();
  });
});

describe("plait runs", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  async function runCli(args: string[]): Promise<{ code: number; stdout: string }> {
    let stdout = "";
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      stdout += String(chunk);
      return true;
    });
    const code = await main(["node", "plait", "runs", ...args]);
    return { code, stdout };
  }

  it("prints an aligned table newest first", async () => {
    const dir = await makeTempDir();
    const runsDir = path.join(dir, "runs");
    const old = await makeRun(runsDir, path.join(dir, "triage.yaml"), "2026-12-03T10:00:00Z");
    const recent = await makeRun(runsDir, path.join(dir, "p.yaml"), "2026-12-04T10:00:00Z");
    old.updateManifest({
      status: "finished",
      records: { done: 1200, failed: 3, total: 1203 },
      costUsd: 12.5,
    });
    recent.updateManifest({ records: { done: 7, failed: 0, total: null }, costUsd: 0.0042 });

    const { code, stdout } = await runCli(["--runs-dir", runsDir]);
    const lines = stdout.trimEnd().split("\n");
    expect(code).toBe(0);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^RUN\s+PIPELINE\s+STATUS\s+RECORDS\s+FAILED\s+COST\s+STARTED$/);
    expect(lines[1]).toContain(recent.id);
    expect(lines[1]).toContain("running");
    expect(lines[1]).toContain("7/?");
    expect(lines[1]).toContain("$0.0042");
    expect(lines[2]).toContain(old.id);
    expect(lines[2]).toContain("1200/1203");
    expect(lines[2]).toContain("$12.50");
    const statusColumn = lines[0]?.indexOf("STATUS");
    expect(lines[1]?.indexOf("running")).toBe(statusColumn);
    expect(lines[2]?.indexOf("finished")).toBe(statusColumn);
    const costEnd = (line: string | undefined, text: string) =>
      (line?.indexOf(text) ?? 0) + text.length;
    expect(costEnd(lines[1], "$0.0042")).toBe(costEnd(lines[2], "$12.50"));
  });

  it("prints JSON with --json", async () => {
    const dir = await makeTempDir();
    const runsDir = path.join(dir, "runs");
    const folder = await makeRun(runsDir, path.join(dir, "p.yaml"), "2026-12-04T10:00:00Z");
    const { code, stdout } = await runCli(["--runs-dir", runsDir, "--json"]);
    expect(code).toBe(0);
    const runs = JSON.parse(stdout);
    expect(runs).toHaveLength(1);
    expect(runs[0].id).toBe(folder.id);
    expect(runs[0].status).toBe("running");
  });

  it("explains a missing runs folder", async () => {
    const runsDir = path.join(await makeTempDir(), "none");
    const { code, stdout } = await runCli(["--runs-dir", runsDir]);
    expect(code).toBe(0);
    expect(stdout).toBe(
      `No runs yet: ${runsDir} does not exist. ` +
        `Start one with ${plaitInvocation()} run PIPELINE --resources RES --input FILE.\n`,
    );
  });

  it("formats start times in local time", () => {
    const startedAt = "2026-12-04T10:00:05Z";
    const local = new Date(startedAt);
    const hours = String(local.getHours()).padStart(2, "0");
    const table = formatRunsTable([
      {
        id: "r",
        dir: "/tmp/r",
        pipelinePath: "p.yaml",
        pipelineAbsolutePath: "/tmp/p.yaml",
        pipelineName: "p",
        status: "failed",
        recordsDone: 0,
        recordsFailed: 0,
        recordsTotal: 0,
        costUsd: 0,
        startedAt,
      },
    ]);
    expect(table).toContain(`${hours}:00:05`);
  });
});
