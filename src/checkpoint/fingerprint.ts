import { createHash } from "node:crypto";
import fsSync from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import type { ResourceConfig } from "../resources/types.js";

/** Input files up to this size are hashed whole; larger ones only this far. */
export const INPUT_HASH_LIMIT_BYTES = 1024 * 1024;

export interface FileFingerprint {
  /** Relative to the directory of the main pipeline file, with `/` separators. */
  path: string;
  sha256: string;
}

export interface PipelineFingerprint {
  /** Hash over every file's relative path and hash, main file first. */
  sha256: string;
  files: FileFingerprint[];
}

/**
 * Identity of an input file. Files up to 1 MiB are hashed whole. Larger
 * files are identified by size, modification time and a hash of their first
 * MiB, because hashing a multi-gigabyte input on every start and resume
 * would take longer than many runs. An edit past the first MiB that keeps
 * the size and resets the modification time goes unnoticed.
 */
export interface InputFingerprint {
  sizeBytes: number;
  mtimeMs: number;
  sha256: string;
  /** Bytes covered by `sha256`: equal to `sizeBytes` when the whole file was hashed. */
  hashedBytes: number;
}

/** The fingerprints a run folder stores and `--resume` compares. */
export interface RunFingerprints {
  pipeline: PipelineFingerprint;
  /** sha256 of the resource config as canonical JSON, API keys removed. */
  resources: string;
  /** Null when the input is standard input, which cannot be fingerprinted. */
  input: InputFingerprint | null;
}

export interface FingerprintSources {
  /** The main pipeline file first, then every nested pipeline or module it loads. */
  pipelineFiles: string[];
  resources: ResourceConfig;
  /** A file path, or `-` for standard input. */
  inputPath: string;
}

export async function computeFingerprints(sources: FingerprintSources): Promise<RunFingerprints> {
  const [pipeline, input] = await Promise.all([
    fingerprintPipeline(sources.pipelineFiles),
    isStreamInput(sources.inputPath) ? null : fingerprintInput(sources.inputPath),
  ]);
  return { pipeline, resources: fingerprintResources(sources.resources), input };
}

/** Hashes the bytes of each pipeline file; the list must start with the main file. */
export async function fingerprintPipeline(files: string[]): Promise<PipelineFingerprint> {
  const [main] = files;
  if (main === undefined) throw new Error("fingerprintPipeline needs at least one file");
  const baseDir = path.dirname(path.resolve(main));
  const unique = [...new Set(files.map((file) => path.resolve(file)))];
  const entries = await Promise.all(
    unique.map(async (file) => ({
      path: path.relative(baseDir, file).split(path.sep).join("/"),
      sha256: sha256(await fs.readFile(file)),
    })),
  );
  const combined = createHash("sha256");
  for (const entry of entries) combined.update(`${entry.path}\0${entry.sha256}\n`);
  return { sha256: combined.digest("hex"), files: entries };
}

/**
 * Hashes the resource config as canonical JSON (sorted keys, maps as
 * objects) without `apiKey` and without the source file name, so that a
 * rotated key or a moved file is not reported as a change.
 */
export function fingerprintResources(config: ResourceConfig): string {
  const { file: _file, ...rest } = config;
  return sha256(JSON.stringify(canonicalize(rest)));
}

/**
 * True for standard input and for anything that is not a regular file (a
 * pipe, a FIFO, a process substitution such as `<(zcat x.gz)`): it can be
 * read only once, so it is neither hashed nor counted ahead of the run.
 */
export function isStreamInput(inputPath: string): boolean {
  if (inputPath === "-") return true;
  try {
    return !fsSync.statSync(inputPath).isFile();
  } catch {
    return false;
  }
}

export async function fingerprintInput(filePath: string): Promise<InputFingerprint> {
  const handle = await fs.open(filePath, "r");
  try {
    const stat = await handle.stat();
    const hashedBytes = Math.min(stat.size, INPUT_HASH_LIMIT_BYTES);
    const buffer = Buffer.alloc(hashedBytes);
    let offset = 0;
    while (offset < hashedBytes) {
      const { bytesRead } = await handle.read(buffer, offset, hashedBytes - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return {
      sizeBytes: stat.size,
      mtimeMs: Math.trunc(stat.mtimeMs),
      sha256: sha256(buffer.subarray(0, offset)),
      hashedBytes: offset,
    };
  } finally {
    await handle.close();
  }
}

/** Key names dropped from every level before hashing resources. */
const SECRET_KEYS = new Set(["apiKey", "api_key"]);

function canonicalize(value: unknown): unknown {
  if (value instanceof Map) {
    return canonicalize(Object.fromEntries(value));
  }
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value !== null && typeof value === "object") {
    const result: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (SECRET_KEYS.has(key) || item === undefined) continue;
      result[key] = canonicalize(item);
    }
    return result;
  }
  return value;
}

function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}
