import type { Clock } from "../util/clock.js";

/**
 * Calls `onTick` every `intervalMs` on the given clock until the returned
 * function is called. A tick that throws stops the ticker and raises a
 * process warning instead of an unhandled rejection, so a display fault
 * never ends the run it displays.
 */
export function startTicker(clock: Clock, intervalMs: number, onTick: () => void): () => void {
  const controller = new AbortController();
  const loop = async () => {
    while (!controller.signal.aborted) {
      await clock.sleep(intervalMs, controller.signal);
      onTick();
    }
  };
  loop().catch((error: unknown) => {
    if (controller.signal.aborted) return;
    const reason = error instanceof Error ? error.message : String(error);
    process.emitWarning(`progress display stopped: ${reason}`);
  });
  return () => controller.abort();
}
