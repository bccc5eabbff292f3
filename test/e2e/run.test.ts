import { readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { REPO_ROOT, runCli } from "../support/run-cli.js";
import { makeTempDir } from "../support/temp-dir.js";

const TRIAGE = path.join(REPO_ROOT, "pipelines/triage.yaml");
const TICKETS = path.join(REPO_ROOT, "pipelines/data/tickets.jsonl");

const FAST_RESOURCES = `
endpoints:
  fast: {provider: simulated, max_concurrent: 4, latency_ms: 2, input_cost_per_1m: 1, output_cost_per_1m: 2}
  smart: {provider: simulated, max_concurrent: 2, latency_ms: 3, input_cost_per_1m: 3, output_cost_per_1m: 6}
max_inflight_graphs: 5
`;

async function readJsonLines(file: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(file, "utf8");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function onlyRunDir(runsDir: string): Promise<string> {
  const runs = await readdir(runsDir);
  expect(runs).toHaveLength(1);
  return path.join(runsDir, runs[0]!);
}

describe("plait run", () => {
  let dir: string;
  let resources: string;
  let runsDir: string;

  beforeEach(async () => {
    dir = await makeTempDir("plait-run-");
    resources = path.join(dir, "resources.yaml");
    runsDir = path.join(dir, "runs");
    await writeFile(resources, FAST_RESOURCES);
  });

  const run = (args: string[], input?: string) =>
    runCli(["run", ...args, "--runs-dir", runsDir, "--progress", "plain"], {
      cwd: dir,
      ...(input !== undefined ? { input } : {}),
    });

  it("writes a result for every record", async () => {
    const result = await run([TRIAGE, "--resources", resources, "--input", TICKETS]);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.exitCode).toBe(0);
    const runDir = await onlyRunDir(runsDir);
    const results = await readJsonLines(path.join(runDir, "results.jsonl"));
    expect(results).toHaveLength(24);
    const ids = new Set(results.map((r) => r["id"]));
    expect(ids.size).toBe(24);
    for (const result of results) {
      const output = result["output"] as Record<string, unknown>;
      expect(["billing", "bug", "other"]).toContain(output["label"]);
      expect(typeof output["summary"]).toBe("string");
      expect(typeof output["reply"]).toBe("string");
    }
    expect(await readFile(path.join(runDir, "errors.jsonl"), "utf8")).toBe("");
    expect(result.stdout).toMatch(/records\s+24 done, 0 failed/);
    expect(result.stdout).toMatch(/cost\s+\$\d+\.\d{4}/);
  });

  it("gives the same results on a second run", async () => {
    await run([TRIAGE, "--resources", resources, "--input", TICKETS, "--output", "a.jsonl"]);
    await run([TRIAGE, "--resources", resources, "--input", TICKETS, "--output", "b.jsonl"]);
    const sort = (rows: Array<Record<string, unknown>>) =>
      rows.sort((x, y) => String(x["id"]).localeCompare(String(y["id"])));
    const first = sort(await readJsonLines(path.join(dir, "a.jsonl")));
    const second = sort(await readJsonLines(path.join(dir, "b.jsonl")));
    expect(second).toEqual(first);
  });

  it("fails only the records that are malformed or miss a field", async () => {
    const input = path.join(dir, "tickets.jsonl");
    await writeFile(
      input,
      [
        '{"id":"ok-1","ticket":"Refund please","customer":"Acme"}',
        '{"id":"broken",',
        '{"id":"no-customer","ticket":"Crash on start"}',
        '{"id":"ok-2","ticket":"Login fails","customer":"Globex"}',
      ].join("\n") + "\n",
    );
    const result = await run([TRIAGE, "--resources", resources, "--input", input]);
    expect(result.exitCode).toBe(1);
    const runDir = await onlyRunDir(runsDir);
    const results = await readJsonLines(path.join(runDir, "results.jsonl"));
    expect(results.map((r) => r["id"]).sort()).toEqual(["ok-1", "ok-2"]);
    const errors = await readJsonLines(path.join(runDir, "errors.jsonl"));
    const byId = new Map(errors.map((e) => [e["id"], e]));
    expect(byId.get("2")?.["kind"]).toBe("input");
    expect(byId.get("2")?.["message"]).toMatch(/^line 2 is not valid JSON/);
    expect(byId.get("no-customer")?.["message"]).toMatch(
      /record on line 3 is missing "customer", which .*triage.yaml declares under input/,
    );
  });

  it("reads CSV with a header", async () => {
    const input = path.join(dir, "tickets.csv");
    await writeFile(input, 'id,ticket,customer\nc1,"Charged twice, please help",Acme\nc2,Crash,Initech\n');
    const result = await run([TRIAGE, "--resources", resources, "--input", input]);
    expect(result.exitCode).toBe(0);
    const results = await readJsonLines(path.join(await onlyRunDir(runsDir), "results.jsonl"));
    expect(results.map((r) => r["id"]).sort()).toEqual(["c1", "c2"]);
  });

  it("exits 2 when a CSV header lacks a declared field", async () => {
    const input = path.join(dir, "tickets.csv");
    await writeFile(input, "id,ticket\nc1,Crash\n");
    const result = await run([TRIAGE, "--resources", resources, "--input", input]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/tickets\.csv:1: the CSV header has no column "customer"/);
  });

  it("reads JSON Lines from standard input", async () => {
    const input = '{"ticket":"a","customer":"b"}\n{"ticket":"c","customer":"d"}\n';
    const result = await run([TRIAGE, "--resources", resources, "--input", "-"], input);
    expect(result.exitCode).toBe(0);
    const results = await readJsonLines(path.join(await onlyRunDir(runsDir), "results.jsonl"));
    expect(results.map((r) => r["id"]).sort()).toEqual(["1", "2"]);
  });

  it("keeps a stdin run resumable when a resume pipes nothing", async () => {
    const records = await readFile(TICKETS, "utf8");
    const args = [TRIAGE, "--resources", resources, "--input", "-"];
    const stopped = await run([...args, "--max-cost", "0"], records);
    expect(stopped.exitCode).toBe(1);
    const runId = path.basename(await onlyRunDir(runsDir));
    const empty = await run([...args, "--resume", runId, "--no-max-cost"], "");
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toMatch(/standard input held no records, so the run stays resumable/);
    const manifest = JSON.parse(await readFile(path.join(runsDir, runId, "manifest.json"), "utf8"));
    expect(manifest.status).toBe("interrupted");
    const resumed = await run([...args, "--resume", runId, "--no-max-cost"], records);
    expect(resumed.exitCode).toBe(0);
    const results = await readJsonLines(path.join(runsDir, runId, "results.jsonl"));
    expect(results).toHaveLength(24);
  });

  it("prints a JSON summary with --json", async () => {
    const result = await run([TRIAGE, "--resources", resources, "--input", TICKETS, "--json"]);
    expect(result.exitCode).toBe(0);
    const summary = JSON.parse(result.stdout) as { totals: { succeeded: number } };
    expect(summary.totals.succeeded).toBe(24);
  });

  it("exits 2 when no early line of the input is a record", async () => {
    const input = path.join(dir, "tickets.txt");
    await writeFile(input, "id,ticket,customer\nc1,Crash,Initech\nc2,Refund,Acme\nc3,Slow,Globex\n");
    const result = await run([TRIAGE, "--resources", resources, "--input", input]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/tickets\.txt:1: the first 3 lines of the input contained no record/);
    expect(result.stderr).toMatch(/a CSV file must be named \.csv/);
    expect(await readdir(dir)).not.toContain("runs");
  });

  it("estimates without the API key the resource file names", async () => {
    const openai = path.join(dir, "openai.yaml");
    await writeFile(
      openai,
      [
        "endpoints:",
        "  fast:",
        "    provider: openai",
        "    model: gpt-4o-mini",
        "    api_key: ${PLAIT_TEST_UNSET_KEY}",
        "  smart:",
        "    provider: openai",
        "    model: gpt-4o",
        "    api_key: ${PLAIT_TEST_UNSET_KEY}",
        "",
      ].join("\n"),
    );
    const result = await run([TRIAGE, "--resources", openai, "--input", TICKETS, "--dry-run"]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/dry run: 24 records, 72 LLM calls, nothing called/);
  });

  it("estimates the cost with --dry-run and calls nothing", async () => {
    const result = await run([TRIAGE, "--resources", resources, "--input", TICKETS, "--dry-run"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/dry run: 24 records, 72 LLM calls, nothing called/);
    expect(await readdir(dir)).not.toContain("runs");
  });

  it("stops admitting at --max-cost and resumes later", async () => {
    const expensive = FAST_RESOURCES.replace(/cost_per_1m: \d+/g, "cost_per_1m: 1000");
    await writeFile(resources, expensive);
    const stopped = await run([
      TRIAGE, "--resources", resources, "--input", TICKETS, "--max-cost", "0.5",
    ]);
    expect(stopped.exitCode).toBe(1);
    expect(stopped.stdout).toMatch(/stopped: spend reached the --max-cost budget of \$0\.5000/);
    const runDir = await onlyRunDir(runsDir);
    const partial = await readJsonLines(path.join(runDir, "results.jsonl"));
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(24);
    const manifest = JSON.parse(await readFile(path.join(runDir, "manifest.json"), "utf8"));
    // Records admitted before the budget was reached still finish, so the
    // spend may pass the budget by what those records cost.
    expect(manifest.costUsd).toBeGreaterThanOrEqual(0.5);
    // The run keeps its budget across resumes, so this resume drops it.
    const resumed = await run([TRIAGE, "--resources", resources, "--resume", "--no-max-cost"]);
    expect(resumed.exitCode).toBe(0);
    const all = await readJsonLines(path.join(runDir, "results.jsonl"));
    expect(new Set(all.map((r) => r["id"])).size).toBe(24);
    expect(all).toHaveLength(24);
  });

  it("exits 2 when --output names a folder", async () => {
    const result = await run([TRIAGE, "--resources", resources, "--input", TICKETS, "-o", dir]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`--output "${dir}" is a folder; give the path of a file`);
    expect(await readdir(dir)).not.toContain("runs");
  });

  it("exits 2 when the input file is missing", async () => {
    const result = await run([TRIAGE, "--resources", resources, "--input", "nope.jsonl"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/input file \(--input\) "nope.jsonl" was not found/);
  });

  it("exits 2 on a bad flag value", async () => {
    const result = await run([
      TRIAGE, "--resources", resources, "--input", TICKETS, "--max-inflight", "0",
    ]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/--max-inflight must be a whole number of at least 1, but it is "0"/);
  });

  it("exits 2 with the file and line of a config mistake", async () => {
    await writeFile(resources, FAST_RESOURCES.replace("max_concurrent: 4", "max_concurrnt: 4"));
    const result = await run([TRIAGE, "--resources", resources, "--input", TICKETS]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/resources\.yaml:3:\d+: .*max_concurrnt.*max_concurrent/);
  });

  it("exits 1 when the provider keeps failing", async () => {
    await writeFile(
      resources,
      FAST_RESOURCES.replace("latency_ms: 2,", "latency_ms: 2, error_rate: 1, max_retries: 0,"),
    );
    const result = await run([TRIAGE, "--resources", resources, "--input", TICKETS, "--limit", "3"]);
    expect(result.exitCode).toBe(1);
    const errors = await readJsonLines(path.join(await onlyRunDir(runsDir), "errors.jsonl"));
    expect(errors).toHaveLength(3);
    expect(errors[0]!["node"]).toBe("summary");
    expect(errors[0]!["kind"]).toBe("transient");
  });
});

describe("plait run on document-digest", () => {
  it("runs every node kind and gives the expected shape", async () => {
    const dir = await makeTempDir("plait-digest-");
    const resources = path.join(dir, "resources.yaml");
    await writeFile(resources, FAST_RESOURCES);
    const output = path.join(dir, "digest.jsonl");
    const result = await runCli(
      [
        "run", path.join(REPO_ROOT, "pipelines/document-digest.yaml"),
        "--resources", resources,
        "--input", path.join(REPO_ROOT, "pipelines/data/documents.jsonl"),
        "--runs-dir", path.join(dir, "runs"), "--output", output, "--progress", "none",
      ],
      { cwd: dir },
    );
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const results = await readJsonLines(output);
    expect(results.map((r) => r["id"]).sort()).toEqual(["doc-1", "doc-2", "doc-3"]);
    const { chunkText, countWords } = (await import(
      path.join(REPO_ROOT, "pipelines/lib/chunk.mjs")
    )) as {
      chunkText: (args: { text: string; size: string }) => string[];
      countWords: (args: { text: string }) => Promise<number>;
    };
    const documents = await readJsonLines(path.join(REPO_ROOT, "pipelines/data/documents.jsonl"));
    for (const document of documents) {
      const output = results.find((r) => r["id"] === document["id"])!["output"] as Record<
        string,
        unknown
      >;
      const chunks = chunkText({ text: String(document["text"]), size: "300" });
      expect(output["title"]).toBe(document["title"]);
      expect(output["words"]).toBe(await countWords({ text: String(document["text"]) }));
      expect(output["chunks"]).toHaveLength(chunks.length);
      const keywords = output["keywords"] as Array<{ position: number; keywords: string[] }>;
      expect(keywords.map((k) => k.position)).toEqual(chunks.map((_, i) => i));
      for (const entry of keywords) expect(Array.isArray(entry.keywords)).toBe(true);
      expect(typeof output["digest"]).toBe("string");
      expect(["neutral", "positive", "negative"]).toContain(output["tone"]);
    }
  });
});
