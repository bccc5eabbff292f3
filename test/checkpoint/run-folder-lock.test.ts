import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { listRuns } from "../../src/checkpoint/list-runs.js";
import { readProcessStartTime } from "../../src/checkpoint/process-status.js";
import {
  createRunFolder,
  openRunFolder,
  type RunFolder,
} from "../../src/checkpoint/run-folder.js";
import { acquireRunLock, LOCK_FILE, type RunLock } from "../../src/checkpoint/run-lock.js";
import { makeResources, makeTempDir } from "./fixtures.js";

/** Folders and locks a test opened, released after it so no exit listener outlives the test. */
const lockHolders: Array<{ releaseLock(): void } | RunLock> = [];

afterEach(() => {
  for (const item of lockHolders.splice(0)) {
    if ("releaseLock" in item) item.releaseLock();
    else item.release();
  }
});

async function newFolder(isLocked: boolean): Promise<RunFolder> {
  const dir = await makeTempDir();
  const pipelinePath = path.join(dir, "triage.yaml");
  fs.writeFileSync(pipelinePath, "name: triage\n");
  const folder = await createRunFolder({
    runsDir: path.join(dir, "runs"),
    pipeline: { path: pipelinePath, name: "triage" },
    resources: { path: "res.yaml", config: makeResources() },
    inputPath: "-",
    options: {},
    plaitVersion: "0.1.0",
    isLocked,
  });
  lockHolders.push(folder);
  return folder;
}

function setManifestPid(folder: RunFolder, pid: number): void {
  const manifest = JSON.parse(fs.readFileSync(folder.paths.manifest, "utf8"));
  manifest.pid = pid;
  fs.writeFileSync(folder.paths.manifest, JSON.stringify(manifest));
}

function writeLockOf(folder: RunFolder, pid: number, processStartTime: string | null): void {
  const hostname = os.hostname();
  const owner = { pid, processStartTime, hostname, acquiredAt: "2026-12-04T00:00:00Z" };
  fs.writeFileSync(folder.paths.lock, JSON.stringify(owner));
}

function statusOf(folder: RunFolder): string | undefined {
  const runsDir = path.dirname(folder.dir);
  return listRuns(runsDir).runs.find((run) => run.id === folder.id)?.status;
}

function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  if (child.pid === undefined) throw new Error("could not start a child process");
  return child.pid;
}

describe("createRunFolder with isLocked", () => {
  it("holds the lock until released", async () => {
    const folder = await newFolder(true);
    expect(folder.paths.lock).toBe(path.join(folder.dir, LOCK_FILE));
    expect(folder.lock?.isHeld).toBe(true);
    expect(() => acquireRunLock(folder.dir, { runId: folder.id })).toThrow(
      `run ${folder.id} is still running in process ${process.pid}`,
    );
    folder.releaseLock();
    expect(fs.existsSync(folder.paths.lock)).toBe(false);
  });
});

describe("RunFolder.markResumed with a lock", () => {
  // The manifest's pid may have been reused by another program after a
  // SIGKILL; the lock, which checks the start time too, decides instead.
  it("ignores a live pid in the manifest", async () => {
    const folder = await newFolder(false);
    folder.updateManifest({ status: "running" });
    setManifestPid(folder, process.ppid);
    const lock = acquireRunLock(folder.dir, { runId: folder.id });
    lockHolders.push(lock);

    const reopened = openRunFolder(folder.dir, { lock });
    const manifest = reopened.markResumed();
    expect(manifest.pid).toBe(process.pid);
    expect(manifest.status).toBe("running");
  });
});

describe("listRuns status with a lock file", () => {
  it("shows a live lock as running", async () => {
    const folder = await newFolder(true);
    expect(statusOf(folder)).toBe("running");
  });

  it("shows a stale lock as interrupted", async () => {
    const folder = await newFolder(false);
    writeLockOf(folder, deadPid(), null);
    expect(statusOf(folder)).toBe("interrupted");
  });

  it.skipIf(readProcessStartTime(process.ppid) === null)(
    "shows a reused pid as interrupted",
    async () => {
      const folder = await newFolder(false);
      // The manifest's pid is alive, but the lock's start time belongs to
      // an earlier process with the same id.
      setManifestPid(folder, process.ppid);
      writeLockOf(folder, process.ppid, "an earlier start");
      expect(statusOf(folder)).toBe("interrupted");
    },
  );

  it("falls back to the manifest pid without a lock", async () => {
    const folder = await newFolder(false);
    setManifestPid(folder, deadPid());
    expect(statusOf(folder)).toBe("interrupted");
    setManifestPid(folder, process.ppid);
    expect(statusOf(folder)).toBe("running");
  });
});
