import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { expect } from "vitest";
import {
  REPO_ROOT,
  runCli,
  startCli,
  type CliResult,
  type RunningCli,
} from "../support/run-cli.js";
import { makeTempDir } from "../support/temp-dir.js";

export const TRIAGE = path.join(REPO_ROOT, "pipelines/triage.yaml");

/** Nodes of pipelines/triage.yaml, each one LLM call. */
export const TRIAGE_NODES = ["summary", "category", "reply"] as const;

/** Maximum calls in flight: `max_concurrent` of fast plus that of smart. */
export const MAX_CALLS_IN_FLIGHT = 16;

export interface ResourceSettings {
  bufferSize: number;
  /** Defaults to the `simulated` provider; anything else replaces both endpoints. */
  endpoints?: { fast: string; smart: string };
}

/**
 * Builds a resource file for triage.yaml. Each call waits about 20 ms, so a few
 * hundred records take a second or two: long enough to kill a run midway.
 * The result cache is off so that every node costs exactly one call, which
 * makes calls countable across attempts.
 */
export function triageResources(settings: ResourceSettings): string {
  const simulated = "provider: simulated, latency_ms: 20, jitter_ms: 10";
  const fast = settings.endpoints?.fast ?? simulated;
  const smart = settings.endpoints?.smart ?? simulated;
  return [
    "endpoints:",
    `  fast: {${fast}, max_concurrent: 8, input_cost_per_1m: 1, output_cost_per_1m: 2}`,
    `  smart: {${smart}, max_concurrent: 8, input_cost_per_1m: 3, output_cost_per_1m: 6}`,
    "max_inflight_graphs: 16",
    `checkpoint_buffer_size: ${settings.bufferSize}`,
    "result_cache_size: 0",
    "",
  ].join("\n");
}

/** Support tickets with distinct ids (in `idField`) and texts, as triage.yaml expects. */
export function makeTickets(count: number, idField = "id"): string {
  const topics = ["a double charge", "a crash on start", "a login loop", "a missing invoice"];
  const lines: string[] = [];
  for (let index = 0; index < count; index++) {
    const ticket = `Ticket ${index} is about ${topics[index % topics.length]}`;
    const customer = `Customer ${index % 23}`;
    lines.push(JSON.stringify({ [idField]: `t${index}`, ticket, customer }));
  }
  return lines.join("\n") + "\n";
}

/** A temp folder with a resource file, an input file and a runs folder. */
export interface Workspace {
  dir: string;
  resources: string;
  input: string;
  runsDir: string;
  recordCount: number;
}

export async function makeWorkspace(options: {
  recordCount: number;
  resourcesYaml: string;
  /** Field of each record that holds its id. Default "id". */
  idField?: string;
}): Promise<Workspace> {
  const dir = await makeTempDir("plait-resume-");
  const workspace: Workspace = {
    dir,
    resources: path.join(dir, "resources.yaml"),
    input: path.join(dir, "tickets.jsonl"),
    runsDir: path.join(dir, "runs"),
    recordCount: options.recordCount,
  };
  await writeFile(workspace.resources, options.resourcesYaml);
  await writeFile(workspace.input, makeTickets(options.recordCount, options.idField));
  return workspace;
}

/** Arguments that start a new run of `pipeline` over the workspace input. */
export function newRunArgs(workspace: Workspace, pipeline = TRIAGE): string[] {
  return ["run", pipeline, "--resources", workspace.resources, "--input", workspace.input];
}

/** Arguments that resume a run: the named one, or the latest of `pipeline`. */
export function resumeArgs(workspace: Workspace, runId?: string, pipeline = TRIAGE): string[] {
  const resume = runId === undefined ? ["--resume"] : ["--resume", runId];
  return ["run", pipeline, "--resources", workspace.resources, ...resume];
}

function commonArgs(workspace: Workspace): string[] {
  return ["--runs-dir", workspace.runsDir, "--progress", "plain"];
}

export function startPlait(workspace: Workspace, args: string[]): RunningCli {
  return startCli([...args, ...commonArgs(workspace)], { cwd: workspace.dir });
}

export function runPlait(workspace: Workspace, args: string[]): Promise<CliResult> {
  return runCli([...args, ...commonArgs(workspace)], { cwd: workspace.dir });
}

/** The one run folder under the runs folder, or undefined before it exists. */
export async function findRunDir(runsDir: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = await readdir(runsDir);
  } catch {
    return undefined;
  }
  if (names.length > 1) throw new Error(`expected one run under ${runsDir}, found ${names}`);
  return names.length === 1 ? path.join(runsDir, names[0]!) : undefined;
}

export async function onlyRunDir(runsDir: string): Promise<string> {
  const dir = await findRunDir(runsDir);
  if (dir === undefined) throw new Error(`no run folder under ${runsDir}`);
  return dir;
}

/** Lines that end in a newline; a torn last line is not counted. A missing file has none. */
export async function countWholeLines(file: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return 0;
  }
  let count = 0;
  for (let index = text.indexOf("\n"); index !== -1; index = text.indexOf("\n", index + 1)) {
    count++;
  }
  return count;
}

