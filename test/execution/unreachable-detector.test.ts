import { describe, expect, it } from "vitest";
import type { ErrorKind } from "../../src/resources/events.js";
import {
  isConnectionFailure,
  UNREACHABLE_AFTER_CALLS,
  UnreachableDetector,
  type UnreachableAlias,
} from "../../src/execution/unreachable-detector.js";

const REFUSED =
  "fast: failed after 2 attempts: connection to http://127.0.0.1:9/v1 failed: " +
  "connect ECONNREFUSED 127.0.0.1:9";

/** Strips the `[i]` of a multi-endpoint alias, as the resource loader names them. */
const aliasOf = (endpoint: string) => endpoint.replace(/\[\d+\]$/, "");

function detector(threshold?: number) {
  const found: UnreachableAlias[] = [];
  const watcher = new UnreachableDetector({
    aliasOf,
    ...(threshold !== undefined ? { threshold } : {}),
    onUnreachable: (alias) => found.push(alias),
  });
  const fail = (endpoint: string, kind: ErrorKind = "transient", message = REFUSED) =>
    watcher.onCallFailed({ endpoint, kind, message });
  const succeed = (endpoint: string) => watcher.onCallFinished({ result: { endpoint } });
  return { watcher, found, fail, succeed };
}

describe("isConnectionFailure", () => {
  it.each([
    ["transient", REFUSED, true],
    ["transient", "x: connection to http://h/v1 failed: read ECONNRESET", true],
    ["transient", "x: fetch failed: getaddrinfo ENOTFOUND nohost.invalid", true],
    ["transient", "x: fetch failed: getaddrinfo EAI_AGAIN nohost", true],
    ["transient", "x: connect EHOSTUNREACH 10.0.0.1:80", true],
    ["transient", "x: UND_ERR_CONNECT_TIMEOUT: Connect Timeout Error", true],
    ["transient", "x: failed after 4 attempts: 500 Internal Server Error", false],
    ["transient", "x: simulated transient failure (error_rate)", false],
    ["timeout", "x: timed out after 300000 ms", false],
    ["rate_limited", "x: 429 Too Many Requests ECONNREFUSED", false],
    ["permanent", "x: 401 Incorrect API key", false],
  ] as const)("classifies %s %j as %s", (kind, message, expected) => {
    expect(isConnectionFailure(kind, message)).toBe(expected);
  });
});

describe("UnreachableDetector", () => {
  it("reports an alias after its first five refused calls", () => {
    const { watcher, found, fail } = detector();
    expect(UNREACHABLE_AFTER_CALLS).toBe(5);
    for (let i = 0; i < 4; i++) fail("fast");
    expect(watcher.signal.aborted).toBe(false);
    expect(found).toHaveLength(0);
    fail("fast");
    expect(watcher.signal.aborted).toBe(true);
    expect(found).toEqual([
      { alias: "fast", endpoints: ["fast"], message: REFUSED, failedCalls: 5 },
    ]);
    expect(watcher.unreachable).toEqual(found[0]);
  });

  it("reports once however many calls fail later", () => {
    const { found, fail } = detector(2);
    for (let i = 0; i < 6; i++) fail("fast");
    fail("smart");
    fail("smart");
    expect(found).toHaveLength(1);
    expect(found[0]!.failedCalls).toBe(2);
  });

  it("never reports an alias after one success", () => {
    const { watcher, fail, succeed } = detector(3);
    succeed("fast");
    for (let i = 0; i < 20; i++) fail("fast");
    expect(watcher.signal.aborted).toBe(false);
    expect(watcher.successfulCalls).toBe(1);
  });

  it("never reports an alias whose success came between failures", () => {
    const { watcher, fail, succeed } = detector(3);
    fail("fast");
    fail("fast");
    succeed("fast");
    for (let i = 0; i < 10; i++) fail("fast");
    expect(watcher.unreachable).toBeUndefined();
  });

  it.each([
    ["a 5xx", "transient", "fast: failed after 2 attempts: 503 Service Unavailable"],
    ["a timeout", "timeout", "fast: failed after 2 attempts: timed out after 100 ms"],
    ["a 429", "rate_limited", "fast: rate limited too long: 429 Too Many Requests"],
    ["a permanent error", "permanent", "fast: 401 Incorrect API key provided"],
  ] as const)("stops watching an alias after %s", (_name, kind, message) => {
    const { watcher, fail } = detector(3);
    fail("fast");
    fail("fast", kind, message);
    for (let i = 0; i < 10; i++) fail("fast");
    expect(watcher.unreachable).toBeUndefined();
  });

  it("ignores cancelled calls", () => {
    const { watcher, fail } = detector(3);
    fail("fast");
    fail("fast", "cancelled", "cancelled");
    fail("fast");
    expect(watcher.signal.aborted).toBe(false);
    fail("fast");
    expect(watcher.unreachable?.failedCalls).toBe(3);
  });

  it("counts each alias apart", () => {
    const { watcher, fail, succeed } = detector(3);
    succeed("smart");
    fail("fast");
    fail("fast");
    fail("smart");
    fail("smart");
    fail("smart");
    expect(watcher.signal.aborted).toBe(false);
    fail("fast");
    expect(watcher.unreachable?.alias).toBe("fast");
  });

  it("pools the endpoints of one alias", () => {
    const { watcher, fail } = detector(3);
    fail("smart[0]");
    fail("smart[1]");
    fail("smart[0]");
    expect(watcher.unreachable).toEqual({
      alias: "smart",
      endpoints: ["smart[0]", "smart[1]"],
      message: REFUSED,
      failedCalls: 3,
    });
  });

  it("counts successes on every alias", () => {
    const { watcher, succeed } = detector();
    succeed("fast");
    succeed("smart[1]");
    expect(watcher.successfulCalls).toBe(2);
  });

  it("rejects a threshold below one", () => {
    expect(() => new UnreachableDetector({ aliasOf, threshold: 0 })).toThrow(/at least 1, got 0/);
  });
});
