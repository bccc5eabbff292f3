import fs from "node:fs";
import path from "node:path";
import { isNotFound, readManifest, type RunManifest, type RunStatus } from "./manifest.js";
import { effectiveStatus, isProcessAlive } from "./process-status.js";
import { RUN_FILES } from "./run-folder.js";
import { RunFolderError } from "./run-folder-error.js";
import { checkLockOwner, readRunLock } from "./run-lock.js";

/** One run as `plait runs` lists it. */
export interface RunSummary {
  id: string;
  dir: string;
  /** As given on the command line when the run started. */
  pipelinePath: string;
  pipelineAbsolutePath: string;
  pipelineName: string;
  /** `running` in the manifest but with a dead process or a stale lock reads as `interrupted`. */
  status: RunStatus;
  recordsDone: number;
  recordsFailed: number;
  /** Null until the run has read its input to the end. */
  recordsTotal: number | null;
  costUsd: number;
  /** ISO 8601. */
  startedAt: string;
}

export interface ListRunsResult {
  /** Newest first. */
  runs: RunSummary[];
  /** Folders under the runs folder that could not be read as runs. */
  skipped: string[];
  /** False when the runs folder does not exist. */
  exists: boolean;
}

/** Lists every run under `runsDir`, newest first. */
export function listRuns(
  runsDir: string,
  isAlive: (pid: number) => boolean = isProcessAlive,
): ListRunsResult {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(runsDir, { withFileTypes: true });
  } catch (error) {
    if (isNotFound(error)) return { runs: [], skipped: [], exists: false };
    throw error;
  }
  const runs: RunSummary[] = [];
  const skipped: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const dir = path.resolve(runsDir, entry.name);
    try {
      const manifest = readManifest(path.join(dir, RUN_FILES.manifest));
      runs.push({
        id: manifest.runId,
        dir,
        pipelinePath: manifest.pipeline.path,
        pipelineAbsolutePath: manifest.pipeline.absolutePath,
        pipelineName: manifest.pipeline.name,
        status: currentStatus(dir, manifest, isAlive),
        recordsDone: manifest.records.done,
        recordsFailed: manifest.records.failed,
        recordsTotal: manifest.records.total,
        costUsd: manifest.costUsd,
        startedAt: manifest.startedAt,
      });
    } catch (error) {
      if (!(error instanceof RunFolderError)) throw error;
      skipped.push(entry.name);
    }
  }
  // Ids start with the UTC start time, so they break ties between runs
  // started in the same millisecond the same way every time.
  runs.sort((a, b) => compareDesc(a.startedAt, b.startedAt) || compareDesc(a.id, b.id));
  return { runs, skipped, exists: true };
}

/**
 * Returns the newest run of the pipeline at `pipelinePath`, compared as
 * absolute paths, or null when it has none.
 */
export function findLatestRun(runsDir: string, pipelinePath: string): RunSummary | null {
  const wanted = path.resolve(pipelinePath);
  return listRuns(runsDir).runs.find((run) => run.pipelineAbsolutePath === wanted) ?? null;
}

/**
 * Checks a run the manifest calls running against its lock file, which
 * also distinguishes a reused pid from the run's process. A run without a lock
 * file, such as one from an older plait, is checked by the manifest's pid.
 */
function currentStatus(
  dir: string,
  manifest: RunManifest,
  isAlive: (pid: number) => boolean,
): RunStatus {
  if (manifest.status !== "running") return manifest.status;
  const owner = readRunLock(dir);
  if (owner === null) return effectiveStatus(manifest, isAlive);
  const liveness = checkLockOwner(owner, { isAlive });
  if (liveness === "unknown") return manifest.status;
  return liveness === "live" ? "running" : "interrupted";
}

function compareDesc(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}
