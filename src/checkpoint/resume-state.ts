import path from "node:path";
import {
  decodeErrorId,
  decodeNodeLine,
  decodeResultId,
  type CheckpointedNode,
} from "./lines.js";
import { readManifest, type RunManifest } from "./manifest.js";
import { RUN_FILES } from "./run-folder.js";
import { scanJsonLines } from "./scan-json-lines.js";

/** What an earlier attempt of a run left on disk, as resuming needs it. */
export interface ResumeState {
  dir: string;
  manifest: RunManifest;
  /** Records with a line in the results file: skip them. */
  finishedRecordIds: Set<string>;
  /** Records whose last attempt failed and that have not finished since: run them again. */
  failedRecordIds: Set<string>;
  /** Finished nodes of every record not in `finishedRecordIds`, by record id then node id. */
  nodeValues: Map<string, Map<string, CheckpointedNode>>;
  /** Cost of every call in checkpoint.jsonl, in US dollars, finished records included. */
  checkpointCostUsd: number;
  /**
   * Best estimate of what earlier attempts spent: the larger of the
   * manifest's cost and `checkpointCostUsd`. The manifest also counts calls
   * of nodes that failed, but is stale after a SIGKILL.
   */
  previousCostUsd: number;
  /** One line each about skipped lines, for the user. */
  warnings: string[];
  /** Bytes of each file that are kept; a torn last line lies beyond them. */
  validBytes: { checkpoint: number; results: number };
  /** The latest error line, newline included, of each record in `failedRecordIds`. */
  errorLinesById: Map<string, string>;
}

/**
 * Reads a run folder for `--resume`. It only reads: the checkpoint writer
 * cuts torn tails and rewrites errors.jsonl when it opens with this state.
 */
export async function loadResumeState(dir: string): Promise<ResumeState> {
  const manifest = readManifest(path.join(dir, RUN_FILES.manifest));
  const warnings: string[] = [];

  const finishedRecordIds = new Set<string>();
  const results = await scanJsonLines(manifest.outputPath, RUN_FILES.results, (json) => {
    const id = decodeResultId(json);
    if (id !== null) finishedRecordIds.add(id);
    return id !== null;
  });
  warnings.push(...results.warnings);

  const nodeValues = new Map<string, Map<string, CheckpointedNode>>();
  let checkpointCostUsd = 0;
  const checkpointPath = path.join(dir, RUN_FILES.checkpoint);
  const checkpoint = await scanJsonLines(checkpointPath, RUN_FILES.checkpoint, (json) => {
    const line = decodeNodeLine(json);
    if (line === null) return false;
    for (const call of line.entry.calls) checkpointCostUsd += call.costUsd;
    if (finishedRecordIds.has(line.recordId)) return true;
    let nodes = nodeValues.get(line.recordId);
    if (nodes === undefined) {
      nodes = new Map();
      nodeValues.set(line.recordId, nodes);
    }
    nodes.set(line.node, line.entry);
    return true;
  });
  warnings.push(...checkpoint.warnings);

  // errors.previous.jsonl exists only when a resumed attempt was killed
  // before closing; its lines are older than those in errors.jsonl.
  const errorLinesById = new Map<string, string>();
  for (const name of [RUN_FILES.previousErrors, RUN_FILES.errors]) {
    const scan = await scanJsonLines(path.join(dir, name), name, (json) => {
      const id = decodeErrorId(json);
      if (id !== null) errorLinesById.set(id, JSON.stringify(json) + "\n");
      return id !== null;
    });
    warnings.push(...scan.warnings);
  }
  for (const id of errorLinesById.keys()) {
    if (finishedRecordIds.has(id)) errorLinesById.delete(id);
  }

  return {
    dir: path.resolve(dir),
    manifest,
    finishedRecordIds,
    failedRecordIds: new Set(errorLinesById.keys()),
    nodeValues,
    checkpointCostUsd,
    previousCostUsd: Math.max(manifest.costUsd, checkpointCostUsd),
    warnings,
    validBytes: { checkpoint: checkpoint.validBytes, results: results.validBytes },
    errorLinesById,
  };
}
