import {
  type MockServer,
  type MockServerOptions,
  startMockServer,
} from "../../src/mock-server/index.js";

/**
 * Starts a mock server on an ephemeral loopback port, runs `fn` with it, and
 * closes the server afterwards, whether `fn` succeeded or threw.
 */
export async function withMockServer<T>(
  options: MockServerOptions,
  fn: (server: MockServer) => Promise<T>,
): Promise<T> {
  const server = await startMockServer({ ...options, port: options.port ?? 0 });
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}
