import type { RunMetricsCollector } from "../report/run-metrics.js";
import { systemClock, type Clock } from "../util/clock.js";
import { createBarReporter } from "./bar-reporter.js";
import { createPlainReporter } from "./plain-reporter.js";
import type { ProgressMode } from "./progress-mode.js";
import type { ProgressReporter } from "./reporter.js";

export interface ProgressReporterOptions {
  mode: ProgressMode;
  /** Stream for progress output: stderr when stdout carries --json output. */
  stream: NodeJS.WriteStream;
  isColor: boolean;
  collector: RunMetricsCollector;
  /** Default: the system clock. */
  clock?: Clock;
  /** Time between redraws or lines. Default: 250 dashboard, 200 bar, 5000 plain. */
  intervalMs?: number;
}

/**
 * Creates the progress display for a mode chosen with chooseProgressMode.
 * The dashboard's modules (ink and React, about 50 MB of heap) are loaded
 * only when the dashboard is chosen, so plain and piped runs stay small.
 */
export async function createProgressReporter(
  options: ProgressReporterOptions,
): Promise<ProgressReporter> {
  const clock = options.clock ?? systemClock;
  const { stream, collector, intervalMs } = options;
  const timing = intervalMs === undefined ? {} : { intervalMs };
  switch (options.mode) {
    case "dashboard": {
      const { createInkReporter } = await importLiveInk();
      return createInkReporter({ stream, collector, clock, isColor: options.isColor, ...timing });
    }
    case "bar":
      return createBarReporter({ stream, collector, clock, ...timing });
    case "plain":
      return createPlainReporter({ stream, collector, clock, ...timing });
    case "none":
      return {
        start() {},
        log: (message) => stream.write(message + "\n"),
        stop: async () => {},
      };
  }
}

/**
 * Loads the ink dashboard so that it redraws even where CI is set. Ink reads
 * CI once, when it is first loaded, and then draws only the last frame; the
 * dashboard is chosen in CI only by an explicit --progress dashboard, which
 * asks for live drawing. The variables are hidden while ink loads and put
 * back at once.
 */
async function importLiveInk(): Promise<typeof import("./ink-reporter.js")> {
  const names = ["CI", "CONTINUOUS_INTEGRATION"];
  const saved = names.map((name) => process.env[name]);
  for (const name of names) delete process.env[name];
  try {
    return await import("./ink-reporter.js");
  } finally {
    names.forEach((name, index) => {
      const value = saved[index];
      if (value !== undefined) process.env[name] = value;
    });
  }
}
