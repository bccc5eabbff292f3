import path from "node:path";
import { describeChanges } from "../checkpoint/changes.js";
import { computeFingerprints } from "../checkpoint/fingerprint.js";
import { findLatestRun } from "../checkpoint/list-runs.js";
import { loadResumeState, type ResumeState } from "../checkpoint/resume-state.js";
import { readManifest } from "../checkpoint/manifest.js";
import { openRunFolder, RUN_FILES, type RunFolder } from "../checkpoint/run-folder.js";
import { acquireRunLock } from "../checkpoint/run-lock.js";
import type { Graph } from "../graph/types.js";
import { resolveRunDir } from "../report/run-folder-metrics.js";
import type { ResourceConfig } from "../resources/types.js";
import { listPipelineFiles } from "./pipeline-files.js";
import { UsageError } from "./usage-error.js";

export interface ResumeTarget {
  /** Holds the run's lock; the caller releases it with `folder.releaseLock()`. */
  folder: RunFolder;
  state: ResumeState;
  /** The input of the stopped run, unless `--input` names another. */
  inputPath: string;
}

/** Finds the run folder `--resume` names, or the latest run of this pipeline. */
function findRunDir(resume: string | true, pipelinePath: string, runsDir: string): string {
  if (resume !== true) {
    try {
      return resolveRunDir(resume, runsDir);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
  }
  const latest = findLatestRun(runsDir, pipelinePath);
  if (latest === null) {
    throw new UsageError(
      `--resume found no earlier run of ${pipelinePath} under ${runsDir}; ` +
        "start one without --resume, or name the run (plait runs lists them)",
    );
  }
  return latest.dir;
}

export interface PrepareResumeOptions {
  resume: string | true;
  pipelinePath: string;
  runsDir: string;
  inputPath?: string;
  force: boolean;
  graph: Graph;
  resources: ResourceConfig;
  /** Receives one line when a stale lock was taken over, before the folder is read. */
  onWarning?: (line: string) => void;
}

/**
 * Locks and opens a stopped run for `--resume`. Throws RunLockedError when
 * another process holds the run's lock, and releases the lock again when
 * anything else fails.
 */
export async function prepareResume(options: PrepareResumeOptions): Promise<ResumeTarget> {
  const dir = findRunDir(options.resume, options.pipelinePath, options.runsDir);
  // The manifest is read first so that a folder that is no run gets no
  // lock file. The lock comes before the other files are read, so that no
  // other process appends to them between the read and this run's writes.
  const { runId } = readManifest(path.join(dir, RUN_FILES.manifest));
  const lock = acquireRunLock(dir, { runId });
  if (lock.warning !== undefined) options.onWarning?.(lock.warning);
  try {
    const { state, inputPath } = await readResumable(dir, options);
    return { folder: openRunFolder(dir, { lock }), state, inputPath };
  } catch (error) {
    lock.release();
    throw error;
  }
}

/**
 * Reads a stopped run and checks it can be resumed. Refuses, unless
 * `force`, when the pipeline, resources or input changed since the run
 * began, because reused node values would then mix two versions of the
 * work.
 */
async function readResumable(
  dir: string,
  options: PrepareResumeOptions,
): Promise<{ state: ResumeState; inputPath: string }> {
  const state = await loadResumeState(dir);
  const inputPath = options.inputPath ?? state.manifest.input.path;
  if (inputPath === "-" && options.inputPath === undefined) {
    throw new UsageError(
      `run ${state.manifest.runId} read its records from standard input; ` +
        "pass --input - and pipe the same records again",
    );
  }
  const fingerprints = await computeFingerprints({
    pipelineFiles: listPipelineFiles(options.graph),
    resources: options.resources,
    inputPath,
  });
  const changes = describeChanges(state.manifest, fingerprints);
  const runInput = state.manifest.input.path;
  if (options.inputPath !== undefined && path.resolve(options.inputPath) !== path.resolve(runInput)) {
    throw new UsageError(
      `--input ${options.inputPath} is not the input of run ${state.manifest.runId}, ` +
        `which read ${runInput}; leave out --input to resume with it, or start a new run`,
    );
  }
  if (changes.length > 0 && !options.force) {
    throw new UsageError(
      `cannot resume run ${state.manifest.runId}: ${changes.join("; ")}. ` +
        "Resume anyway with --force, or start a new run without --resume.",
    );
  }
  return { state, inputPath };
}
