import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: benchmarks run the built CLI from here. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const PLAIT_BIN = path.join(ROOT, "bin", "plait.js");
export const RESULTS_DIR = path.join(ROOT, "bench", "results");
export const PEERS_DIR = path.join(ROOT, "bench", "peers");

/** Creates a fresh folder under the system temp dir for one benchmark's inputs and runs. */
export function makeTempDir(name) {
  return mkdtempSync(path.join(os.tmpdir(), `plait-bench-${name}-`));
}
