import { Agent, fetch as undiciFetch } from "undici";

/** Idle keep-alive connections close after this long. */
const KEEP_ALIVE_TIMEOUT_MS = 30_000;

export interface EndpointFetch {
  fetch: typeof globalThis.fetch;
  close(): Promise<void>;
}

/**
 * A fetch for one endpoint over its own undici Agent, which keeps
 * connections alive and opens at most `maxConcurrent` per origin. Further
 * requests wait in the agent's queue. undici's own fetch is used, not the
 * global one, because an Agent only works with the undici copy that made it.
 * undici's header and body timeouts are off: the resource manager's
 * timeout signal is the one clock a call runs against.
 */
export function createEndpointFetch(maxConcurrent: number): EndpointFetch {
  const agent = new Agent({
    connections: maxConcurrent,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const fetchWithAgent = (input: unknown, init?: Record<string, unknown>) =>
    undiciFetch(input as string, { ...init, dispatcher: agent } as never);
  return {
    fetch: fetchWithAgent as unknown as typeof globalThis.fetch,
    close: () => agent.close(),
  };
}
