import { fileURLToPath } from "node:url";
import { RunMetricsCollector } from "../../src/report/run-metrics.js";
import { ManualClock } from "../../src/util/clock.js";
import { playSyntheticRun, SyntheticResourceCounters } from "./synthetic-run.js";

export const FIXTURE_RUN_FOLDER = fileURLToPath(
  new URL("../fixtures/run-folder/", import.meta.url),
);

/** The metrics.json the fixture run folder should hold, made by the real collector. */
export async function buildFixtureMetricsJson(): Promise<string> {
  const clock = new ManualClock();
  const resources = new SyntheticResourceCounters(() => clock.now());
  const collector = new RunMetricsCollector({
    clock,
    resourceMetrics: () => resources.metrics(),
    totalRecords: 8,
  });
  playSyntheticRun([resources, collector]);
  await clock.advance(10_000);
  return JSON.stringify(collector, null, 2) + "\n";
}
