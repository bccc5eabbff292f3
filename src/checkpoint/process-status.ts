import { execFileSync } from "node:child_process";
import fs from "node:fs";
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
 * Reads when a process started, as an opaque string that changes when its
 * id is reused, or null when it cannot be read (no such process, or a
 * platform without /proc or ps). Linux: field 22 of /proc/PID/stat, clock
 * ticks since boot. Elsewhere: `ps -o lstart=`, to the second.
 */
export function readProcessStartTime(pid: number): string | null {
  if (process.platform === "linux") return readProcStartTime(pid);
  if (process.platform === "win32") return null;
  try {
    const output = execFileSync("ps", ["-o", "lstart=", "-p", String(pid)], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    const started = output.trim();
    return started === "" ? null : started;
  } catch {
    // ps exits 1 when no process has this id.
    return null;
  }
}

function readProcStartTime(pid: number): string | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name (field 2) is in brackets and may hold spaces, so the
  // fields are counted from the last ")": state is field 3.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[22 - 3] ?? null;
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
