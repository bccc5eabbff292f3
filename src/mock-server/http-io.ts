import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";

/** Larger bodies get 413, so a runaway client cannot exhaust the server's memory. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  override name = "BodyTooLargeError";
}

/**
 * Reads a request body as UTF-8. Rejects with BodyTooLargeError past
 * `maxBytes`, and with the stream's error when the client goes away.
 */
export function readBody(request: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new BodyTooLargeError(`request body is larger than ${maxBytes} bytes`));
        request.removeAllListeners("data");
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: OutgoingHttpHeaders = {},
  contentType = "application/json",
): void {
  const text = JSON.stringify(body) + (contentType === "application/x-ndjson" ? "\n" : "");
  response.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}
