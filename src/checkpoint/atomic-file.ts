import fs from "node:fs";

/** Mode of every file plait writes into a run folder: owner read and write only. */
export const FILE_MODE = 0o600;

/** Mode of a run folder: only its owner may list or enter it. */
export const DIR_MODE = 0o700;

/**
 * Writes `text` to `filePath` through a temporary file and a rename, so a
 * reader sees either the old content or the new, never half of it. It is
 * synchronous because it also runs on the exit path, where no promise is
 * awaited any more.
 */
export function writeFileAtomicSync(filePath: string, text: string): void {
  const tempPath = `${filePath}.${process.pid}.tmp`;
  fs.writeFileSync(tempPath, text, { mode: FILE_MODE });
  fs.renameSync(tempPath, filePath);
}

/**
 * Writes `value` as indented JSON, atomically; see `writeFileAtomicSync`.
 * Properties named `apiKey` or `api_key` are left out at every depth, so a
 * config object passed in by mistake cannot put a key on disk.
 */
export function writeJsonAtomicSync(filePath: string, value: unknown): void {
  writeFileAtomicSync(filePath, JSON.stringify(value, dropKeyFields, 2) + "\n");
}

function dropKeyFields(key: string, value: unknown): unknown {
  return key === "apiKey" || key === "api_key" ? undefined : value;
}
