import {
  kindOfStatus,
  maskSecrets,
  ProviderError,
  type ProviderErrorKind,
  type ProviderErrorOptions,
} from "../provider-error.js";
import { parseRetryAfterMs, pickRetryHeaders } from "../retry-after.js";
import type { ProviderName } from "../types.js";

/** The fields that the openai and @anthropic-ai/sdk error classes share. */
interface SdkErrorClasses {
  APIError: abstract new (...args: never[]) => {
    status: number | undefined;
    headers: Headers | undefined;
    requestID?: string | null;
    message: string;
  };
  APIUserAbortError: abstract new (...args: never[]) => Error;
  APIConnectionTimeoutError: abstract new (...args: never[]) => Error;
  APIConnectionError: abstract new (...args: never[]) => Error;
}

/**
 * Turns whatever an SDK call threw into a ProviderError. A reply that did
 * not parse is permanent; a connection dropped mid-body is transient.
 */
export function fromSdkError(
  error: unknown,
  provider: ProviderName,
  apiKey: string | undefined,
  sdk: SdkErrorClasses,
): ProviderError {
  if (error instanceof ProviderError) return error;
  const message = maskSecrets(error instanceof Error ? error.message : String(error), apiKey);
  const make = (kind: ProviderErrorKind, extra: Partial<ProviderErrorOptions> = {}) =>
    new ProviderError(message, { provider, kind, cause: error, ...extra });
  if (error instanceof sdk.APIUserAbortError) return make("cancelled");
  if (error instanceof sdk.APIConnectionTimeoutError) return make("timeout");
  if (error instanceof sdk.APIConnectionError) return make("transient");
  if (error instanceof sdk.APIError && error.status !== undefined) {
    const headers = pickRetryHeaders(error.headers);
    return make(kindOfStatus(error.status), {
      status: error.status,
      requestId: error.requestID ?? undefined,
      headers,
      retryAfterMs: parseRetryAfterMs(headers, Date.now()),
    });
  }
  return fromFetchError(error, provider, message);
}

/** Classifies errors raised by fetch or body parsing rather than by an SDK. */
export function fromFetchError(
  error: unknown,
  provider: ProviderName,
  message: string,
): ProviderError {
  if (error instanceof SyntaxError) {
    return new ProviderError(`invalid reply from ${provider}: ${message}`, {
      provider,
      kind: "permanent",
      cause: error,
    });
  }
  if (error instanceof Error && error.name === "AbortError") {
    return new ProviderError(message, { provider, kind: "cancelled", cause: error });
  }
  // fetch reports refused, reset and half-read connections as a TypeError.
  return new ProviderError(message, { provider, kind: "transient", cause: error });
}
