import type { CallContext, CallResult } from "./types.js";

/** Kinds of failure, as the retry logic and the reports name them. */
export type ErrorKind =
  | "rate_limited"
  | "transient"
  | "timeout"
  | "permanent"
  | "truncated"
  | "invalid_json"
  | "schema"
  | "function"
  | "template"
  | "input"
  | "cancelled"
  | "budget";

/**
 * Call-level events from the resource manager. Every listener method is
 * optional; the dashboard, metrics and trace writer each take what they need.
 * `slot` numbers the endpoint's concurrency slots from 0, so a trace can draw
 * one lane per slot.
 */
export interface CallListener {
  onCallStarted?(event: {
    callId: string;
    context: CallContext;
    endpoint: string;
    slot: number;
    attempt: number;
    atMs: number;
  }): void;
  onCallFinished?(event: {
    context: CallContext;
    result: CallResult;
    slot: number;
    startedAtMs: number;
    atMs: number;
  }): void;
  onCallFailed?(event: {
    callId: string;
    context: CallContext;
    endpoint: string;
    kind: ErrorKind;
    message: string;
    attempts: number;
    atMs: number;
  }): void;
  onCallRetried?(event: {
    callId: string;
    context: CallContext;
    endpoint: string;
    attempt: number;
    delayMs: number;
    reason: string;
    atMs: number;
  }): void;
  onCallRateLimited?(event: {
    callId: string;
    context: CallContext;
    endpoint: string;
    retryAfterMs: number;
    atMs: number;
  }): void;
}
