import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readProcessStartTime } from "../../src/checkpoint/process-status.js";
import {
  acquireRunLock,
  checkLockOwner,
  LOCK_FILE,
  readRunLock,
  type RunLock,
} from "../../src/checkpoint/run-lock.js";
import { RunLockedError, type RunLockOwner } from "../../src/checkpoint/run-locked-error.js";
import { makeTempDir } from "./fixtures.js";

const RUN_ID = "20261204-153012-triage-3f9a";

/** Returns the id of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  if (child.pid === undefined) throw new Error("could not start a child process");
  return child.pid;
}

function writeLock(dir: string, owner: Partial<RunLockOwner>): string {
  const full: RunLockOwner = {
    pid: process.ppid,
    processStartTime: readProcessStartTime(process.ppid),
    hostname: os.hostname(),
    acquiredAt: "2026-12-04T15:30:12.345Z",
    ...owner,
  };
  const text = JSON.stringify(full) + "\n";
  fs.writeFileSync(path.join(dir, LOCK_FILE), text, { mode: 0o600 });
  return text;
}

function readLockText(dir: string): string {
  return fs.readFileSync(path.join(dir, LOCK_FILE), "utf8");
}

/** Every lock a test takes, released after it so no exit listener outlives the test. */
const heldLocks: RunLock[] = [];

function acquire(dir: string, options: Partial<Parameters<typeof acquireRunLock>[1]> = {}) {
  const lock = acquireRunLock(dir, { runId: RUN_ID, ...options });
  heldLocks.push(lock);
  return lock;
}

afterEach(() => {
  for (const lock of heldLocks.splice(0)) lock.release();
});

