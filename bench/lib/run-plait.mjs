import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { PLAIT_BIN, ROOT } from "./paths.mjs";

const TIME_BIN = "/usr/bin/time";

/** True when `taskset` can pin a process to one core. */
export function hasTaskset() {
  return spawnSync("taskset", ["--version"], { stdio: "ignore" }).status === 0;
}

/** Throws unless dist/ holds a build, since every benchmark runs the built CLI. */
export function requireBuild() {
  if (!existsSync(path.join(ROOT, "dist"))) {
    throw new Error("dist/ is missing: run `npm run build` before the benchmarks");
  }
}

/**
 * The Node.js flags on bin/plait.js's `#!/usr/bin/env -S node ...` line, so
 * a benchmark runs plait as `npx plait` does, with this process's node.
 */
const BIN_NODE_FLAGS = (() => {
  const shebang = readFileSync(PLAIT_BIN, "utf8").split("\n", 1)[0];
  const words = shebang.replace(/^#!/, "").trim().split(/\s+/);
  return words.slice(words.indexOf("node") + 1);
})();

/**
 * Runs `node bin/plait.js ARGS` as a child process and resolves once it
 * exits, with its wall time and, when GNU time is installed, its peak RSS.
 *
 * @param args arguments after `plait`
 * @param options.isOneCore pin the child to CPU 0 with taskset
 * @param options.timeFile where GNU time writes its report
 * @param options.onSpawn receives the child, to kill it at a chosen moment
 */
export function runPlait(args, options = {}) {
  const nodeFlags = [...BIN_NODE_FLAGS, ...(options.nodeFlags ?? [])];
  const plaitArgv = [process.execPath, ...nodeFlags, PLAIT_BIN, ...args];
  const pinned = options.isOneCore ? ["taskset", "-c", "0", ...plaitArgv] : plaitArgv;
  const canTime = options.timeFile !== undefined && existsSync(TIME_BIN);
  const argv = canTime ? [TIME_BIN, "-v", "-o", options.timeFile, ...pinned] : pinned;
  const startedAt = performance.now();
  const child = spawn(argv[0], argv.slice(1), {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  options.onSpawn?.(child);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const wallMs = performance.now() - startedAt;
      const result = { code, signal, wallMs, stdout, stderr, maxRssKb: undefined, summary: null };
      if (canTime && existsSync(options.timeFile)) {
        const report = readFileSync(options.timeFile, "utf8");
        const match = /Maximum resident set size \(kbytes\): (\d+)/.exec(report);
        if (match) result.maxRssKb = Number(match[1]);
        const exit = /Exit status: (\d+)/.exec(report);
        if (exit) result.code = Number(exit[1]);
        if (/Command terminated by signal/.test(report)) result.signal = "SIGKILL";
      }
      result.summary = parseSummary(stdout);
      resolve(result);
    });
  });
}

/** Parses the `--json` summary line, or returns null when the run printed none. */
function parseSummary(stdout) {
  const line = stdout.split("\n").find((text) => text.startsWith("{"));
  if (line === undefined) return null;
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}

/** Throws with the child's stderr tail when a run did not exit 0. */
export function assertRunOk(result, what) {
  if (result.code === 0 && result.summary !== null) return;
  const tail = result.stderr.split("\n").slice(-15).join("\n");
  throw new Error(`${what}: plait exited with ${result.code ?? result.signal}\n${tail}`);
}

/** Counts lines and distinct ids of a results.jsonl file. */
export function readResults(file) {
  const byId = new Map();
  let lines = 0;
  for (const text of readFileSync(file, "utf8").split("\n")) {
    if (text === "") continue;
    lines++;
    const line = JSON.parse(text);
    byId.set(line.id, (byId.get(line.id) ?? 0) + 1);
  }
  let duplicates = 0;
  for (const count of byId.values()) if (count > 1) duplicates += count - 1;
  return { lines, distinct: byId.size, duplicates };
}
