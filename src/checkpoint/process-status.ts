import os from "node:os";
import type { RunManifest, RunStatus } from "./manifest.js";
import { RunFolderError } from "./run-folder-error.js";

/** True when a process with this id exists on this machine. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return error instanceof Error && "code" in error && error.code === "EPERM";
  }
}

/**
 * The status to show for a run. A manifest that still says `running` while
 * its process is gone belongs to a run that was killed, so it is shown as
 * interrupted. A run started on another machine keeps its recorded status
 * because its process cannot be checked from here.
 */
export function effectiveStatus(
  manifest: RunManifest,
  isAlive: (pid: number) => boolean = isProcessAlive,
): RunStatus {
  if (manifest.status !== "running" || manifest.hostname !== os.hostname()) {
    return manifest.status;
  }
  if (manifest.pid === process.pid) return "running";
  return isAlive(manifest.pid) ? "running" : "interrupted";
}

/** Throws RunFolderError when another live process on this machine runs this run. */
export function assertNotRunningElsewhere(manifest: RunManifest): void {
  if (manifest.pid !== process.pid && effectiveStatus(manifest) === "running") {
    throw new RunFolderError(
      `run ${manifest.runId} is still running in process ${manifest.pid}; ` +
        "stop that process before resuming",
    );
  }
}
