import type { InputFingerprint, RunFingerprints } from "./fingerprint.js";
import type { RunManifest } from "./manifest.js";

export type ChangedPart = "pipeline" | "resources" | "input";

/**
 * Lists which of pipeline, resources and input differ from what the run
 * started with, for `--resume`, which stops unless `--force` is given. An
 * input that was and still is standard input cannot be compared and counts
 * as unchanged.
 */
export function checkForChanges(manifest: RunManifest, current: RunFingerprints): ChangedPart[] {
  const changed: ChangedPart[] = [];
  if (manifest.pipeline.sha256 !== current.pipeline.sha256) changed.push("pipeline");
  if (manifest.resources.sha256 !== current.resources) changed.push("resources");
  if (!isSameInput(manifest.input.fingerprint, current.input)) changed.push("input");
  return changed;
}

/** One sentence per change, naming the files, for the `--resume` refusal. */
export function describeChanges(manifest: RunManifest, current: RunFingerprints): string[] {
  const lines: string[] = [];
  for (const part of checkForChanges(manifest, current)) {
    if (part === "pipeline") lines.push(describePipelineChange(manifest, current));
    if (part === "resources") {
      lines.push(`resources ${manifest.resources.path} changed since the run started`);
    }
    if (part === "input") lines.push(describeInputChange(manifest, current.input));
  }
  return lines;
}

function isSameInput(before: InputFingerprint | null, now: InputFingerprint | null): boolean {
  if (before === null || now === null) return before === now;
  if (before.sizeBytes !== now.sizeBytes || before.sha256 !== now.sha256) return false;
  // A file hashed whole is identified by its bytes; a copy with a new
  // modification time is the same input. A partly hashed file also needs
  // its modification time to match.
  const isWholeFileHashed = before.hashedBytes === before.sizeBytes;
  return isWholeFileHashed || before.mtimeMs === now.mtimeMs;
}

function describePipelineChange(manifest: RunManifest, current: RunFingerprints): string {
  const before = new Map(manifest.pipeline.files.map((file) => [file.path, file.sha256]));
  const now = new Map(current.pipeline.files.map((file) => [file.path, file.sha256]));
  const names: string[] = [];
  for (const [file, sha] of now) {
    if (!before.has(file)) names.push(`${file} (new)`);
    else if (before.get(file) !== sha) names.push(file);
  }
  for (const file of before.keys()) if (!now.has(file)) names.push(`${file} (no longer used)`);
  return `pipeline ${manifest.pipeline.path} changed since the run started: ${names.join(", ")}`;
}

function describeInputChange(manifest: RunManifest, now: InputFingerprint | null): string {
  const before = manifest.input.fingerprint;
  const name = manifest.input.path;
  if (before === null) return `input was standard input when the run started, now a file`;
  if (now === null) return `input ${name} was a file when the run started, now standard input`;
  if (before.sizeBytes !== now.sizeBytes) {
    const sizes = `${before.sizeBytes} bytes, now ${now.sizeBytes}`;
    return `input ${name} changed since the run started: ${sizes}`;
  }
  return `input ${name} changed since the run started`;
}
