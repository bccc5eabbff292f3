// Runs B1 to B8 one after another, each as its own process so that one
// benchmark's memory and timers never touch the next, then prints the
// overall tally from their bench/results/*.json files.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { RESULTS_DIR, ROOT } from "./lib/paths.mjs";

const BENCHMARKS = [
  "b1-scheduler-overhead",
  "b2-memory-flat",
  "b3-saturation",
  "b4-head-of-line",
  "b5-429-storm",
  "b6-limits-hold",
  "b7-crash-resume",
  "b8-peers",
];

let met = 0;
let missed = 0;
const crashed = [];
for (const name of BENCHMARKS) {
  console.log(`\n== ${name}`);
  const startedAt = Date.now();
  const run = spawnSync(process.execPath, [path.join(ROOT, "bench", `${name}.mjs`)], {
    stdio: "inherit",
    cwd: ROOT,
  });
  // Exit code 1 means figures missed; anything else, or no results file, is a crash.
  let result;
  try {
    result = JSON.parse(readFileSync(path.join(RESULTS_DIR, `${name}.json`), "utf8"));
  } catch {
    result = undefined;
  }
  const isFresh = result !== undefined && Date.parse(result.finishedAt) >= startedAt;
  if (run.status !== 0 && run.status !== 1) crashed.push(name);
  else if (!isFresh) crashed.push(name);
  else {
    met += result.met;
    missed += result.missed;
  }
}
console.log("");
if (crashed.length > 0) console.log(`crashed: ${crashed.join(", ")}`);
console.log(`bench: ${met} met, ${missed + crashed.length} missed`);
process.exitCode = missed + crashed.length > 0 ? 1 : 0;
