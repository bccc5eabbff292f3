import type { RetryHeaders } from "./provider-error.js";

/**
 * Reads the wait a server asked for, in milliseconds: `retry-after-ms`
 * (sent by OpenAI-compatible servers) first, then `Retry-After` as seconds
 * or as an HTTP date. `nowEpochMs` is wall-clock time, because an HTTP date
 * is one. Returns undefined when neither header contains a usable value.
 */
export function parseRetryAfterMs(
  headers: RetryHeaders | undefined,
  nowEpochMs: number,
): number | undefined {
  if (headers === undefined) return undefined;
  const msText = headers["retry-after-ms"];
  if (msText !== undefined) {
    const ms = Number(msText);
    if (msText.trim() !== "" && Number.isFinite(ms) && ms >= 0) return Math.ceil(ms);
  }
  const text = headers["retry-after"]?.trim();
  if (text === undefined || text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  const dateMs = Date.parse(text);
  if (Number.isNaN(dateMs)) return undefined;
  return Math.max(0, dateMs - nowEpochMs);
}

/** Picks the retry headers out of any Headers-like object, lower-cased. */
export function pickRetryHeaders(
  headers: { get(name: string): string | null } | undefined | null,
): RetryHeaders | undefined {
  if (headers === undefined || headers === null) return undefined;
  const retryAfter = headers.get("retry-after");
  const retryAfterMs = headers.get("retry-after-ms");
  if (retryAfter === null && retryAfterMs === null) return undefined;
  const picked: RetryHeaders = {};
  if (retryAfter !== null) picked["retry-after"] = retryAfter;
  if (retryAfterMs !== null) picked["retry-after-ms"] = retryAfterMs;
  return picked;
}
