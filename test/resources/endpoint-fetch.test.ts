import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createEndpointFetch } from "../../src/resources/clients/endpoint-fetch.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** Starts a loopback server that echoes the request and sets two cookies. */
async function startEchoServer() {
  const seen: Array<{ method?: string; url?: string; headers: IncomingHttpHeaders }> = [];
  const server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
    request.on("end", () => {
      seen.push({ method: request.method, url: request.url, headers: request.headers });
      response.setHeader("content-type", "application/json");
      response.setHeader("set-cookie", ["a=1", "b=2"]);
      response.statusCode = request.url?.startsWith("/missing") ? 404 : 200;
      response.end(JSON.stringify({ echo: body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${port}`, seen };
}

describe("createEndpointFetch", () => {
  it("sends method, path, headers and body", async () => {
    const server = await startEchoServer();
    const http = createEndpointFetch(2);
    cleanups.push(() => http.close());
    const response = await http.fetch(`${server.url}/v1/chat?x=1`, {
      method: "post",
      headers: new Headers({ "x-one": "1" }),
      body: '{"prompt":"hi"}',
    });
    expect(response.status).toBe(200);
    expect(response.ok).toBe(true);
    expect(response.url).toBe(`${server.url}/v1/chat?x=1`);
    expect(await response.json()).toEqual({ echo: '{"prompt":"hi"}' });
    expect(server.seen[0]?.method).toBe("POST");
    expect(server.seen[0]?.url).toBe("/v1/chat?x=1");
    expect(server.seen[0]?.headers["x-one"]).toBe("1");
  });

  it.each([
    ["pairs", [["x-one", "1"]] as [string, string][]],
    ["a record", { "x-one": "1" }],
  ])("takes headers as %s", async (_, headers) => {
    const server = await startEchoServer();
    const http = createEndpointFetch(1);
    cleanups.push(() => http.close());
    await http.fetch(`${server.url}/`, { headers });
    expect(server.seen[0]?.headers["x-one"]).toBe("1");
  });

  it("keeps error statuses and repeated reply headers", async () => {
    const server = await startEchoServer();
    const http = createEndpointFetch(1);
    cleanups.push(() => http.close());
    const response = await http.fetch(`${server.url}/missing`);
    expect(response.status).toBe(404);
    expect(response.ok).toBe(false);
    expect(response.headers.get("set-cookie")).toBe("a=1, b=2");
    expect(await response.text()).toBe('{"echo":""}');
  });

  it("rejects a body that is not a string or bytes", async () => {
    const http = createEndpointFetch(1);
    cleanups.push(() => http.close());
    const body = new URLSearchParams({ a: "1" });
    await expect(http.fetch("http://127.0.0.1:9/", { method: "POST", body })).rejects.toThrow(
      "endpoint fetch sends a string or byte body only, not URLSearchParams",
    );
  });
});
