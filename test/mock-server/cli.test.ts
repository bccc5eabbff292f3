import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import type { MockStats } from "../../src/mock-server/index.js";
import { runCli, startCli } from "../support/run-cli.js";

// These tests start the built CLI, so `npm run build` must have run (npm test does it).
describe("plait mock-server", () => {
  it("serves until SIGINT and exits 0", async () => {
    const cli = startCli(["mock-server", "--port", "0", "--model", "gpt-4o-mini=1:1"]);
    const listening = /^plait mock-server listening on (http:\/\/127\.0\.0\.1:\d+)$/;
    const [, url] = await cli.waitForLine(listening);
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "sk-test", maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Hello" }],
    });
    expect(completion.choices[0]?.message.content).not.toBe("");
    const stats = (await (await fetch(`${url}/stats`)).json()) as MockStats;
    expect(stats.successes).toBe(1);

    cli.process.kill("SIGINT");
    const result = await cli.exited;
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toBe("");
  });

  it("stops on SIGTERM with exit code 0", async () => {
    const cli = startCli(["mock-server", "--port", "0"]);
    await cli.waitForLine(/listening on/);
    cli.process.kill("SIGTERM");
    expect((await cli.exited).exitCode).toBe(0);
  });

  it.each([
    [
      ["--max-concurrent", "0"],
      '--max-concurrent must be a whole number of at least 1, but it is "0"',
    ],
    [["--rate-limit", "2.5"], '--rate-limit must be a whole number of at least 1, but it is "2.5"'],
    [["--fail", "1.5"], '--fail must be a number from 0 to 1, but it is "1.5"'],
    [["--latency", "-1"], '--latency must be a number of at least 0, but it is "-1"'],
    [["--port", "70000"], '--port must be a whole number from 0 to 65535, but it is "70000"'],
    [["--fail-modes", "500,boom"], 'it contains "boom"'],
    [["--model", "fast"], '--model must be NAME=LATENCY_MS or NAME=LATENCY_MS:JITTER_MS'],
  ])("rejects %j with exit code 2", async (args, message) => {
    const result = await runCli(["mock-server", ...args], { timeoutMs: 10_000 });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe("");
  });
});
