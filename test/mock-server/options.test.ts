import { describe, expect, it } from "vitest";
import {
  type MockServerOptions,
  resolveMockServerOptions,
  startMockServer,
} from "../../src/mock-server/index.js";

describe("resolveMockServerOptions", () => {
  it("applies the defaults", () => {
    const resolved = resolveMockServerOptions();
    expect(resolved.port).toBe(0);
    expect(resolved.failModes).toEqual(["500", "drop"]);
    expect(resolved.maxConcurrent).toBe(Number.POSITIVE_INFINITY);
    expect(resolved.retryAfterFormat).toBe("seconds");
  });

  it.each<[MockServerOptions, string]>([
    [
      { host: "0.0.0.0" as "127.0.0.1" },
      'host must be "127.0.0.1" (loopback only), received 0.0.0.0',
    ],
    [{ port: -1 }, "port must be a whole number from 0 to 65535, received -1"],
    [{ maxConcurrent: 0 }, "maxConcurrent must be a whole number from 1"],
    [{ rateLimit: 1.5 }, "rateLimit must be a whole number from 1"],
    [{ failRate: 1.2 }, "failRate must be a number from 0 to 1, received 1.2"],
    [{ failModes: [] }, "failModes must name at least one fault"],
    [{ failModes: ["404" as "500"] }, "failModes contains 404"],
    [{ latencyMs: Number.NaN }, "latencyMs must be a number of at least 0, received NaN"],
    [{ models: { m: { jitterMs: -1 } } }, "models.m.jitterMs must be a number of at least 0"],
    [{ retryAfterSeconds: 0 }, "retryAfterSeconds must be a whole number from 1"],
  ])("rejects %j", (options, message) => {
    expect(() => resolveMockServerOptions(options)).toThrow(message);
  });

  it("rejects a non-loopback host before listening", async () => {
    const options = { host: "0.0.0.0" as "127.0.0.1" };
    await expect(startMockServer(options)).rejects.toThrow(RangeError);
  });
});
