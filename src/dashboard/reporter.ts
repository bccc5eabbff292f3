/** A progress display: started once when the run starts, stopped once when it ends. */
export interface ProgressReporter {
  start(): void;
  /**
   * Writes a message line (for example "stopping: ...") above the live
   * display, so the next redraw does not overwrite it.
   */
  log(message: string): void;
  /** Draws the final state and releases the stream; safe to call twice. */
  stop(): Promise<void>;
}
