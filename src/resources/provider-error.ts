import type { ProviderName } from "./types.js";

/**
 * Kind of a failed attempt, which sets its handling: `rate_limited` waits and requeues,
 * `transient` and `timeout` retry with backoff, `permanent` fails the call,
 * `cancelled` is the run's own abort and is never retried.
 */
export type ProviderErrorKind =
  | "rate_limited"
  | "transient"
  | "timeout"
  | "permanent"
  | "cancelled";

/** Response headers that steer retries, lower-cased; nothing else is kept. */
export interface RetryHeaders {
  "retry-after"?: string;
  "retry-after-ms"?: string;
}

export interface ProviderErrorOptions {
  provider: ProviderName;
  kind: ProviderErrorKind;
  status?: number;
  requestId?: string;
  retryAfterMs?: number;
  headers?: RetryHeaders;
  cause?: unknown;
}

/**
 * One failed attempt at a provider, as every client reports it. The message
 * is the provider's own, with the endpoint's key masked.
 */
export class ProviderError extends Error {
  readonly provider: ProviderName;
  readonly kind: ProviderErrorKind;
  readonly status?: number;
  readonly requestId?: string;
  /** Wait the provider asked for, read from Retry-After or retry-after-ms. */
  readonly retryAfterMs?: number;
  readonly headers?: RetryHeaders;

  constructor(message: string, options: ProviderErrorOptions) {
    super(message, { cause: options.cause });
    this.name = "ProviderError";
    this.provider = options.provider;
    this.kind = options.kind;
    this.status = options.status;
    this.requestId = options.requestId;
    this.retryAfterMs = options.retryAfterMs;
    this.headers = options.headers;
  }
}

/**
 * Maps an HTTP status to a kind. 408, 409 and 5xx are transient as in the
 * providers' own SDKs; 529 is Anthropic's "overloaded", which behaves like
 * a 429.
 */
export function kindOfStatus(status: number): ProviderErrorKind {
  if (status === 429 || status === 529) return "rate_limited";
  if (status === 408 || status === 409 || status >= 500) return "transient";
  return "permanent";
}

/** Replaces the key and any bearer token in a message with "***". */
export function maskSecrets(message: string, apiKey: string | undefined): string {
  let masked = message;
  if (apiKey !== undefined && apiKey.length >= 4) {
    masked = masked.split(apiKey).join("***");
  }
  return masked.replace(/(bearer\s+)[^\s"',]+/gi, "$1***");
}