describe("acquireRunLock", () => {
  it("creates an owner-only lock file", async () => {
    const dir = await makeTempDir();
    const lock = acquire(dir, { now: () => new Date("2026-12-04T15:30:12.345Z") });

    expect(lock.path).toBe(path.join(dir, LOCK_FILE));
    expect(fs.statSync(lock.path).mode & 0o777).toBe(0o600);
    expect(lock.warning).toBeUndefined();
    expect(readRunLock(dir)).toEqual({
      pid: process.pid,
      processStartTime: readProcessStartTime(process.pid),
      hostname: os.hostname(),
      acquiredAt: "2026-12-04T15:30:12.345Z",
    });
  });

  it("release deletes the lock file", async () => {
    const dir = await makeTempDir();
    const lock = acquire(dir);
    lock.release();
    expect(fs.existsSync(lock.path)).toBe(false);
    expect(lock.isHeld).toBe(false);
    // A second release is harmless, and the folder can be locked again.
    lock.release();
    expect(acquire(dir).isHeld).toBe(true);
  });

  it("rejects a lock this process holds", async () => {
    const dir = await makeTempDir();
    acquire(dir);
    const before = readLockText(dir);

    expect(() => acquire(dir)).toThrow(RunLockedError);
    expect(() => acquire(dir)).toThrow(
      `run ${RUN_ID} is still running in process ${process.pid}; stop that process`,
    );
    expect(readLockText(dir)).toBe(before);
  });

  it("rejects a live lock of another process", async () => {
    const dir = await makeTempDir();
    const text = writeLock(dir, {});

    let caught: unknown;
    try {
      acquire(dir);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RunLockedError);
    const error = caught as RunLockedError;
    expect(error.runId).toBe(RUN_ID);
    expect(error.owner?.pid).toBe(process.ppid);
    expect(error.message).toContain(`is still running in process ${process.ppid}`);
    expect(error.message).toContain("wait for it to end, then resume");
    expect(readLockText(dir)).toBe(text);
  });

  it("takes over the lock of a dead process", async () => {
    const dir = await makeTempDir();
    const pid = deadPid();
    writeLock(dir, { pid, processStartTime: "1234" });

    const lock = acquire(dir);
    expect(lock.warning).toBe(
      `run ${RUN_ID} was still locked since 2026-12-04T15:30:12.345Z, but process ${pid} ` +
        "no longer exists; took the lock over",
    );
    expect(readRunLock(dir)?.pid).toBe(process.pid);
    expect(fs.existsSync(`${lock.path}.takeover`)).toBe(false);
  });

  it("takes over a lock whose pid was reused", async () => {
    const dir = await makeTempDir();
    writeLock(dir, { processStartTime: "started-before" });

    const lock = acquire(dir, { startTimeOf: () => "started-after" });
    expect(lock.warning).toContain(`process id ${process.ppid} now belongs to another program`);
    expect(readRunLock(dir)?.pid).toBe(process.pid);
  });

  it("lets only one process take over a stale lock", async () => {
    const dir = await makeTempDir();
    writeLock(dir, { pid: deadPid() });
    acquire(dir);
    // The second finds the first's new lock, which is live.
    expect(() => acquire(dir)).toThrow(`is still running in process ${process.pid}`);
  });

  it("waits for another takeover in progress", async () => {
    const dir = await makeTempDir();
    const stale = writeLock(dir, { pid: deadPid() });
    fs.writeFileSync(path.join(dir, `${LOCK_FILE}.takeover`), "");

    expect(() => acquire(dir)).toThrow(`run ${RUN_ID}: other processes keep taking`);
    expect(readLockText(dir)).toBe(stale);
  });

  it("clears a takeover guard left by a dead process", async () => {
    const dir = await makeTempDir();
    writeLock(dir, { pid: deadPid() });
    const guard = path.join(dir, `${LOCK_FILE}.takeover`);
    fs.writeFileSync(guard, "");
    const longAgo = new Date(Date.now() - 60_000);
    fs.utimesSync(guard, longAgo, longAgo);

    const lock = acquire(dir);
    expect(lock.warning).toContain("no longer exists; took the lock over");
    expect(fs.existsSync(guard)).toBe(false);
  });

  it("rejects a lock from another host", async () => {
    const dir = await makeTempDir();
    writeLock(dir, { pid: deadPid(), hostname: "elsewhere.example" });
    expect(() => acquire(dir)).toThrow(
      /is locked by process \d+ on host elsewhere\.example since .*; stop that process, or delete /,
    );
  });

  it("respects an empty lock until old", async () => {
    const dir = await makeTempDir();
    fs.writeFileSync(path.join(dir, LOCK_FILE), "");
    expect(() => acquire(dir)).toThrow("is being locked by another process right now");

    const later = new Date(Date.now() + 11_000);
    const lock = acquire(dir, { now: () => later });
    expect(lock.warning).toContain("its lock file is empty or damaged");
  });
});

describe("RunLock.release", () => {
  it("leaves a lock taken over by another process", async () => {
    const dir = await makeTempDir();
    const lock = acquire(dir);
    const other = writeLock(dir, {});
    lock.release();
    expect(readLockText(dir)).toBe(other);
  });
});

describe("checkLockOwner", () => {
  it.each([
    ["live", () => ({ pid: process.pid }), "live"],
    ["dead", () => ({ pid: deadPid() }), "dead"],
    ["reused", () => ({ pid: process.pid, processStartTime: "other" }), "dead"],
    ["elsewhere", () => ({ pid: deadPid(), hostname: "elsewhere.example" }), "unknown"],
  ] as const)("reports a %s owner", (name, makeOwner, expected) => {
    const owner: RunLockOwner = {
      processStartTime: null,
      hostname: os.hostname(),
      acquiredAt: "2026-12-04T15:30:12.345Z",
      ...makeOwner(),
    };
    // Without /proc or ps the start time is null and a reuse goes unseen.
    const canSeeReuse = readProcessStartTime(process.pid) !== null;
    const expectedState = name === "reused" && !canSeeReuse ? "live" : expected;
    expect(checkLockOwner(owner)).toBe(expectedState);
  });
});
