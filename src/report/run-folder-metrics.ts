import fs from "node:fs";
import path from "node:path";
import { parseRunMetrics } from "./run-metrics-schema.js";
import type { RunMetrics } from "./types.js";

/** Name of the metrics file in a run folder. */
export const METRICS_FILE = "metrics.json";

/** A run named on the command line that matches no run folder. */
export class RunNotFoundError extends Error {
  override name = "RunNotFoundError";
}

/**
 * Finds the folder of a run given as a folder path or as a run id under
 * `runsDir`. A path that exists wins over a run id of the same name.
 */
export function resolveRunDir(run: string, runsDir: string): string {
  if (isDirectory(run)) return path.resolve(run);
  const underRunsDir = path.join(runsDir, run);
  if (isDirectory(underRunsDir)) return path.resolve(underRunsDir);
  throw new RunNotFoundError(
    `run "${run}" not found: it is neither a folder nor a run id under ${runsDir}. ` +
      "List runs with `plait runs`, or pass --runs-dir.",
  );
}

/** Reads metrics.json from a run folder; throws when it is missing or invalid. */
export function readRunMetrics(runDir: string): RunMetrics {
  const file = path.join(runDir, METRICS_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") {
      if (containsRuns(runDir)) {
        throw new RunNotFoundError(
          `${runDir} is a folder of runs, not one run: name one of its runs, ` +
            `or list them with \`plait runs --runs-dir ${runDir}\``,
        );
      }
      throw new RunNotFoundError(
        `${file} not found: the run stopped before it first wrote its metrics, ` +
          "or the folder is not a plait run",
      );
    }
    throw error;
  }
  return parseRunMetrics(text, file);
}

/** True when some folder inside `dir` is a run folder, with a manifest.json. */
function containsRuns(dir: string): boolean {
  try {
    const entries = fs.readdirSync(dir, { withFileTypes: true });
    return entries.some(
      (entry) => entry.isDirectory() && fs.existsSync(path.join(dir, entry.name, "manifest.json")),
    );
  } catch {
    return false;
  }
}

function isDirectory(candidate: string): boolean {
  try {
    return fs.statSync(candidate).isDirectory();
  } catch {
    return false;
  }
}
