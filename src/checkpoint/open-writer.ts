import fs from "node:fs";
import path from "node:path";
import type { Clock } from "../util/clock.js";
import { writeFileAtomicSync } from "./atomic-file.js";
import { CheckpointWriter } from "./checkpoint-writer.js";
import { FileSink } from "./file-sink.js";
import { isNotFound } from "./manifest.js";
import { assertNotRunningElsewhere } from "./process-status.js";
import type { ResumeState } from "./resume-state.js";
import type { RunFolder } from "./run-folder.js";
import { RunFolderError } from "./run-folder-error.js";

export interface OpenCheckpointWriterOptions {
  clock: Clock;
  /** `checkpoint_buffer_size` from the resources. Default 10. */
  bufferSize?: number;
  /** Maximum time a line waits before a flush starts, in ms. Default 1000. */
  flushIntervalMs?: number;
  /** See CheckpointWriterOptions.highWaterMark. Default 4 MiB. */
  highWaterMark?: number;
  /** The state `loadResumeState` read from this folder, when resuming. */
  resume?: ResumeState;
}

/**
 * Opens the writer on a run folder's files.
 *
 * A new run needs an empty checkpoint.jsonl and errors.jsonl. A results
 * file outside the folder (`--output`) is emptied.
 *
 * A resumed run first cuts the torn last line off checkpoint.jsonl and the
 * results file, then moves the errors of still-failed records to
 * errors.previous.jsonl and empties errors.jsonl. Records that fail again
 * get new lines. On close, the carried lines of records that neither
 * finished nor failed again are appended and errors.previous.jsonl is
 * deleted. So errors.jsonl lists every record still failed, once.
 */
export function openCheckpointWriter(
  folder: RunFolder,
  options: OpenCheckpointWriterOptions,
): CheckpointWriter {
  const { paths } = folder;
  const resume = options.resume;
  const writerOptions = {
    clock: options.clock,
    bufferSize: options.bufferSize,
    flushIntervalMs: options.flushIntervalMs,
    highWaterMark: options.highWaterMark,
  };

  if (resume === undefined) {
    for (const file of [paths.checkpoint, paths.errors]) assertEmpty(file, folder.id);
    const isResultsInFolder = path.dirname(paths.results) === folder.dir;
    if (isResultsInFolder) assertEmpty(paths.results, folder.id);
    const sinks = {
      checkpoint: new FileSink(paths.checkpoint),
      results: new FileSink(paths.results, 0),
      errors: new FileSink(paths.errors),
    };
    return new CheckpointWriter(sinks, writerOptions);
  }

  assertNotRunningElsewhere(folder.manifest);
  writeFileAtomicSync(paths.previousErrors, [...resume.errorLinesById.values()].join(""));
  const sinks = {
    checkpoint: new FileSink(paths.checkpoint, resume.validBytes.checkpoint),
    results: new FileSink(paths.results, resume.validBytes.results),
    errors: new FileSink(paths.errors, 0),
  };
  return new CheckpointWriter(sinks, {
    ...writerOptions,
    finishedRecordIds: resume.finishedRecordIds,
    carriedErrorLines: resume.errorLinesById,
    onFinalFlush: () => removeIfPresent(paths.previousErrors),
  });
}

function assertEmpty(file: string, runId: string): void {
  let size = 0;
  try {
    size = fs.statSync(file).size;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  if (size > 0) {
    throw new RunFolderError(
      `${file} already has records from run ${runId}; continue it with --resume ${runId}`,
    );
  }
}

function removeIfPresent(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
