import type { ErrorKind } from "./events.js";

export interface CallErrorOptions {
  kind: ErrorKind;
  callId: string;
  endpoint: string;
  attempts: number;
  status?: number;
  requestId?: string;
  cause?: unknown;
}

/**
 * The final failure of a call, after the resource manager's own retries and
 * rate-limit waits. `isRetryable` is true when trying the whole call again
 * later could succeed (rate limits, timeouts, transient failures).
 */
export class CallError extends Error {
  readonly kind: ErrorKind;
  readonly callId: string;
  readonly endpoint: string;
  /** Attempts made; 429 requeues are not counted. */
  readonly attempts: number;
  readonly status?: number;
  readonly requestId?: string;
  readonly isRetryable: boolean;

  constructor(message: string, options: CallErrorOptions) {
    super(message, { cause: options.cause });
    this.name = "CallError";
    this.kind = options.kind;
    this.callId = options.callId;
    this.endpoint = options.endpoint;
    this.attempts = options.attempts;
    this.status = options.status;
    this.requestId = options.requestId;
    this.isRetryable =
      options.kind === "rate_limited" ||
      options.kind === "transient" ||
      options.kind === "timeout";
  }
}
