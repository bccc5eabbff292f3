import fs from "node:fs";
import { z } from "zod";
import { RunFolderError } from "./run-folder-error.js";

/**
 * Lifecycle of a run as its manifest records it:
 * - running: a process is working on it (see `pid`);
 * - finished: every record was attempted; some may have failed (`records.failed`);
 * - interrupted: stopped by the user or killed, and resumable;
 * - failed: stopped early by an error in plait or on disk, and resumable.
 */
export const RUN_STATUSES = ["running", "finished", "interrupted", "failed"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Version of the manifest layout, raised when a change breaks older readers. */
export const MANIFEST_FORMAT = 1;

const fileFingerprint = z.object({ path: z.string(), sha256: z.string() });

const inputFingerprint = z.object({
  sizeBytes: z.number(),
  mtimeMs: z.number(),
  sha256: z.string(),
  hashedBytes: z.number(),
});

const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  runId: z.string(),
  plaitVersion: z.string(),
  /** The process that last ran this folder, to tell a live run from a killed one. */
  pid: z.number().int(),
  hostname: z.string(),
  pipeline: z.object({
    /** As given on the command line. */
    path: z.string(),
    absolutePath: z.string(),
    /** The pipeline's `name`, used in the run id. */
    name: z.string(),
    sha256: z.string(),
    files: z.array(fileFingerprint),
  }),
  resources: z.object({ path: z.string(), sha256: z.string() }),
  /** `path` is `-` and `fingerprint` null when records came from standard input. */
  input: z.object({ path: z.string(), fingerprint: inputFingerprint.nullable() }),
  /** Absolute path of the results file: `results.jsonl` here unless `--output` moved it. */
  outputPath: z.string(),
  /** The run options as parsed from the command line, secrets removed. */
  options: z.record(z.string(), z.unknown()),
  /** ISO 8601 wall-clock times. */
  startedAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
  /** Start time of each `--resume` of this run, oldest first. */
  resumedAt: z.array(z.string()),
  status: z.enum(RUN_STATUSES),
  records: z.object({
    done: z.number(),
    failed: z.number(),
    /** Null until the input has been read to its end. */
    total: z.number().nullable(),
  }),
  /** Spend so far in US dollars, across every resume. */
  costUsd: z.number(),
});

export type RunManifest = z.infer<typeof manifestSchema>;

/** Fields a caller may change after the run folder exists. */
export type ManifestPatch = Partial<
  Pick<
    RunManifest,
    "status" | "records" | "costUsd" | "finishedAt" | "options" | "pid" | "resumedAt"
  >
>;

/** Reads and checks `manifest.json`; throws RunFolderError naming the file. */
export function readManifest(filePath: string): RunManifest {
  let text: string;
  try {
    text = fs.readFileSync(filePath, "utf8");
  } catch (error) {
    if (isNotFound(error)) {
      throw new RunFolderError(`${filePath} not found: this folder is not a plait run`);
    }
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RunFolderError(`${filePath} is not valid JSON; the run folder is damaged`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? "" : ` (${issue.path.join(".")}: ${issue.message})`;
    throw new RunFolderError(
      `${filePath} is not a plait ${MANIFEST_FORMAT} manifest${where}; ` +
        "it may come from another plait version",
    );
  }
  return parsed.data;
}

export function isNotFound(error: unknown): boolean {
  return error instanceof Error && "code" in error && error.code === "ENOENT";
}
