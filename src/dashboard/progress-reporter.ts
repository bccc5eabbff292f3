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
 * CI once, when it loads, and then draws only the last frame. In CI the
 * dashboard runs only after an explicit --progress dashboard, which requests
 * live drawing, so the variables are hidden while ink loads and then restored.
 */
async function importLiveInk(): Promise<typeof import("./ink-reporter.js")> {
  const variables = ["CI", "CONTINUOUS_INTEGRATION"];
  const savedValues = variables.map((variable) => process.env[variable]);
  for (const variable of variables) delete process.env[variable];
  try {
    return await import("./ink-reporter.js");
  } finally {
    variables.forEach((variable, index) => {
      const savedValue = savedValues[index];
      if (savedValue !== undefined) process.env[variable] = savedValue;
    });
  }
}
