import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { FILE_MODE } from "./atomic-file.js";
import { isNotFound } from "./manifest.js";
import { isProcessAlive, readProcessStartTime } from "./process-status.js";
import { RunFolderError } from "./run-folder-error.js";
import { RunLockedError, type RunLockOwner } from "./run-locked-error.js";

/** Name of the lock file inside a run folder. */
export const LOCK_FILE = "run.lock";

/**
 * How long a lock file that cannot be parsed counts as being written by
 * its creator, in ms. The creator writes it right after creating it, so an
 * older empty or damaged file was left by a process that died in between.
 */
const UNREADABLE_LOCK_GRACE_MS = 10_000;

/** Liveness checks, replaceable in tests. */
export interface ProcessChecks {
  /** Default: `isProcessAlive`. */
  isAlive?: (pid: number) => boolean;
  /** Default: `readProcessStartTime`. */
  startTimeOf?: (pid: number) => string | null;
}

export interface AcquireRunLockOptions extends ProcessChecks {
  /** Named in messages. */
  runId: string;
  /** Wall clock for `acquiredAt` and the age of an unreadable lock. Default: system time. */
  now?: () => Date;
}

const ownerSchema = z.object({
  pid: z.number().int(),
  processStartTime: z.string().nullable(),
  hostname: z.string(),
  acquiredAt: z.string(),
});

/** A lock file as found on disk; `owner` is null when its text does not parse. */
interface FoundLock {
  text: string;
  owner: RunLockOwner | null;
  modifiedAtMs: number;
}

/**
 * The lock this process holds on a run folder. While it exists no other
 * plait process appends to the folder's files. It is released by
 * `release`, and on process exit as a fallback, including `process.exit`.
 * A SIGKILL leaves it behind, and the next process takes it over.
 */
