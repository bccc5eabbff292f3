import type { MockServer, MockStats } from "../../src/mock-server/index.js";

/** Sends one OpenAI-shaped chat request with fetch and returns the raw response. */
export function postChat(url: string, content = "Hello", model = "gpt-4o-mini"): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content }] }),
  });
}

/**
 * Polls the server's stats until `isReady` holds, so a test can advance a
 * manual clock only once every request has reached the server.
 */
export async function waitForStats(
  server: MockServer,
  isReady: (stats: MockStats) => boolean,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!isReady(server.stats())) {
    if (Date.now() > deadline) {
      throw new Error(`stats not ready: ${JSON.stringify(server.stats())}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
