import { setMaxListeners } from "node:events";
import path from "node:path";
import { openCheckpointWriter } from "../checkpoint/open-writer.js";
import type { ResumeState } from "../checkpoint/resume-state.js";
import { isStreamInput } from "../checkpoint/fingerprint.js";
import { createRunFolder, type RunFolder } from "../checkpoint/run-folder.js";
import { loadResources } from "../config/load-resources.js";
import { chooseProgressMode, isColorEnabled } from "../dashboard/progress-mode.js";
import { createProgressReporter } from "../dashboard/progress-reporter.js";
import { estimateCost } from "../execution/estimate.js";
import { countRecords, detectFormat, readRecords } from "../execution/record-stream.js";
import { runRecords, type RunTotals } from "../execution/runner.js";
import { UnreachableDetector } from "../execution/unreachable-detector.js";
import { compileJsonSchema } from "../graph/json-schema.js";
import { loadPipeline } from "../graph/load-pipeline.js";
import { describeUnusedNode, findUnusedNodes } from "../graph/summary.js";
import type { Graph } from "../graph/types.js";
import { formatUsd } from "../report/format-values.js";
import { RunMetricsCollector } from "../report/run-metrics.js";
import { TraceWriter } from "../report/trace-writer.js";
import type { CallListener } from "../resources/events.js";
import { createResourceManager, type ResourceManager } from "../resources/resource-manager.js";
import type { ResourceConfig } from "../resources/types.js";
import { systemClock } from "../util/clock.js";
import { handleInterrupts } from "./interrupt.js";
import { plaitInvocation } from "./invocation.js";
import { EXIT, plaitVersion } from "./main.js";
import { listPipelineFiles } from "./pipeline-files.js";
import { prepareResume } from "./run-resume.js";
import {
  describeOutcome,
  describeUnreachable,
  renderEstimate,
  renderRunSummary,
} from "./run-summary.js";
import {
  checkCsvHeader,
  checkFirstRecords,
  checkReadable,
  checkWritable,
} from "./run-input-checks.js";
import { UsageError } from "./usage-error.js";

export interface RunCommandOptions {
  pipeline: string;
  resources: string;
  input?: string;
  output?: string;
  runsDir: string;
  idField: string;
  limit?: number;
  maxInflight?: number;
  /** `--max-cost`; false for `--no-max-cost`, which drops a stored budget. */
  maxCost?: number | false;
  dryRun?: boolean;
  trace?: string;
  progress?: "plain" | "bar" | "dashboard" | "none";
  dashboard: boolean;
  color: boolean;
  json?: boolean;
  resume?: string | true;
  force?: boolean;
}

/** Default of `--runs-dir`. */
export const DEFAULT_RUNS_DIR = ".plait/runs";

/** How long running calls may finish after the first Ctrl-C before they are aborted. */
const GRACE_PERIOD_MS = 5_000;

/** How often metrics.json is rewritten, so `plait report` can read a running run. */
const METRICS_INTERVAL_MS = 2_000;

/**
 * Sums the spend of every successful call, for `--max-cost` and the
 * manifest. It counts calls at the resource manager, so calls of nodes
 * that later fail (an invalid reply, a schema mismatch) count too.
 */
class SpendMeter implements CallListener {
  constructor(public costUsd: number) {}

  onCallFinished(event: { result: { costUsd: number } }): void {
    this.costUsd += event.result.costUsd;
  }
}

/** Describes what a run stopped by `--max-cost` spent, across all its attempts. */
function describeBudgetSpend(totalUsd: number, thisAttemptUsd: number, attempts: number): string {
  const spent =
    attempts === 1
      ? `spent ${formatUsd(totalUsd)}`
      : `spent ${formatUsd(totalUsd)} across ${attempts} attempts of this run ` +
        `(${formatUsd(thisAttemptUsd)} in this one), which the budget counts together`;
  return (
    `${spent}; resume with a higher --max-cost <usd>, or with --no-max-cost ` +
    "to drop the budget"
  );
}

/**
 * Creates the detector that stops a run whose alias nothing can reach, and
 * keeps its message. `log` prints the stop as it happens, and the closing
 * lines repeat the message.
 */