export class RunLock {
  readonly path: string;
  readonly owner: RunLockOwner;
  /** One line for the user when a stale lock was taken over, else undefined. */
  readonly warning: string | undefined;
  private readonly text: string;
  private isReleased = false;
  private isHandlingSignals = false;
  private readonly onExit = () => this.release();
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.release();
    // With this handler gone, the signal's default action ends the process.
    process.kill(process.pid, signal);
  };

  constructor(lockPath: string, owner: RunLockOwner, text: string, warning?: string) {
    this.path = lockPath;
    this.owner = owner;
    this.text = text;
    this.warning = warning;
    process.on("exit", this.onExit);
  }

  get isHeld(): boolean {
    return !this.isReleased;
  }

  /** Deletes the lock file if it is still this lock's; safe to call more than once. */
  release(): void {
    if (this.isReleased) return;
    this.isReleased = true;
    process.off("exit", this.onExit);
    this.stopReleasingOnSignals();
    // A process that judged this one dead may have taken the lock over;
    // its file is then left alone.
    if (readLockFile(this.path)?.text !== this.text) return;
    try {
      fs.unlinkSync(this.path);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  /**
   * Makes SIGINT and SIGTERM release the lock and then end the process by
   * the same signal, as they would without a handler. It is meant for the
   * phases before and after a run's own interrupt handling, which must
   * call `stopReleasingOnSignals` first. Calling it twice adds no second
   * handler.
   */
  releaseOnSignals(): void {
    if (this.isReleased || this.isHandlingSignals) return;
    this.isHandlingSignals = true;
    for (const signal of HANDLED_SIGNALS) process.on(signal, this.onSignal);
  }

  stopReleasingOnSignals(): void {
    this.isHandlingSignals = false;
    for (const signal of HANDLED_SIGNALS) process.off(signal, this.onSignal);
  }
}

const HANDLED_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM"];

/**
 * Takes the lock of the run folder `dir` by creating its lock file with
 * O_EXCL, so that of two processes only one succeeds. A stale lock, whose
 * process has ended or whose id now belongs to another process, is taken
 * over, and the lock's `warning` describes the takeover. Throws
 * RunLockedError when a live process, or one on another machine, holds
 * the lock.
 */
export function acquireRunLock(dir: string, options: AcquireRunLockOptions): RunLock {
  const lockPath = path.join(dir, LOCK_FILE);
  const now = options.now ?? (() => new Date());
  const owner: RunLockOwner = {
    pid: process.pid,
    processStartTime: (options.startTimeOf ?? readProcessStartTime)(process.pid),
    hostname: os.hostname(),
    acquiredAt: now().toISOString(),
  };
  const text = JSON.stringify(owner) + "\n";
  let warning: string | undefined;
  // Each pass takes the lock, throws, or finds that the file changed in
  // between. Three such changes in a row mean other processes keep taking it.
  for (let pass = 0; pass < 3; pass++) {
    if (createExclusive(lockPath, text)) return new RunLock(lockPath, owner, text, warning);
    const found = readLockFile(lockPath);
    if (found === null) continue; // Released between the two calls.
    const staleReason = findStaleReason(found, now().getTime(), options);
    if (staleReason === null) throw lockedError(options.runId, lockPath, found.owner);
    if (takeOverStale(lockPath, found.text, text, now().getTime())) {
      warning = describeTakeover(options.runId, found.owner, staleReason);
    }
  }
  throw new RunLockedError(
    `run ${options.runId}: other processes keep taking ${lockPath}; ` +
      "check them with plait runs and try again",
    { runId: options.runId, lockPath, owner: readLockFile(lockPath)?.owner ?? null },
  );
}

/** Reads the lock file of run folder `dir`; null when there is none or it does not parse. */
export function readRunLock(dir: string): RunLockOwner | null {
  return readLockFile(path.join(dir, LOCK_FILE))?.owner ?? null;
}

/**
 * Tells whether the process named in a lock still runs: "live", "dead",
 * or "unknown" when it ran on another machine and cannot be checked.
 */
export function checkLockOwner(
  owner: RunLockOwner,
  checks: ProcessChecks = {},
): "live" | "dead" | "unknown" {
  if (owner.hostname !== os.hostname()) return "unknown";
  return isOwnerGone(owner, checks) ? "dead" : "live";
}

/** True when the lock's process has ended or its id was reused; same host only. */
function isOwnerGone(owner: RunLockOwner, checks: ProcessChecks): boolean {
  if (!(checks.isAlive ?? isProcessAlive)(owner.pid)) return true;
  if (owner.processStartTime === null) return false;
  const startTime = (checks.startTimeOf ?? readProcessStartTime)(owner.pid);
  // A different start time means the id was reused by a new process.
  return startTime !== null && startTime !== owner.processStartTime;
}

/** Returns why a found lock is stale, or null when it must be respected. */
function findStaleReason(found: FoundLock, nowMs: number, checks: ProcessChecks): string | null {
  const owner = found.owner;
  if (owner === null) {
    const ageMs = nowMs - found.modifiedAtMs;
    return ageMs > UNREADABLE_LOCK_GRACE_MS ? "its lock file is empty or damaged" : null;
  }
  if (owner.hostname !== os.hostname() || !isOwnerGone(owner, checks)) return null;
  const isAlive = checks.isAlive ?? isProcessAlive;
  return isAlive(owner.pid)
    ? `process id ${owner.pid} now belongs to another program`
    : `process ${owner.pid} no longer exists`;
}

/**
 * Replaces a stale lock whose text is `staleText`. A second O_EXCL file
 * guards the check and the delete, so two processes that both saw the
 * stale lock cannot both delete it: the second would delete the first's
 * new lock. Returns false when another process is taking it over.
 */
function takeOverStale(
  lockPath: string,
  staleText: string,
  guardText: string,
  nowMs: number,
): boolean {
  const guardPath = `${lockPath}.takeover`;
  if (!createExclusive(guardPath, guardText)) {
    // A guard older than the grace period was left by a process that died
    // while holding it; the next pass may create it again.
    const guard = readLockFile(guardPath);
    const isAbandoned =
      guard !== null && nowMs - guard.modifiedAtMs > UNREADABLE_LOCK_GRACE_MS;
    if (isAbandoned) removeIfPresent(guardPath);
    return false;
  }
  try {
    if (readLockFile(lockPath)?.text !== staleText) return false;
    removeIfPresent(lockPath);
    return true;
  } finally {
    removeIfPresent(guardPath);
  }
}

function lockedError(runId: string, lockPath: string, owner: RunLockOwner | null) {
  const details = { runId, lockPath, owner };
  if (owner === null) {
    return new RunLockedError(
      `run ${runId} is being locked by another process right now (${lockPath} is not ` +
        "written yet); check with plait runs and try again in a few seconds",
      details,
    );
  }
  if (owner.hostname !== os.hostname()) {
    return new RunLockedError(
      `run ${runId} is locked by process ${owner.pid} on host ${owner.hostname} since ` +
        `${owner.acquiredAt}, which cannot be checked from here; stop that process, or ` +
        `delete ${lockPath} if no process runs this run any more`,
      details,
    );
  }
  return new RunLockedError(
    `run ${runId} is still running in process ${owner.pid}; stop that process or wait ` +
      `for it to end, then resume (it holds ${lockPath} since ${owner.acquiredAt})`,
    details,
  );
}

function describeTakeover(runId: string, owner: RunLockOwner | null, reason: string): string {
  const since = owner === null ? "" : ` since ${owner.acquiredAt}`;
  return `run ${runId} was still locked${since}, but ${reason}; took the lock over`;
}

/** Creates `file` with `text` unless it exists; the O_EXCL flag makes this atomic. */
function createExclusive(file: string, text: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, "wx", FILE_MODE);
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    if ("code" in error && error.code === "EEXIST") return false;
    throw new RunFolderError(
      `cannot create the lock file ${file} (${error.message}); check that the run ` +
        "folder exists and that you may write to it",
    );
  }
  try {
    fs.writeSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

function readLockFile(file: string): FoundLock | null {
  let text: string;
  let modifiedAtMs: number;
  try {
    text = fs.readFileSync(file, "utf8");
    modifiedAtMs = fs.statSync(file).mtimeMs;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  return { text, owner: parseOwner(text), modifiedAtMs };
}

function parseOwner(text: string): RunLockOwner | null {
  try {
    const parsed = ownerSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function removeIfPresent(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
