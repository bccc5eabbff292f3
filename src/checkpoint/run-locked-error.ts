import { RunFolderError } from "./run-folder-error.js";

/** The process named in a run folder's lock file. */
export interface RunLockOwner {
  pid: number;
  /** From `readProcessStartTime`; null where the platform cannot tell. */
  processStartTime: string | null;
  hostname: string;
  /** ISO 8601 wall-clock time the lock was taken. */
  acquiredAt: string;
}

/**
 * Another process holds the lock of a run folder, so this one must not
 * write to it. The CLI shows the message and exits 2.
 */
export class RunLockedError extends RunFolderError {
  override name = "RunLockedError";
  readonly runId: string;
  readonly lockPath: string;
  /** Null when the lock file was still being written and could not be read. */
  readonly owner: RunLockOwner | null;

  constructor(message: string, details: {
    runId: string;
    lockPath: string;
    owner: RunLockOwner | null;
  }) {
    super(message);
    this.runId = details.runId;
    this.lockPath = details.lockPath;
    this.owner = details.owner;
  }
}
