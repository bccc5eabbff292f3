import path from "node:path";
import { expect } from "vitest";
import type { MockServer } from "../../src/mock-server/index.js";
import {
  countWholeLines,
  findRunDir,
  startPlait,
  stopWhenResults,
  type Workspace,
} from "./resume-harness.js";
import type { HoldingClock } from "./resume-holding-clock.js";

/** What one attempt of a run paid for and what it saved. */
export interface AttemptCost {
  /** Replies the mock server sent during the attempt. */
  paidCalls: number;
  /** Node lines the attempt added to checkpoint.jsonl, a torn last line excluded. */
  savedNodes: number;
  signal: NodeJS.Signals | null;
  exitCode: number | null;
  stderr: string;
}

export interface KillOptions {
  server: MockServer;
  clock: HoldingClock;
  workspace: Workspace;
  args: string[];
  /** SIGKILL once results.jsonl holds this many lines; undefined runs to the end. */
  killAtResults?: number;
  /**
   * Hold every reply this long before the kill, so that the client reads
   * the replies already sent and none is in transit when it dies.
   */
  holdMs?: number;
}

async function checkpointLines(workspace: Workspace): Promise<number> {
  const runDir = await findRunDir(workspace.runsDir);
  return runDir === undefined ? 0 : countWholeLines(path.join(runDir, "checkpoint.jsonl"));
}

/** Waits until the server has noticed every connection of the dead client close. */
async function waitForServerIdle(server: MockServer): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (server.stats().inFlight > 0) {
    if (Date.now() > deadline) throw new Error("mock server still has requests in flight");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Runs one attempt, maybe kills it, and counts its paid calls and saved nodes. */
export async function runCountedAttempt(options: KillOptions): Promise<AttemptCost> {
  const { server, clock, workspace } = options;
  const paidBefore = server.stats().successes;
  const linesBefore = await checkpointLines(workspace);
  const running = startPlait(workspace, options.args);
  const holdMs = options.holdMs;
  const result =
    options.killAtResults === undefined
      ? await running.exited
      : (
          await stopWhenResults(
            running,
            workspace.runsDir,
            options.killAtResults,
            "SIGKILL",
            holdMs === undefined
              ? undefined
              : async () => {
                  clock.hold();
                  await new Promise((resolve) => setTimeout(resolve, holdMs));
                },
          )
        ).result;
  // Releasing earlier could answer a held request of the dead client
  // before the server saw its connection close.
  await waitForServerIdle(server);
  clock.release();
  expect(result.stderr).not.toMatch(/internal error/);
  return {
    paidCalls: server.stats().successes - paidBefore,
    savedNodes: (await checkpointLines(workspace)) - linesBefore,
    signal: result.signal,
    exitCode: result.exitCode,
    stderr: result.stderr,
  };
}
