import { SlidingWindow } from "./sliding-window.js";

export type Admission =
  | { isAdmitted: true }
  | { isAdmitted: false; reason: "concurrency" | "rate"; retryAfterSeconds: number };

/**
 * The server-side limits: at most `maxConcurrent` chat requests in flight
 * and at most `rateLimit` admitted in any 1 s window. A rejected request
 * takes no slot and does not count against the rate.
 */
export class AdmissionControl {
  private inFlight = 0;
  private readonly admitted = new SlidingWindow(1000);

  constructor(
    private readonly maxConcurrent: number,
    private readonly rateLimit: number,
    /** Fixed Retry-After in seconds. When undefined, it is derived from the limit hit. */
    private readonly retryAfterSeconds: number | undefined,
  ) {}

  /** Admits a request at `nowMs` or returns why not. Call `release` once per admission. */
  tryAdmit(nowMs: number): Admission {
    if (this.inFlight >= this.maxConcurrent) {
      // No one knows when a slot frees, so send the shortest wait the header can express.
      const retryAfterSeconds = this.retryAfterSeconds ?? 1;
      return { isAdmitted: false, reason: "concurrency", retryAfterSeconds };
    }
    if (Number.isFinite(this.rateLimit) && this.admitted.count(nowMs) >= this.rateLimit) {
      const waitMs = this.admitted.msUntilOldestLeaves(nowMs);
      const retryAfterSeconds = this.retryAfterSeconds ?? Math.max(1, Math.ceil(waitMs / 1000));
      return { isAdmitted: false, reason: "rate", retryAfterSeconds };
    }
    this.inFlight++;
    if (Number.isFinite(this.rateLimit)) this.admitted.record(nowMs);
    return { isAdmitted: true };
  }

  release(): void {
    this.inFlight--;
  }

  get inFlightCount(): number {
    return this.inFlight;
  }
}

/** Formats a `Retry-After` value: whole seconds, or an HTTP date that far ahead. */
export function formatRetryAfter(
  seconds: number,
  format: "seconds" | "http-date",
  nowEpochMs: number,
): string {
  if (format === "seconds") return String(seconds);
  // An HTTP date has whole-second precision, so round up to keep the wait.
  const atMs = Math.ceil((nowEpochMs + seconds * 1000) / 1000) * 1000;
  return new Date(atMs).toUTCString();
}
