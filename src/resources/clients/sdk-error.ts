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

/** The endpoint an SDK call went to, for the error message and masking. */
export interface SdkEndpoint {
  provider: ProviderName;
  baseUrl?: string | undefined;
  apiKey: string | undefined;
}

/**
 * Turns whatever an SDK call threw into a ProviderError. A reply that did
 * not parse is permanent; a connection dropped mid-body is transient.
 */
export function fromSdkError(
  error: unknown,
  endpoint: SdkEndpoint,
  sdk: SdkErrorClasses,
): ProviderError {
  if (error instanceof ProviderError) return error;
  const { provider, apiKey } = endpoint;
  const message = maskSecrets(error instanceof Error ? error.message : String(error), apiKey);
  const make = (kind: ProviderErrorKind, extra: Partial<ProviderErrorOptions> = {}) =>
    new ProviderError(message, { provider, kind, cause: error, ...extra });
  if (error instanceof sdk.APIUserAbortError) return make("cancelled");
  if (error instanceof sdk.APIConnectionTimeoutError) return make("timeout");
  if (error instanceof sdk.APIConnectionError) {
    // The SDK message is only "Connection error.", so add what the cause names.
    const where = endpoint.baseUrl === undefined ? "" : ` to ${endpoint.baseUrl}`;
    const cause = rootCauseMessage(error);
    const detail = maskSecrets(`connection${where} failed${cause ? `: ${cause}` : ""}`, apiKey);
    return new ProviderError(detail, { provider, kind: "transient", cause: error });
  }
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
  // fetch reports refused, reset and half-read connections as a TypeError
  // whose cause names the system error.
  const cause = error instanceof Error ? rootCauseMessage(error) : undefined;
  const detail = cause === undefined ? message : `${message}: ${cause}`;
  return new ProviderError(detail, { provider, kind: "transient", cause: error });
}

/**
 * Returns the message of the innermost cause that carries a system error
 * code (such as "connect ECONNREFUSED 127.0.0.1:9"), else of the innermost
 * cause, or undefined when the error has no cause.
 */
function rootCauseMessage(error: Error): string | undefined {
  let withCode: string | undefined;
  let innermost: string | undefined;
  let current: unknown = error.cause;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    innermost = current.message;
    if ("code" in current && typeof current.code === "string") {
      withCode = current.message.includes(current.code)
        ? current.message
        : `${current.code}: ${current.message}`;
    }
    current = current.cause;
  }
  return withCode ?? innermost;
}
