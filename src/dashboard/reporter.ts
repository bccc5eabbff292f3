/** A progress display: started once when the run starts, stopped once when it ends. */
export interface ProgressReporter {
  start(): void;
  /** Draws the final state and releases the stream; safe to call twice. */
  stop(): Promise<void>;
}
