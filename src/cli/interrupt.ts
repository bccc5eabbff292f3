import { setMaxListeners } from "node:events";

/**
 * Ctrl-C and SIGTERM handling for a run. The first signal stops admitting
 * records and gives running calls a grace period before they are aborted;
 * a second signal runs `onForceExit`, which must flush and exit at once.
 */
export interface InterruptHandler {
  readonly stopSignal: AbortSignal;
  readonly abortSignal: AbortSignal;
  dispose(): void;
}

export function handleInterrupts(options: {
  graceMs: number;
  onFirst: (signal: NodeJS.Signals) => void;
  onForceExit: () => void;
}): InterruptHandler {
  const stop = new AbortController();
  const abort = new AbortController();
  // Every call in flight listens on the abort signal, so there are as many
  // listeners as calls; that is expected, not a leak.
  setMaxListeners(0, abort.signal);
  let graceTimer: NodeJS.Timeout | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      options.onForceExit();
      return;
    }
    stop.abort();
    options.onFirst(signal);
    graceTimer = setTimeout(() => abort.abort(), options.graceMs);
    graceTimer.unref();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    stopSignal: stop.signal,
    abortSignal: abort.signal,
    dispose() {
      clearTimeout(graceTimer);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
