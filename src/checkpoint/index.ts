/** The run folder: manifest, checkpoint writer and reader, resume and listing. */
export { FILE_MODE, DIR_MODE } from "./atomic-file.js";
export { checkForChanges, describeChanges, type ChangedPart } from "./changes.js";
export {
  CheckpointWriter,
  type CheckpointSinks,
  type CheckpointWriterOptions,
  type WriterTotals,
} from "./checkpoint-writer.js";
export { FileSink, type AppendSink } from "./file-sink.js";
export {
  computeFingerprints,
  fingerprintInput,
  fingerprintPipeline,
  fingerprintResources,
  INPUT_HASH_LIMIT_BYTES,
  type FingerprintSources,
  type InputFingerprint,
  type PipelineFingerprint,
  type RunFingerprints,
} from "./fingerprint.js";
export type { CheckpointedCall, CheckpointedNode, ErrorLine } from "./lines.js";
export { findLatestRun, listRuns, type ListRunsResult, type RunSummary } from "./list-runs.js";
export {
  readManifest,
  RUN_STATUSES,
  type ManifestPatch,
  type RunManifest,
  type RunStatus,
} from "./manifest.js";
export { openCheckpointWriter, type OpenCheckpointWriterOptions } from "./open-writer.js";
export { effectiveStatus, isProcessAlive, readProcessStartTime } from "./process-status.js";
export { loadResumeState, type ResumeState } from "./resume-state.js";
export {
  createRunFolder,
  openRunFolder,
  RUN_FILES,
  RunFolder,
  type CreateRunFolderOptions,
  type OpenRunFolderOptions,
  type RunPaths,
} from "./run-folder.js";
export { RunFolderError } from "./run-folder-error.js";
export {
  acquireRunLock,
  checkLockOwner,
  LOCK_FILE,
  readRunLock,
  RunLock,
  type AcquireRunLockOptions,
  type ProcessChecks,
} from "./run-lock.js";
export { RunLockedError, type RunLockOwner } from "./run-locked-error.js";
export { createRunId } from "./run-id.js";