function watchForUnreachable(
  resources: ResourceConfig,
  resourcesFile: string,
  log: (line: string) => void,
): { detector: UnreachableDetector; readonly description: string | undefined } {
  const aliasByEndpoint = new Map<string, string>();
  for (const [alias, endpoints] of resources.aliases) {
    for (const endpoint of endpoints) aliasByEndpoint.set(endpoint.name, alias);
  }
  const watch = {
    description: undefined as string | undefined,
    detector: new UnreachableDetector({
      aliasOf: (endpoint) => aliasByEndpoint.get(endpoint) ?? endpoint,
      onUnreachable: (found) => {
        const endpoints = resources.aliases.get(found.alias) ?? [];
        watch.description = describeUnreachable(found, endpoints, resourcesFile);
        log(
          `stopping: no new records; running calls get ${GRACE_PERIOD_MS / 1000} s to finish. ` +
            watch.description,
        );
      },
    }),
  };
  return watch;
}

/** True when an earlier attempt read the whole input and no record is left to run. */
function isAlreadyFinished(state: ResumeState): boolean {
  return state.manifest.status === "finished" && state.failedRecordIds.size === 0;
}

/** Loads both files; any problem is a ConfigError listing every issue. */
async function loadPlan(
  options: RunCommandOptions,
): Promise<{ graph: Graph; resources: ResourceConfig }> {
  await checkReadable(options.pipeline, "pipeline file");
  await checkReadable(options.resources, "resource file (--resources)");
  const resources = await loadResources(options.resources, process.env, {
    isKeyOptional: options.dryRun === true,
  });
  const graph = await loadPipeline(options.pipeline, { resources });
  return { graph, resources };
}

