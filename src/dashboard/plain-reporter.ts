import type { RunMetricsCollector } from "../report/run-metrics.js";
import type { Clock } from "../util/clock.js";
import { formatPlainLine } from "./plain-line.js";
import type { ProgressReporter } from "./reporter.js";
import { startTicker } from "./ticker.js";

export interface PlainReporterOptions {
  stream: NodeJS.WritableStream;
  collector: RunMetricsCollector;
  clock: Clock;
  /** Time between lines. Default 5000. */
  intervalMs?: number;
}

/** Writes one progress line every few seconds, and a last one on stop. */
export function createPlainReporter(options: PlainReporterOptions): ProgressReporter {
  const { stream, collector, clock } = options;
  const writeLine = () => stream.write(formatPlainLine(collector.snapshot()) + "\n");
  let stopTicker: (() => void) | undefined;
  return {
    start() {
      stopTicker ??= startTicker(clock, options.intervalMs ?? 5_000, writeLine);
    },
    log(message) {
      stream.write(message + "\n");
    },
    async stop() {
      if (stopTicker === undefined) return;
      stopTicker();
      stopTicker = undefined;
      writeLine();
    },
  };
}