/** What the test saw when it stopped a run with a signal. */
export interface StopOutcome {
  result: CliResult;
  /** Lines of the watched file on disk when the signal was sent. */
  linesAtSignal: number;
}

export interface StopOptions {
  /** A file of the run folder to watch. Default "results.jsonl". */
  file?: string;
  /** Send the signal once `file` holds at least this many whole lines. */
  minLines: number;
  signal: NodeJS.Signals;
  /** Runs, and is awaited, between seeing the threshold and sending the signal. */
  beforeSignal?: () => Promise<void>;
}

/**
 * Resolves with the line count once a file of the run folder holds at
 * least `minLines` whole lines. Rejects when the run exits first.
 */
export async function waitForLines(
  running: RunningCli,
  runsDir: string,
  file: string,
  minLines: number,
): Promise<number> {
  let hasExited = false;
  void running.exited.then(() => (hasExited = true));
  const pollMs = 5;
  while (!hasExited) {
    const dir = await findRunDir(runsDir);
    if (dir !== undefined) {
      const lines = await countWholeLines(path.join(dir, file));
      if (lines >= minLines && !hasExited) return lines;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  const result = await running.exited;
  throw new Error(
    `run exited (${result.exitCode}) before ${file} had ${minLines} lines:\n${result.stderr}`,
  );
}

/**
 * Sends a signal to the run once a file of its run folder holds enough
 * lines, and waits for the child to exit. Fails the test when the run ends
 * before that, because a kill that never happened tests nothing.
 */
export async function stopWhen(
  running: RunningCli,
  runsDir: string,
  options: StopOptions,
): Promise<StopOutcome> {
  const file = options.file ?? "results.jsonl";
  const lines = await waitForLines(running, runsDir, file, options.minLines);
  await options.beforeSignal?.();
  running.process.kill(options.signal);
  return { result: await running.exited, linesAtSignal: lines };
}

/** Sends `signal` once results.jsonl holds `minLines` lines; see `stopWhen`. */
export function stopWhenResults(
  running: RunningCli,
  runsDir: string,
  minLines: number,
  signal: NodeJS.Signals,
): Promise<StopOutcome> {
  return stopWhen(running, runsDir, { minLines, signal });
}

/** Resolves once the child has written text matching `pattern` to stderr. */
export function waitForStderr(running: RunningCli, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!pattern.test(running.output.stderr)) return;
      running.process.stderr?.off("data", check);
      resolve();
    };
    running.process.stderr?.on("data", check);
    check();
    void running.exited.then(() => reject(new Error(`exited before printing ${pattern}`)));
  });
}

export async function readJsonLines(file: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(file, "utf8");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Outputs of results.jsonl by record id; fails the test if an id appears twice. */
export async function readOutputsById(file: string): Promise<Map<string, unknown>> {
  const outputs = new Map<string, unknown>();
  const repeated: string[] = [];
  for (const line of await readJsonLines(file)) {
    const id = String(line["id"]);
    if (outputs.has(id)) repeated.push(id);
    outputs.set(id, line["output"]);
  }
  expect(repeated, "ids written twice to results.jsonl").toEqual([]);
  return outputs;
}

/** `record/node` keys of checkpoint.jsonl, each once; fails the test on a repeat. */
export async function readCheckpointKeys(runDir: string): Promise<Set<string>> {
  const keys = new Set<string>();
  const repeated: string[] = [];
  for (const line of await readJsonLines(path.join(runDir, "checkpoint.jsonl"))) {
    const key = `${String(line["r"])}/${String(line["n"])}`;
    if (keys.has(key)) repeated.push(key);
    keys.add(key);
  }
  expect(repeated, "nodes checkpointed twice").toEqual([]);
  return keys;
}

export async function readManifest(runDir: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path.join(runDir, "manifest.json"), "utf8")) as Record<
    string,
    unknown
  >;
}

/**
 * Resumes the run in `workspace` until an attempt exits 0, at most
 * `maxAttempts` times, and returns every attempt's result.
 */
export async function resumeUntilDone(
  workspace: Workspace,
  runId?: string,
  maxAttempts = 3,
): Promise<CliResult[]> {
  const results: CliResult[] = [];
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const result = await runPlait(workspace, resumeArgs(workspace, runId));
    results.push(result);
    if (result.exitCode !== 130) break;
  }
  return results;
}

/** Checks that the run folder holds exactly the reference outputs and no errors. */
export async function expectSameAsReference(
  runDir: string,
  reference: Map<string, unknown>,
): Promise<void> {
  const outputs = await readOutputsById(path.join(runDir, "results.jsonl"));
  expect([...outputs.keys()].sort()).toEqual([...reference.keys()].sort());
  for (const [id, output] of reference) {
    expect(outputs.get(id), `output of record ${id}`).toEqual(output);
  }
  expect(await readFile(path.join(runDir, "errors.jsonl"), "utf8")).toBe("");
}
