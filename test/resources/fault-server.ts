import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What the server does with one request. */
export type Behaviour =
  | { kind: "json"; status?: number; body: unknown; headers?: Record<string, string> }
  | { kind: "text"; status: number; body: string; headers?: Record<string, string> }
  /** Sends a 200 and its headers, then never sends the body. */
  | { kind: "stall" }
  /** Closes the socket without any reply. */
  | { kind: "drop" }
  /** Reads the request and never replies. */
  | { kind: "silent" };

export interface FaultServer {
  url: string;
  /** Request bodies in arrival order, parsed as JSON. */
  bodies: unknown[];
  /** Authorization headers in arrival order. */
  authorizations: (string | undefined)[];
  inFlight: number;
  peakInFlight: number;
  /** Arrival times from the `now` option, performance.now() by default. */
  arrivalsMs: number[];
  /** Sockets the server accepted. */
  connections: number;
  /** Resolves when `count` requests have arrived in total. */
  waitForRequests(count: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a loopback HTTP server whose n-th request gets `script[n]` (or `fallback`
 * once the script ends), for fault cases that need exact control.
 */
export async function startFaultServer(
  script: Behaviour[],
  fallback: Behaviour | ((body: unknown) => Behaviour),
  options: { holdMs?: number; now?: () => number } = {},
): Promise<FaultServer> {
  const holdMs = options.holdMs ?? 0;
  const now = options.now ?? (() => performance.now());
  let index = 0;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const state: FaultServer = {
    url: "",
    bodies: [],
    authorizations: [],
    inFlight: 0,
    peakInFlight: 0,
    arrivalsMs: [],
    connections: 0,
    waitForRequests: (count) =>
      state.bodies.length >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ count, resolve })),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      state.arrivalsMs.push(now());
      state.inFlight += 1;
      state.peakInFlight = Math.max(state.peakInFlight, state.inFlight);
      const text = Buffer.concat(chunks).toString("utf8");
      const body: unknown = text === "" ? undefined : JSON.parse(text);
      state.bodies.push(body);
      const apiKeyHeader = request.headers["x-api-key"]?.toString();
      state.authorizations.push(request.headers.authorization ?? apiKeyHeader);
      for (const waiter of waiters.filter((entry) => state.bodies.length >= entry.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      const next = script[index++] ?? (typeof fallback === "function" ? fallback(body) : fallback);
      const respond = () => {
        response.on("close", () => (state.inFlight -= 1));
        behave(next, request, response);
      };
      if (holdMs > 0) setTimeout(respond, holdMs);
      else respond();
    });
  });
  server.on("connection", () => (state.connections += 1));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

function behave(behaviour: Behaviour, request: IncomingMessage, response: ServerResponse) {
  switch (behaviour.kind) {
    case "json":
      response.writeHead(behaviour.status ?? 200, {
        "content-type": "application/json",
        ...behaviour.headers,
      });
      response.end(JSON.stringify(behaviour.body));
      return;
    case "text":
      response.writeHead(behaviour.status, { "content-type": "text/html", ...behaviour.headers });
      response.end(behaviour.body);
      return;
    case "stall":
      response.writeHead(200, { "content-type": "application/json" });
      response.write('{"id": "stalled", ');
      return;
    case "drop":
      request.socket.destroy();
      return;
    case "silent":
      return;
  }
}

/** Builds a minimal successful reply in each provider's shape. */
export function okReply(provider: "openai" | "anthropic" | "ollama", text = "hello"): Behaviour {
  switch (provider) {
    case "openai":
      return {
        kind: "json",
        headers: { "x-request-id": "req_ok" },
        body: {
          id: "chatcmpl-1",
          object: "chat.completion",
          created: 0,
          model: "m",
          choices: [
            { index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" },
          ],
          usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
        },
      };
    case "anthropic":
      return {
        kind: "json",
        headers: { "request-id": "req_ok" },
        body: {
          id: "msg_1",
          type: "message",
          role: "assistant",
          model: "m",
          content: [{ type: "text", text }],
          stop_reason: "end_turn",
          usage: { input_tokens: 12, output_tokens: 3 },
        },
      };
    case "ollama":
      return {
        kind: "json",
        body: {
          model: "m",
          created_at: "2025-01-01T00:00:00Z",
          message: { role: "assistant", content: text },
          done: true,
          done_reason: "stop",
          prompt_eval_count: 12,
          eval_count: 3,
        },
      };
  }
}

/** Returns the base_url under which each provider's SDK finds its chat route. */
export function baseUrlFor(provider: "openai" | "anthropic" | "ollama", origin: string): string {
  return provider === "openai" ? `${origin}/v1` : origin;
}
