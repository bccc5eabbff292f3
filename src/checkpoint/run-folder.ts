import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ResourceConfig } from "../resources/types.js";
import { DIR_MODE, writeJsonAtomicSync } from "./atomic-file.js";
import { computeFingerprints } from "./fingerprint.js";
import {
  MANIFEST_FORMAT,
  readManifest,
  type ManifestPatch,
  type RunManifest,
} from "./manifest.js";
import { assertNotRunningElsewhere } from "./process-status.js";
import { RunFolderError } from "./run-folder-error.js";
import { createRunId } from "./run-id.js";
import { acquireRunLock, LOCK_FILE, type RunLock } from "./run-lock.js";

/** File names inside a run folder. */
export const RUN_FILES = {
  manifest: "manifest.json",
  checkpoint: "checkpoint.jsonl",
  results: "results.jsonl",
  errors: "errors.jsonl",
  /** Errors of earlier attempts, kept only while a resumed run is going. */
  previousErrors: "errors.previous.jsonl",
  metrics: "metrics.json",
  trace: "trace.json",
  /** Present while a process writes to the run; see `acquireRunLock`. */
  lock: LOCK_FILE,
} as const;

export interface RunPaths {
  manifest: string;
  checkpoint: string;
  /** `results.jsonl` in the folder, or the `--output` file. */
  results: string;
  errors: string;
  previousErrors: string;
  metrics: string;
  trace: string;
  lock: string;
}

export interface CreateRunFolderOptions {
  /** Parent of every run folder, `--runs-dir`; created when missing. */
  runsDir: string;
  pipeline: {
    /** As given on the command line. */
    path: string;
    /** The pipeline's `name`, used in the run id. */
    name: string;
    /** Every file the pipeline loads, main file first. Default: `[path]`. */
    files?: string[];
  };
  resources: { path: string; config: ResourceConfig };
  /** A file path, or `-` for standard input. */
  inputPath: string;
  /** `--output`; default `results.jsonl` in the run folder. */
  outputPath?: string;
  /** Parsed run options; keys that look like secrets are dropped. */
  options: Record<string, unknown>;
  plaitVersion: string;
  /** Records in the input, when already known (for example from `--limit`). */
  recordsTotal?: number | null;
  /** Wall clock for the run id and timestamps. Default: the system time. */
  now?: () => Date;
  /**
   * Takes the run lock before the manifest is written, so that no other
   * process can resume the run while this one creates it. Default false.
   */
  isLocked?: boolean;
}

export interface OpenRunFolderOptions {
  /** Wall clock for timestamps. Default: the system time. */
  now?: () => Date;
  /** The lock this process took on the folder before opening it. */
  lock?: RunLock;
}

/** An open run folder: its paths and its manifest, which only this object writes. */
export class RunFolder {
  readonly dir: string;
  readonly id: string;
  readonly paths: RunPaths;
  /** The lock this process holds on the folder, when it took one. */
  readonly lock: RunLock | undefined;
  private current: RunManifest;
  private readonly now: () => Date;

  constructor(
    dir: string,
    manifest: RunManifest,
    now: () => Date = () => new Date(),
    lock?: RunLock,
  ) {
    this.dir = path.resolve(dir);
    this.id = manifest.runId;
    this.current = manifest;
    this.now = now;
    this.lock = lock;
    const inFolder = (name: string) => path.join(this.dir, name);
    this.paths = {
      manifest: inFolder(RUN_FILES.manifest),
      checkpoint: inFolder(RUN_FILES.checkpoint),
      results: manifest.outputPath,
      errors: inFolder(RUN_FILES.errors),
      previousErrors: inFolder(RUN_FILES.previousErrors),
      metrics: inFolder(RUN_FILES.metrics),
      trace: inFolder(RUN_FILES.trace),
      lock: inFolder(RUN_FILES.lock),
    };
  }

  get manifest(): RunManifest {
    return this.current;
  }

  /**
   * Applies `patch` and rewrites manifest.json atomically. Synchronous so
   * that the exit path can record the final status.
   */
  updateManifest(patch: ManifestPatch): RunManifest {
    const options = patch.options === undefined ? {} : { options: dropSecrets(patch.options) };
    this.current = {
      ...this.current,
      ...patch,
      ...options,
      updatedAt: this.now().toISOString(),
    };
    writeJsonAtomicSync(this.paths.manifest, this.current);
    return this.current;
  }

