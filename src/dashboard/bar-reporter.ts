import cliProgress from "cli-progress";
import type { RunMetricsCollector } from "../report/run-metrics.js";
import type { RunMetrics } from "../report/types.js";
import type { Clock } from "../util/clock.js";
import { formatBarLine } from "./bar-line.js";
import type { ProgressReporter } from "./reporter.js";
import { startTicker } from "./ticker.js";

export interface BarReporterOptions {
  stream: NodeJS.WritableStream;
  collector: RunMetricsCollector;
  clock: Clock;
  /** Time between redraws. Default 200. */
  intervalMs?: number;
  /** Bar width in columns. Default 30. */
  barWidth?: number;
}

/**
 * Creates a single cli-progress bar over the records. The line after the bar is
 * drawn from a metrics snapshot, so cli-progress only handles the terminal.
 */
export function createBarReporter(options: BarReporterOptions): ProgressReporter {
  const intervalMs = options.intervalMs ?? 200;
  const barWidth = options.barWidth ?? 30;
  const bar = new cliProgress.SingleBar({
    stream: options.stream,
    format: (_options, _params, payload: { metrics: RunMetrics }) =>
      formatBarLine(payload.metrics, barWidth),
    fps: Math.max(1, 1000 / intervalMs),
    // Ctrl-C belongs to the run command: cli-progress would otherwise add
    // its own SIGINT listener. Nothing needs restoring with the cursor shown.
    gracefulExit: false,
    hideCursor: false,
    // Without this cli-progress writes nothing when the stream is not a
    // terminal, even though `--progress bar` asked for it.
    noTTYOutput: true,
    notTTYSchedule: 5_000,
  });
  const update = () => {
    const metrics = options.collector.snapshot();
    const { records } = metrics;
    bar.setTotal(records.total ?? 0);
    bar.update(records.done + records.failed, { metrics });
  };
  let stopTicker: (() => void) | undefined;
  return {
    start() {
      if (stopTicker !== undefined) return;
      const metrics = options.collector.snapshot();
      bar.start(metrics.records.total ?? 0, 0, { metrics });
      stopTicker = startTicker(options.clock, intervalMs, update);
    },
    log(message) {
      // cli-progress draws on the current line: clear it, write the message,
      // and let the next redraw put the bar on the line below.
      if (stopTicker === undefined) {
        options.stream.write(`${message}\n`);
        return;
      }
      options.stream.write(`\r\u001b[2K${message}\n`);
      update();
    },
    async stop() {
      if (stopTicker === undefined) return;
      stopTicker();
      stopTicker = undefined;
      update();
      bar.stop();
    },
  };
}
