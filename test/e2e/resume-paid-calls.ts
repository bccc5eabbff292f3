import path from "node:path";
import { expect } from "vitest";
import { startMockServer, type MockServer } from "../../src/mock-server/index.js";
import type { RunningCli } from "../support/run-cli.js";
import {
  countWholeLines,
  findRunDir,
  startPlait,
  stopWhen,
  triageResources,
  type Workspace,
} from "./resume-harness.js";
import { HoldingClock } from "./resume-holding-clock.js";

/** A mock server whose replies a test can hold, and a resource file that points at it. */
export interface CountingServer {
  server: MockServer;
  clock: HoldingClock;
  resourcesYaml: string;
}

/**
 * Starts a mock server for one test, so that its counters see that test's
 * calls only. Each call waits about 20 ms, as on the simulated provider.
 */
export async function startCountingServer(bufferSize: number): Promise<CountingServer> {
  const clock = new HoldingClock();
  const server = await startMockServer({ latencyMs: 20, jitterMs: 10, clock });
  const endpoint = (model: string) =>
    `provider: openai, model: ${model}, base_url: "${server.url}/v1", api_key: sk-test`;
  const resourcesYaml = triageResources({
    bufferSize,
    endpoints: { fast: endpoint("gpt-4o-mini"), smart: endpoint("gpt-4o") },
  });
  return { server, clock, resourcesYaml };
}

/** What one attempt of a run paid for and what it saved. */
export interface AttemptCost {
  /** Replies the mock server sent during the attempt. */
  paidCalls: number;
  /** Node lines the attempt added to checkpoint.jsonl, a torn last line excluded. */
  savedNodes: number;
  signal: NodeJS.Signals | null;
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface KillOptions {
  mock: CountingServer;
  workspace: Workspace;
  args: string[];
  /** Send the signal once results.jsonl has this many lines; undefined runs to the end. */
  killAtResults?: number;
  /**
   * Hold every reply this long before the kill, so that the client reads
   * the replies already sent and none is in transit when it dies.
   */
  holdMs?: number;
  /** Sent at `killAtResults`. Default SIGKILL. */
  signal?: NodeJS.Signals;
  /** Runs after the hold and before the signal, with replies still held. */
  beforeSignal?: (running: RunningCli) => Promise<void>;
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
  const { server, clock } = options.mock;
  const workspace = options.workspace;
  const paidBefore = server.stats().successes;
  const linesBefore = await checkpointLines(workspace);
  const running = startPlait(workspace, options.args);
  const { holdMs, killAtResults, beforeSignal } = options;
  const prepareKill = async () => {
    if (holdMs !== undefined) {
      clock.hold();
      await new Promise((resolve) => setTimeout(resolve, holdMs));
    }
    await beforeSignal?.(running);
  };
  const result =
    killAtResults === undefined
      ? await running.exited
      : (
          await stopWhen(running, workspace.runsDir, {
            minLines: killAtResults,
            signal: options.signal ?? "SIGKILL",
            beforeSignal: prepareKill,
          })
        ).result;
  // Releasing earlier could send a reply to a held request of the dead client
  // before the server saw its connection close.
  await waitForServerIdle(server);
  clock.release();
  expect(result.stderr).not.toMatch(/internal error/);
  return {
    paidCalls: server.stats().successes - paidBefore,
    savedNodes: (await checkpointLines(workspace)) - linesBefore,
    signal: result.signal,
    exitCode: result.exitCode,
    stdout: result.stdout,
    stderr: result.stderr,
  };
}