function recordOptions(options: RunCommandOptions, source: string, signal?: AbortSignal) {
  return {
    source,
    idField: options.idField,
    ...(signal !== undefined ? { signal } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
  };
}

/**
 * Builds the command that continues this run, for the interrupted, budget
 * and unreachable messages. A run that read standard input needs the same records piped
 * again, so its command keeps `--input -`.
 */
function resumeCommand(options: RunCommandOptions, folder: RunFolder): string {
  const runsDir = options.runsDir === DEFAULT_RUNS_DIR ? "" : ` --runs-dir ${options.runsDir}`;
  const input = options.input !== undefined && isStreamInput(options.input) ? " --input -" : "";
  return (
    `${plaitInvocation()} run ${options.pipeline} --resources ${options.resources} ` +
    `--resume ${folder.id}${runsDir}${input}`
  );
}

/**
 * Takes the options that decide which records a run covers, and how they
 * are named, from the run's manifest: a resume that read the input
 * differently would run finished records again under other ids. The
 * budget is the whole run's, so a stored `--max-cost` applies unless the
 * resume gives its own.
 */
function withStoredOptions(
  options: RunCommandOptions,
  stored: Record<string, unknown>,
): RunCommandOptions {
  const storedLimit = typeof stored["limit"] === "number" ? stored["limit"] : undefined;
  const limit = options.limit ?? storedLimit;
  const storedMaxCost = typeof stored["maxCost"] === "number" ? stored["maxCost"] : undefined;
  const maxCost = options.maxCost ?? storedMaxCost;
  return {
    ...options,
    idField: typeof stored["idField"] === "string" ? stored["idField"] : options.idField,
    ...(limit !== undefined ? { limit } : {}),
    ...(maxCost !== undefined ? { maxCost } : {}),
  };
}

/**
 * Runs a pipeline over the input and returns the exit code. Progress goes
 * to stderr; records go to the run folder; the summary goes to stdout.
 */
export async function runSession(options: RunCommandOptions): Promise<number> {
  if (options.dryRun && options.resume !== undefined) {
    throw new UsageError(
      "--dry-run cannot be combined with --resume; leave out --resume to estimate the whole input",
    );
  }
  if (options.input === undefined && options.resume === undefined) {
    throw new UsageError("--input is required: give a JSON Lines or CSV file, or - for stdin");
  }
  if (options.input !== undefined && options.input !== "-") {
    await checkReadable(options.input, "input file (--input)");
  }
  await checkWritable(options.output, "--output");
  if (options.output !== undefined && options.input !== undefined) {
    if (path.resolve(options.output) === path.resolve(options.input)) {
      throw new UsageError(
        `--output "${options.output}" is the input file; writing results there would erase ` +
          "the records before they are read. Choose another --output.",
      );
    }
  }
  await checkWritable(options.trace, "--trace");
  const { graph, resources } = await loadPlan(options);
  for (const node of findUnusedNodes(graph)) {
    process.stderr.write(`warning: ${describeUnusedNode(node)}\n`);
  }
  if (options.input !== undefined && options.input !== "-" && detectFormat(options.input) === "csv") {
    await checkCsvHeader(options.input, graph.inputFields);
  }

  if (options.resume === undefined) {
    const inputPath = options.input!;
    if (!isStreamInput(inputPath)) await checkFirstRecords(inputPath, recordOptions(options, inputPath));
    if (options.dryRun) {
      const estimate = await estimateCost(graph, resources, readRecords(recordOptions(options, inputPath)));
      process.stdout.write(options.json ? JSON.stringify(estimate) + "\n" : renderEstimate(estimate));
      return EXIT.ok;
    }
    const folder = await createRunFolder({
      runsDir: options.runsDir,
      pipeline: { path: options.pipeline, name: graph.name, files: listPipelineFiles(graph) },
      resources: { path: options.resources, config: resources },
      inputPath,
      ...(options.output !== undefined ? { outputPath: options.output } : {}),
      options: { ...options },
      plaitVersion,
      isLocked: true,
    });
    return await whileLocked(folder, () =>
      executeRun({ options, graph, resources, folder, inputPath, resume: undefined }),
    );
  }

  const target = await prepareResume({
    resume: options.resume,
    pipelinePath: options.pipeline,
    runsDir: options.runsDir,
    ...(options.input !== undefined ? { inputPath: options.input } : {}),
    force: options.force === true,
    graph,
    resources,
    onWarning: (line) => process.stderr.write(`warning: ${line}\n`),
  });
  const { folder, state: resume, inputPath } = target;
  return await whileLocked(folder, async () => {
    if (isAlreadyFinished(resume)) {
      process.stdout.write(
        `run ${resume.manifest.runId} already finished every record; nothing to resume. ` +
          `Its report: plait report ${resume.manifest.runId}\n`,
      );
      return EXIT.ok;
    }
    if (inputPath !== "-") await checkReadable(inputPath, "input file of the resumed run");
    const resumeOptions = withStoredOptions(options, resume.manifest.options);
    for (const warning of resume.warnings) process.stderr.write(`warning: ${warning}\n`);
    return executeRun({ options: resumeOptions, graph, resources, folder, inputPath, resume });
  });
}

/**
 * Runs `work` while this process holds the folder's lock, and releases the
 * lock however `work` ends. A signal before or after the run's own
 * interrupt handling also releases it, see `executeRun`.
 */
async function whileLocked(folder: RunFolder, work: () => Promise<number>): Promise<number> {
  folder.lock?.releaseOnSignals();
  try {
    return await work();
  } finally {
    folder.releaseLock();
  }
}

async function executeRun(context: {
  options: RunCommandOptions;
  graph: Graph;
  resources: ResourceConfig;
  folder: RunFolder;
  inputPath: string;
  resume: ResumeState | undefined;
}): Promise<number> {
  const { options, graph, resources, folder, inputPath, resume } = context;
  const clock = systemClock;
  // A budget given to this resume replaces the stored one for later resumes too.
  if (resume !== undefined) {
    const maxCostPatch =
      options.maxCost === undefined
        ? {}
        : { options: { ...folder.manifest.options, maxCost: options.maxCost } };
    folder.markResumed(maxCostPatch);
  }

  // The collector reads the manager's counters, and the manager sends the
  // collector its call events, so the collector reaches the manager lazily.
  let manager: ResourceManager | undefined;
  const collector = new RunMetricsCollector({ clock, resourceMetrics: () => manager!.metrics() });
  const trace = options.trace === undefined ? undefined : new TraceWriter(options.trace, clock.now());
  const spend = new SpendMeter(resume?.previousCostUsd ?? 0);
  const unreachable = watchForUnreachable(resources, options.resources, (line) =>
    reporter.log(line),
  );
  const callListeners: CallListener[] =
    trace === undefined
      ? [collector, spend, unreachable.detector]
      : [collector, trace, spend, unreachable.detector];
  manager = createResourceManager({ config: resources, clock, listeners: callListeners });
  try {
    await manager.prepare();
  } catch (error) {
    await manager.close();
    folder.updateManifest({ status: "failed", finishedAt: new Date().toISOString() });
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }

  const writer = openCheckpointWriter(folder, {
    clock,
    bufferSize: resources.checkpointBufferSize,
    ...(resume !== undefined ? { resume } : {}),
  });
  const stream = process.stderr;
  const mode = chooseProgressMode({
    ...(options.progress !== undefined
      ? { flag: options.progress }
      : options.dashboard
        ? {}
        : { flag: "plain" }),
    isTTY: stream.isTTY === true,
    env: process.env,
  });
  const reporter = await createProgressReporter({
    mode,
    stream,
    isColor: isColorEnabled({
      isTTY: stream.isTTY === true,
      env: process.env,
      isColorDisabled: !options.color,
    }),
    collector,
    clock,
  });

  // Records in a file input, counted ahead of the run; unknown for a pipe.
  let countedTotal: number | null = null;
  // writer.totals counts every attempt of this run folder, earlier ones
  // included, so it is the record count the manifest keeps.
  const recordManifestProgress = (total: number | null) => {
    folder.updateManifest({
      records: {
        done: writer.totals.recordsDone,
        failed: writer.totals.recordsFailed,
        total,
      },
      costUsd: spend.costUsd,
    });
  };
  const finishManifest = (status: "finished" | "interrupted" | "failed", totals?: RunTotals) => {
    const isComplete = totals !== undefined && totals.stoppedBy === undefined;
    recordManifestProgress(isComplete ? totals.read : countedTotal);
    folder.updateManifest({ status, finishedAt: new Date().toISOString() });
    folder.writeMetrics(() => collector.toJSON());
  };

  // From here the run's own handler takes SIGINT and SIGTERM, see below.
  folder.lock?.stopReleasingOnSignals();
  const interrupts = handleInterrupts({
    graceMs: GRACE_PERIOD_MS,
    onFirst: () => {
      // Through the reporter, so a live dashboard keeps the notice above it.
      reporter.log(
        `stopping: no new records; running calls get ${GRACE_PERIOD_MS / 1000} s to finish ` +
          "(press Ctrl-C again to exit now)",
      );
    },
    onForceExit: () => {
      writer.flushSync();
      void trace?.close();
      finishManifest("interrupted");
      reporter.log(`interrupted; continue with: ${resumeCommand(options, folder)}`);
      process.exit(EXIT.interrupted);
    },
  });

  // A pipe can be read only once, so its records are not counted ahead.
  const total = isStreamInput(inputPath) ? undefined : await countRecords(inputPath, options.limit);
  if (total !== undefined) collector.setTotalRecords(total - (resume?.finishedRecordIds.size ?? 0));
  countedTotal = total ?? null;
  const metricsTimer = setInterval(() => {
    folder.writeMetrics(() => collector.toJSON());
    recordManifestProgress(countedTotal);
  }, METRICS_INTERVAL_MS);
  metricsTimer.unref();
  reporter.start();

  // Once an alias is found unreachable, its records' calls would go on
  // retrying with backoff. So after the same grace as Ctrl-C they are
  // aborted, and those records stay unfinished and resumable, not failed.
  const unreachableAbort = new AbortController();
  unreachable.detector.signal.addEventListener(
    "abort",
    () => setTimeout(() => unreachableAbort.abort(), GRACE_PERIOD_MS).unref(),
    { once: true },
  );
  const abortSignal = AbortSignal.any([interrupts.abortSignal, unreachableAbort.signal]);
  setMaxListeners(0, abortSignal);

  let totals: RunTotals;
  const maxCost = typeof options.maxCost === "number" ? options.maxCost : undefined;
  try {
    totals = await runRecords({
      graph,
      gateway: manager,
      records: readRecords(recordOptions(options, inputPath, interrupts.stopSignal)),
      maxInflightGraphs: options.maxInflight ?? resources.maxInflightGraphs,
      maxTotalConcurrent: resources.maxTotalConcurrent,
      listeners: [writer, collector],
      clock,
      stopSignal: interrupts.stopSignal,
      abortSignal,
      unreachableSignal: unreachable.detector.signal,
      ...(resume !== undefined
        ? {
            resume: {
              finishedRecordIds: resume.finishedRecordIds,
              nodeValues: resume.nodeValues,
            },
          }
        : {}),
      checkSchema: compileJsonSchema,
      waitForOutput: () => (writer.isBackedUp ? writer.waitForDrain() : undefined),
      ...(maxCost !== undefined ? { canAdmit: () => spend.costUsd < maxCost } : {}),
    });
  } catch (error) {
    finishManifest("failed");
    throw error;
  } finally {
    clearInterval(metricsTimer);
    await writer.close();
    await trace?.close();
    await manager.close();
    interrupts.dispose();
    folder.lock?.releaseOnSignals();
    await reporter.stop();
  }
  const isInterrupted = totals.stoppedBy === "signal" || totals.interrupted > 0;
  const isStoppedEarly = totals.stoppedBy === "budget" || totals.stoppedBy === "unreachable";
  if (resume !== undefined && isStreamInput(inputPath) && totals.read === 0 && !isInterrupted) {
    // An empty pipe would otherwise mark the run finished, and a finished
    // run can no longer be resumed with the right records.
    finishManifest("interrupted");
    process.stderr.write(
      "plait: standard input held no records, so the run stays resumable; pipe the same " +
        `records again: ${resumeCommand(options, folder)}\n`,
    );
    return EXIT.usage;
  }
  finishManifest(isInterrupted || isStoppedEarly ? "interrupted" : "finished", totals);

  const metrics = collector.toJSON();
  const isBudgetStop = totals.stoppedBy === "budget";
  // The same budget would stop a resume at once, so the command requests a new one.
  const budgetFlag = isBudgetStop ? " --max-cost <usd>" : "";
  const continueCommand = resumeCommand(options, folder) + budgetFlag;
  const outcome = describeOutcome({
    folder,
    totals,
    ...(maxCost !== undefined ? { budgetUsd: maxCost } : {}),
    resumeCommand: continueCommand,
    ...(unreachable.description !== undefined ? { unreachable: unreachable.description } : {}),
  });
  const attempts = 1 + folder.manifest.resumedAt.length;
  if (isBudgetStop) {
    const previousUsd = resume?.previousCostUsd ?? 0;
    outcome.push(describeBudgetSpend(spend.costUsd, spend.costUsd - previousUsd, attempts));
  }
  if (options.json) {
    const summary = {
      runId: folder.id,
      runDir: folder.dir,
      totals,
      metrics,
      attempts,
      costUsdAllAttempts: spend.costUsd,
      ...(maxCost !== undefined ? { maxCostUsd: maxCost } : {}),
      ...(unreachable.detector.unreachable !== undefined
        ? { unreachable: unreachable.detector.unreachable }
        : {}),
    };
    process.stdout.write(JSON.stringify(summary) + "\n");
    stream.write(outcome.join("\n") + "\n");
  } else {
    process.stdout.write(renderRunSummary(metrics, folder) + outcome.join("\n") + "\n");
  }
  if (unreachable.detector.unreachable !== undefined && !interrupts.stopSignal.aborted) {
    // No call succeeded, so the resources are wrong rather than the records.
    return unreachable.detector.successfulCalls === 0 ? EXIT.usage : EXIT.someRecordsFailed;
  }
  if (isInterrupted) return EXIT.interrupted;
  if (totals.failed > 0 || totals.stoppedBy === "budget") return EXIT.someRecordsFailed;
  return EXIT.ok;
}
