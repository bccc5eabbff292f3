import { readFile, readdir, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { UNREACHABLE_AFTER_CALLS } from "../../src/execution/unreachable-detector.js";
import { startMockServer } from "../../src/mock-server/index.js";
import { runCli, startCli } from "../support/run-cli.js";
import { makeTempDir } from "../support/temp-dir.js";

const PIPELINE = `
name: echo
input: [text]
nodes:
  answer:
    llm: fast
    prompt: "Repeat: {{ input.text }}"
outputs:
  answer: "{{ answer }}"
`;

const RECORDS = 50;
const MAX_INFLIGHT = 4;

/** Returns a loopback port that was free a moment ago and now refuses connections. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

function resourcesFor(port: number, maxConcurrent: number): string {
  return `
endpoints:
  fast:
    provider: openai
    model: mock-model
    base_url: "http://127.0.0.1:${port}/v1"
    api_key: sk-test
    max_concurrent: ${maxConcurrent}
    max_retries: 1
    retry_delay: 0.05
max_inflight_graphs: ${MAX_INFLIGHT}
`;
}

async function readLines(file: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(file, "utf8");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("plait run against an unreachable endpoint", () => {
  let dir: string;
  let pipeline: string;
  let resources: string;
  let input: string;
  let runsDir: string;

  beforeEach(async () => {
    dir = await makeTempDir("plait-unreachable-");
    pipeline = path.join(dir, "pipeline.yaml");
    resources = path.join(dir, "resources.yaml");
    input = path.join(dir, "input.jsonl");
    runsDir = path.join(dir, "runs");
    await writeFile(pipeline, PIPELINE);
    const lines = Array.from({ length: RECORDS }, (_, i) => JSON.stringify({ text: `t${i}` }));
    await writeFile(input, lines.join("\n") + "\n");
  });

  const runArgs = (...extra: string[]) => [
    "run", pipeline, "--resources", resources, "--runs-dir", runsDir,
    "--progress", "plain", ...extra,
  ];

  it("aborts the retries of records in flight after the grace", async () => {
    const port = await closedPort();
    // Each call takes 3 s of retries (1 s, then 2 s), two at a time, so the
    // fifth failure comes after about 9 s. The 20 records admitted by then
    // would take 30 s to fail one by one; the abort ends them 5 s later.
    const slowRetries = resourcesFor(port, 2)
      .replace("max_retries: 1", "max_retries: 2")
      .replace("retry_delay: 0.05", "retry_delay: 1");
    await writeFile(resources, slowRetries);
    const startedMs = Date.now();
    const result = await runCli(runArgs("--input", input, "--max-inflight", "20"), { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(Date.now() - startedMs).toBeLessThan(22_000);
    expect(result.stderr).toMatch(/running calls get 5 s to finish/);
    const [runId] = await readdir(runsDir);
    const runDir = path.join(runsDir, runId!);
    const manifest = JSON.parse(await readFile(path.join(runDir, "manifest.json"), "utf8"));
    expect(manifest.status).toBe("interrupted");
    expect((await readLines(path.join(runDir, "errors.jsonl"))).length).toBeLessThan(10);
  });

  it("stops early with exit 2 and resumes", async () => {
    const port = await closedPort();
    await writeFile(resources, resourcesFor(port, 2));
    const startedMs = Date.now();
    const result = await runCli(runArgs("--input", input), { cwd: dir });
    const elapsedMs = Date.now() - startedMs;

    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.exitCode).toBe(2);
    expect(elapsedMs).toBeLessThan(10_000);
    const baseUrl = `http://127.0.0.1:${port}/v1`;
    expect(result.stdout).toContain(`unreachable: alias "fast" could not be reached at ${baseUrl}`);
    expect(result.stdout).toContain(`connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(result.stdout).toContain("Check base_url and its port in");
    expect(result.stdout).toContain("plait mock-server");
    expect(result.stderr).toMatch(/stopping: no new records/);

    const [runId] = await readdir(runsDir);
    expect(result.stdout).toContain(`continue with: `);
    expect(result.stdout).toContain(`--resume ${runId}`);
    const runDir = path.join(runsDir, runId!);
    const manifest = JSON.parse(await readFile(path.join(runDir, "manifest.json"), "utf8"));
    expect(manifest.status).toBe("interrupted");
    // Records that failed before the detector fired, plus the ones in flight then.
    const errors = await readLines(path.join(runDir, "errors.jsonl"));
    expect(errors.length).toBeGreaterThanOrEqual(UNREACHABLE_AFTER_CALLS);
    expect(errors.length).toBeLessThanOrEqual(UNREACHABLE_AFTER_CALLS - 1 + MAX_INFLIGHT);
    expect(await readLines(path.join(runDir, "results.jsonl"))).toHaveLength(0);

    const server = await startMockServer({ port });
    try {
      const resumed = await runCli(runArgs("--resume", runId!), { cwd: dir });
      expect(resumed.stderr).not.toMatch(/internal error/);
      expect(resumed.exitCode).toBe(0);
    } finally {
      await server.close();
    }
    const results = await readLines(path.join(runDir, "results.jsonl"));
    expect(new Set(results.map((row) => row["id"])).size).toBe(RECORDS);
  });

  it("goes on when the endpoint dies after answering", async () => {
    const server = await startMockServer({ latencyMs: 20 });
    await writeFile(resources, resourcesFor(server.port, 2));
    const cli = startCli(runArgs("--input", input), { cwd: dir });
    try {
      while (server.stats().successes < 6) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      await server.close();
    }
    const result = await cli.exited;

    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).not.toMatch(/unreachable/);
    expect(result.stderr).not.toMatch(/stopping/);
    const [runId] = await readdir(runsDir);
    const runDir = path.join(runsDir, runId!);
    const results = await readLines(path.join(runDir, "results.jsonl"));
    const errors = await readLines(path.join(runDir, "errors.jsonl"));
    expect(results.length).toBeGreaterThanOrEqual(6);
    expect(errors.length).toBeGreaterThan(0);
    expect(results.length + errors.length).toBe(RECORDS);
    // Enough connection failures to stop a run that had never succeeded.
    const refused = errors.filter((row) => /ECONNREFUSED/.test(String(row["message"])));
    expect(refused.length).toBeGreaterThanOrEqual(UNREACHABLE_AFTER_CALLS);
  });
});
