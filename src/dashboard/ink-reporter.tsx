import { render, type Instance } from "ink";
import type { RunMetricsCollector } from "../report/run-metrics.js";
import type { Clock } from "../util/clock.js";
import { Dashboard } from "./dashboard.js";
import type { ProgressReporter } from "./reporter.js";
import { startTicker } from "./ticker.js";

export interface InkReporterOptions {
  stream: NodeJS.WriteStream;
  isColor: boolean;
  collector: RunMetricsCollector;
  clock: Clock;
  /** Time between redraws. Default 250. */
  intervalMs?: number;
}

/**
 * Creates the live dashboard. It redraws from a fresh snapshot on a timer rather
 * than on every event, so a busy run costs a few renders a second. On stop
 * it draws the final state and unmounts, which leaves that last frame in
 * the scrollback.
 */
export function createInkReporter(options: InkReporterOptions): ProgressReporter {
  const { collector, isColor } = options;
  const intervalMs = options.intervalMs ?? 250;
  // Messages go through ink's Static output, which prints each once above
  // the live frame, because the next redraw would erase a direct write.
  const messages: string[] = [];
  const draw = () => (
    <Dashboard metrics={collector.snapshot()} isColor={isColor} messages={[...messages]} />
  );
  let instance: Instance | undefined;
  let stopTicker: (() => void) | undefined;
  return {
    start() {
      if (instance !== undefined) return;
      instance = render(draw(), {
        stdout: options.stream,
        // The run command owns Ctrl-C and stdin; the dashboard reads no keys.
        exitOnCtrlC: false,
        // Patching console would reroute writes of the whole process.
        patchConsole: false,
        maxFps: Math.max(1, Math.ceil(1000 / intervalMs)),
        // NOTE: incrementalRendering stays off: in ink 6.8 it moves the
        // cursor one line short when the frame ends in a newline, so each
        // redraw lands a line lower. Ink wraps every frame in synchronized
        // output (DEC mode 2026), which keeps the full redraw from flickering
        // in terminals that support it.
      });
      const current = instance;
      stopTicker = startTicker(options.clock, intervalMs, () => current.rerender(draw()));
    },
    log(message) {
      if (instance === undefined) {
        options.stream.write(message + "\n");
        return;
      }
      messages.push(message);
      instance.rerender(draw());
    },
    async stop() {
      if (instance === undefined) return;
      stopTicker?.();
      const current = instance;
      instance = undefined;
      current.rerender(draw());
      current.unmount();
      await current.waitUntilExit();
    },
  };
}
