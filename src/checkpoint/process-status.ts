import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import type { RunManifest, RunStatus } from "./manifest.js";
import { RunFolderError } from "./run-folder-error.js";

/**
 * True when a process with this id exists on this machine and has not
 * exited. On Linux a zombie, which has exited but was not yet reaped by
 * its parent, counts as ended.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    if (!(error instanceof Error && "code" in error && error.code === "EPERM")) return false;
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  if (process.platform !== "linux") return false;
  const fields = readProcStatFields(pid);
  // Field 3 is the state; Z is a zombie, X a process being removed.
  return fields !== null && (fields[0] === "Z" || fields[0] === "X");
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
  return readProcStatFields(pid)?.[22 - 3] ?? null;
}

/** Fields of /proc/PID/stat from field 3 (the state) on, or null without such a process. */
function readProcStatFields(pid: number): string[] | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name (field 2) is in brackets and may hold spaces, so the
  // fields are counted from the last ")".
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
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
