import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Creates a fresh folder under the system temp folder, which the caller removes. */
export function makeTempDir(prefix = "plait-test-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Runs `fn` in a fresh temp folder and removes the folder afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>, prefix?: string): Promise<T> {
  const dir = await makeTempDir(prefix);
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
