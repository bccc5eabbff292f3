import { readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";
import { makeTempDir } from "../support/temp-dir.js";

// Needs `npm run build` first, like every test that spawns the CLI.

const RESOURCES = `
endpoints:
  fast: {provider: simulated}
  careful:
    - {provider: simulated}
    - {provider: anthropic, model: m, base_url: "http://127.0.0.1:9", api_key: sk-test}
`;

const BAD_PIPELINE = `name: bad-triage
input: [ticket]
nodes:
  summary:
    llm: careful
    prompt: "Summarise {{ input.ticket }}"
    temperature: 1.4
  category:
    llm: fast
    prompt: "Pick billing, bug or other for: {{ summary }}"
    output: json
    schema:
      type: object
      properties:
        label: {type: string}
        confidence: {type: number}
  reply:
    llm: smrt
    prompt: "Draft a reply to a {{ category.lable }} ticket: {{ summary.text }}"
outputs:
  label: "{{ category.confidnce }}"
  reply: "{{ reply }}"
`;

describe("plait validate", () => {
  let dir: string;

  beforeEach(async () => {
    dir = await makeTempDir("plait-validate-");
    await writeFile(path.join(dir, "resources.yaml"), RESOURCES);
  });

  it("reports field, temperature and alias problems at once", async () => {
    await writeFile(path.join(dir, "bad.yaml"), BAD_PIPELINE);
    const result = await runCli(["validate", "bad.yaml", "--resources", "resources.yaml"], {
      cwd: dir,
    });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trimEnd().split("\n")).toEqual([
      'bad.yaml:7:18: node "summary" has temperature 1.4, but alias "careful" calls ' +
        'endpoint "careful[1]" of provider anthropic, which accepts 0 to 1. Choose a ' +
        'temperature of 0 to 1, or bind "careful" to another provider.',
      'bad.yaml:18:10: node "reply" uses alias "smrt", which is not in resources.yaml. ' +
        "Valid aliases: fast, careful.",
      'bad.yaml:19:33: node "reply" uses {{ category.lable }}, but the JSON schema of node ' +
        '"category" has no property "lable" (it lists label, confidence). Did you mean "label"?',
      'bad.yaml:19:62: node "reply" uses {{ summary.text }}, but summary is a string ' +
        '(node "summary" has output text), so it has no fields. Write {{ summary }}.',
      'bad.yaml:21:11: output "label" uses {{ category.confidnce }}, but the JSON schema of ' +
        'node "category" has no property "confidnce" (it lists label, confidence). ' +
        'Did you mean "confidence"?',
    ]);
  });

  it("accepts the same pipeline once fixed", async () => {
    const fixed = BAD_PIPELINE.replace("1.4", "0.4")
      .replace("smrt", "fast")
      .replace("category.lable", "category.label")
      .replace("summary.text", "summary")
      .replace("confidnce", "confidence");
    await writeFile(path.join(dir, "fixed.yaml"), fixed);
    const result = await runCli(["validate", "fixed.yaml", "--resources", "resources.yaml"], {
      cwd: dir,
    });
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^ok: bad-triage: /);
  });
  it("gives the line of a syntax error in a function's module", async () => {
    const pipeline = 'nodes:\n  f: {function: ./lib.mjs#score}\noutputs: {v: "{{ f }}"}\n';
    await writeFile(path.join(dir, "fn.yaml"), pipeline);
    await writeFile(path.join(dir, "lib.mjs"), "export function score() {\n  return 1 2;\n}\n");
    const result = await runCli(["validate", "fn.yaml", "--resources", "resources.yaml"], {
      cwd: dir,
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trimEnd()).toBe(
      'fn.yaml:2:17: node "f" uses ./lib.mjs, which could not be loaded ' +
        "(Unexpected number at lib.mjs:2).",
    );
  });
});

describe("plait run --id-field", () => {
  const PIPELINE =
    'input: [text]\nnodes:\n  echo: {template: "got {{ input.text }}"}\n' +
    'outputs: {echo: "{{ echo }}"}\n';

  let dir: string;

  beforeEach(async () => {
    dir = await makeTempDir("plait-id-field-");
    const resources = "endpoints:\n  fast: {provider: simulated}\n";
    await writeFile(path.join(dir, "resources.yaml"), resources);
    await writeFile(path.join(dir, "echo.yaml"), PIPELINE);
  });

  const run = (input: string) =>
    runCli(
      [
        "run",
        "echo.yaml",
        "--resources",
        "resources.yaml",
        "--input",
        input,
        "--id-field",
        "key",
        "--runs-dir",
        "runs",
        "--progress",
        "none",
      ],
      { cwd: dir },
    );

  it("fails a record without the field and finishes the others", async () => {
    const records = '{"key":"a","text":"1"}\n{"text":"2"}\n{"key":"b","text":"3"}\n';
    await writeFile(path.join(dir, "in.jsonl"), records);
    const result = await run("in.jsonl");
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.exitCode).toBe(1);
    const [runId] = await readdir(path.join(dir, "runs"));
    const runDir = path.join(dir, "runs", runId!);
    const errors = (await readFile(path.join(runDir, "errors.jsonl"), "utf8")).trim().split("\n");
    expect(errors).toHaveLength(1);
    const failure = JSON.parse(errors[0]!) as Record<string, unknown>;
    expect(failure).toMatchObject({ id: "line 2", kind: "input" });
    expect(failure["message"]).toBe(
      'record on line 2 has no "key" field, the id field chosen with --id-field; ' +
        "add the field to this record",
    );
    const results = (await readFile(path.join(runDir, "results.jsonl"), "utf8")).trim();
    const ids = results.split("\n").map((line) => (JSON.parse(line) as { id: string }).id);
    expect(ids.sort()).toEqual(["a", "b"]);
  });

  it("stops with exit 2 when no record has the field", async () => {
    await writeFile(path.join(dir, "in.jsonl"), '{"kee":"a","text":"1"}\n');
    const result = await run("in.jsonl");
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toBe(
      'in.jsonl:1:1: --id-field "key" names no field of the first record (it has kee, ' +
        'text). Did you mean "kee"? Give a field every record has, or leave out ' +
        '--id-field to use each record\'s "id", else its position.',
    );
  });
});