  /**
   * Marks the run as running again in this process, for `--resume`. Without
   * a held lock it checks the manifest's pid instead, and throws
   * RunFolderError when another live process still runs the run. The lock
   * is the better check: it also distinguishes a reused pid from the run's process.
   */
  markResumed(patch: ManifestPatch = {}): RunManifest {
    if (this.lock?.isHeld !== true) assertNotRunningElsewhere(this.current);
    return this.updateManifest({
      ...patch,
      status: "running",
      pid: process.pid,
      resumedAt: [...this.current.resumedAt, this.now().toISOString()],
    });
  }

  /** Releases the folder's lock, if this process holds one; safe to call more than once. */
  releaseLock(): void {
    this.lock?.release();
  }

  /** Writes metrics.json atomically from the metrics collector's `toJSON`. */
  writeMetrics(toJSON: () => unknown): void {
    writeJsonAtomicSync(this.paths.metrics, toJSON());
  }
}

/** Creates `<runsDir>/<run-id>/` with its manifest, status `running`. */
export async function createRunFolder(options: CreateRunFolderOptions): Promise<RunFolder> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const files = options.pipeline.files ?? [options.pipeline.path];
  const fingerprints = await computeFingerprints({
    pipelineFiles: files,
    resources: options.resources.config,
    inputPath: options.inputPath,
  });
  fs.mkdirSync(options.runsDir, { recursive: true, mode: DIR_MODE });
  const { runId, dir } = makeUniqueDir(options.runsDir, options.pipeline.name, startedAt);
  const lock = options.isLocked === true ? acquireRunLock(dir, { runId, now }) : undefined;
  const outputPath = path.resolve(options.outputPath ?? path.join(dir, RUN_FILES.results));
  const manifest: RunManifest = {
    format: MANIFEST_FORMAT,
    runId,
    plaitVersion: options.plaitVersion,
    pid: process.pid,
    hostname: os.hostname(),
    pipeline: {
      path: options.pipeline.path,
      absolutePath: path.resolve(options.pipeline.path),
      name: options.pipeline.name,
      sha256: fingerprints.pipeline.sha256,
      files: fingerprints.pipeline.files,
    },
    resources: { path: options.resources.path, sha256: fingerprints.resources },
    input: { path: options.inputPath, fingerprint: fingerprints.input },
    outputPath,
    options: dropSecrets(options.options),
    startedAt: startedAt.toISOString(),
    updatedAt: startedAt.toISOString(),
    resumedAt: [],
    status: "running",
    records: { done: 0, failed: 0, total: options.recordsTotal ?? null },
    costUsd: 0,
  };
  try {
    writeJsonAtomicSync(path.join(dir, RUN_FILES.manifest), manifest);
  } catch (error) {
    lock?.release();
    throw error;
  }
  return new RunFolder(dir, manifest, now, lock);
}

/** Opens an existing run folder; throws RunFolderError when it is not one. */
export function openRunFolder(dir: string, options: OpenRunFolderOptions = {}): RunFolder {
  if (!fs.existsSync(dir)) throw new RunFolderError(`run folder ${dir} not found`);
  const manifest = readManifest(path.join(dir, RUN_FILES.manifest));
  return new RunFolder(dir, manifest, options.now, options.lock);
}

function makeUniqueDir(runsDir: string, name: string, startedAt: Date) {
  // Two runs started in the same second differ in their random suffix; a
  // clash of that too is retried with a fresh suffix.
  for (let attempt = 0; ; attempt++) {
    const runId = createRunId(name, startedAt);
    const dir = path.resolve(runsDir, runId);
    try {
      fs.mkdirSync(dir, { mode: DIR_MODE });
      return { runId, dir };
    } catch (error) {
      const isClash = error instanceof Error && "code" in error && error.code === "EEXIST";
      if (!isClash || attempt >= 10) throw error;
    }
  }
}

/** Option names that may carry a credential; never written to a run folder. */
const SECRET_OPTION = /api[-_]?key|secret|password|authorization|bearer/i;

function dropSecrets(options: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (!SECRET_OPTION.test(key) && value !== undefined) kept[key] = value;
  }
  return kept;
}
