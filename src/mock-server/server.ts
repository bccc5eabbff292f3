import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { systemClock } from "../util/clock.js";
import { handleChat } from "./chat-handler.js";
import { sendJson } from "./http-io.js";
import { handleInfoRoute } from "./info-routes.js";
import { type MockServerOptions, resolveMockServerOptions } from "./options.js";
import { anthropicRoute } from "./routes/anthropic.js";
import { ollamaRoute } from "./routes/ollama.js";
import { openaiRoute } from "./routes/openai.js";
import type { ChatRoute } from "./routes/route.js";
import { MockServerState } from "./server-state.js";
import type { MockStats } from "./stats.js";

export interface MockServer {
  /** Origin without a trailing slash, e.g. http://127.0.0.1:41234. */
  url: string;
  port: number;
  stats(): MockStats;
  resetStats(): void;
  /** Stops listening and closes every connection, stalled ones included. */
  close(): Promise<void>;
}

const CHAT_ROUTES = new Map<string, ChatRoute>(
  [openaiRoute, anthropicRoute, ollamaRoute].map((route) => [route.path, route]),
);

/**
 * Idle keep-alive connections stay open this long. Longer than the idle
 * timeout of common client agents, so the server never closes a socket that
 * a client is about to reuse (which the client would see as a reset).
 */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/**
 * Starts an HTTP server on 127.0.0.1 that imitates the OpenAI, Anthropic and
 * Ollama chat APIs. Throws a RangeError for an invalid option.
 */
export async function startMockServer(options: MockServerOptions = {}): Promise<MockServer> {
  const resolved = resolveMockServerOptions(options);
  const state = new MockServerState(resolved, options.clock ?? systemClock);
  const server = createServer({ keepAlive: true }, (request, response) => {
    routeRequest(state, request, response).catch((error: unknown) => {
      // A bug in the mock: make it visible to the client rather than hang.
      if (response.headersSent) response.destroy();
      else {
        const message = `plait mock-server internal error: ${String(error)}`;
        sendJson(response, 500, { error: { message } });
      }
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
  server.on("connection", () => state.stats.recordConnection());

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(resolved.port, resolved.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${resolved.host}:${port}`,
    port,
    stats: () => state.stats.snapshot(),
    resetStats: () => state.stats.reset(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function routeRequest(
  state: MockServerState,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const method = request.method ?? "GET";
  const path = (request.url ?? "/").split("?", 1)[0] ?? "/";
  const chatRoute = CHAT_ROUTES.get(path);
  if (chatRoute !== undefined && method === "POST") {
    await handleChat(state, chatRoute, request, response);
    return;
  }
  if (handleInfoRoute(state, method, path, request, response)) return;

  const route = path.startsWith("/api/")
    ? ollamaRoute
    : request.headers["anthropic-version"] !== undefined
      ? anthropicRoute
      : openaiRoute;
  const message = `${method} ${path} is not a route of plait mock-server`;
  sendJson(response, 404, route.formatError("not_found", message, ""));
}
