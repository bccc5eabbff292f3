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
      const { createInkReporter } = await import("./ink-reporter.js");
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
