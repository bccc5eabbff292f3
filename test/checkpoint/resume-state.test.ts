import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openCheckpointWriter } from "../../src/checkpoint/open-writer.js";
import { loadResumeState } from "../../src/checkpoint/resume-state.js";
import { createRunFolder, openRunFolder, type RunFolder } from "../../src/checkpoint/run-folder.js";
import { ManualClock } from "../../src/util/clock.js";
import { makeCall, makeResources, makeTempDir, nodeEvent } from "./fixtures.js";

async function newFolder(): Promise<RunFolder> {
  const dir = await makeTempDir();
  const pipelinePath = path.join(dir, "triage.yaml");
  fs.writeFileSync(pipelinePath, "name: triage\n");
  return createRunFolder({
    runsDir: path.join(dir, "runs"),
    pipeline: { path: pipelinePath, name: "triage" },
    resources: { path: "res.yaml", config: makeResources() },
    inputPath: "-",
    options: {},
    plaitVersion: "0.1.0",
  });
}

/**
 * Writes a first attempt: record 1 finished, record 2 stopped after node a,
 * record 3 failed at node b, record 4 failed as invalid input.
 */
async function runFirstAttempt(folder: RunFolder): Promise<void> {
  const writer = openCheckpointWriter(folder, { clock: new ManualClock() });
  writer.onNodeFinished(nodeEvent("1", "a", "A1", [makeCall({ costUsd: 0.5 })]));
  writer.onNodeFinished(nodeEvent("1", "b", "B1"));
  writer.onRecordFinished({ recordId: "1", seq: 0, output: { b: "B1" }, atMs: 0 });
  writer.onNodeFinished(nodeEvent("2", "a", { n: 2 }, [makeCall({ costUsd: 0.25 })]));
  writer.onNodeFinished(nodeEvent("3", "a", "A3"));
  writer.onRecordFailed({
    recordId: "3",
    seq: 2,
    node: "b",
    kind: "timeout",
    message: "timed out",
    atMs: 0,
  });
  writer.onRecordFailed({ recordId: "4", seq: 3, kind: "input", message: "bad line", atMs: 0 });
  await writer.close();
  folder.updateManifest({ status: "interrupted", costUsd: 0.6 });
}

function readLines(file: string): unknown[] {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as unknown);
}

describe("loadResumeState", () => {
  it("separates finished, failed and partial records", async () => {
    const folder = await newFolder();
    await runFirstAttempt(folder);
    const state = await loadResumeState(folder.dir);

    expect(state.manifest.runId).toBe(folder.id);
    expect([...state.finishedRecordIds]).toEqual(["1"]);
    expect([...state.failedRecordIds].sort()).toEqual(["3", "4"]);
    expect([...state.nodeValues.keys()].sort()).toEqual(["2", "3"]);
    expect(state.nodeValues.get("2")?.get("a")).toEqual({
      value: { n: 2 },
      calls: [
        {
          endpoint: "fast",
          latencyMs: 812,
          attempts: 1,
          usage: { inputTokens: 120, outputTokens: 30, cachedInputTokens: 0, cacheWriteTokens: 0 },
          costUsd: 0.25,
          isCached: false,
        },
      ],
    });
    expect(state.nodeValues.get("3")?.get("a")).toEqual({ value: "A3", calls: [] });
    expect(state.checkpointCostUsd).toBeCloseTo(0.75);
    expect(state.previousCostUsd).toBeCloseTo(0.75);
    expect(state.warnings).toEqual([]);
  });

  it("keeps a repeated node's later value", async () => {
    const folder = await newFolder();
    fs.writeFileSync(
      folder.paths.checkpoint,
      '{"r":"2","n":"a","v":1}\n{"r":"2","n":"a","v":2}\n',
    );
    const state = await loadResumeState(folder.dir);
    expect(state.nodeValues.get("2")?.get("a")?.value).toBe(2);
  });

  it("reads an empty run folder", async () => {
    const folder = await newFolder();
    const state = await loadResumeState(folder.dir);
    expect(state.finishedRecordIds.size).toBe(0);
    expect(state.nodeValues.size).toBe(0);
    expect(state.validBytes).toEqual({ checkpoint: 0, results: 0 });
  });
});

describe("loadResumeState damaged files", () => {
  it("skips and cuts a torn last line", async () => {
    const folder = await newFolder();
    await runFirstAttempt(folder);
    const intact = fs.readFileSync(folder.paths.checkpoint, "utf8");
    fs.appendFileSync(folder.paths.checkpoint, '{"r":"2","n":"b","v":"hal');

    const state = await loadResumeState(folder.dir);
    expect(state.warnings).toEqual([
      "checkpoint.jsonl line 5: the last line has no newline, so its write was cut off; " +
        "skipped, and removed from the file when the run resumes",
    ]);
    expect(state.nodeValues.get("2")?.has("b")).toBe(false);
    expect(state.validBytes.checkpoint).toBe(Buffer.byteLength(intact));

    const writer = openCheckpointWriter(folder, { clock: new ManualClock(), resume: state });
    writer.onNodeFinished(nodeEvent("2", "b", "whole"));
    await writer.close();
    expect(fs.readFileSync(folder.paths.checkpoint, "utf8")).toBe(
      intact + '{"r":"2","n":"b","v":"whole"}\n',
    );
  });

  it("treats a bad last line as torn", async () => {
    const folder = await newFolder();
    fs.writeFileSync(folder.paths.checkpoint, '{"r":"2","n":"a","v":1}\n\0\0\0\n');
    const state = await loadResumeState(folder.dir);
    expect(state.warnings).toHaveLength(1);
    expect(state.warnings[0]).toContain("checkpoint.jsonl line 2: the last line is not valid JSON");
    expect(state.validBytes.checkpoint).toBe(24);
  });

  it("names a skipped corrupt middle line", async () => {
    const folder = await newFolder();
    const lines = [
      '{"r":"2","n":"a","v":1}',
      "{not json",
      '{"x":1}',
      '{"r":"2","n":"b","v":2}',
      "",
    ];
    fs.writeFileSync(folder.paths.checkpoint, lines.join("\n"));
    const state = await loadResumeState(folder.dir);

    expect(state.warnings).toEqual([
      "checkpoint.jsonl line 2: not valid JSON; skipped",
      "checkpoint.jsonl line 3: not a checkpoint.jsonl entry; skipped",
    ]);
    expect([...(state.nodeValues.get("2")?.keys() ?? [])]).toEqual(["a", "b"]);
    expect(state.validBytes.checkpoint).toBe(Buffer.byteLength(lines.join("\n")));
  });

  it("reruns a record with a torn result", async () => {
    const folder = await newFolder();
    fs.writeFileSync(folder.paths.results, '{"id":"1","output":{}}\n{"id":"2","outp');
    const state = await loadResumeState(folder.dir);
    expect([...state.finishedRecordIds]).toEqual(["1"]);
    expect(state.warnings[0]).toContain("results.jsonl line 2");

    const writer = openCheckpointWriter(folder, { clock: new ManualClock(), resume: state });
    writer.onRecordFinished({ recordId: "2", seq: 1, output: { ok: true }, atMs: 0 });
    await writer.close();
    expect(readLines(folder.paths.results)).toEqual([
      { id: "1", output: {} },
      { id: "2", output: { ok: true } },
    ]);
  });

  it("reads lines longer than one read chunk", async () => {
    const folder = await newFolder();
    const big = "x".repeat(3 * 1024 * 1024);
    fs.writeFileSync(folder.paths.checkpoint, `{"r":"5","n":"a","v":"${big}"}\n`);
    const state = await loadResumeState(folder.dir);
    expect(state.nodeValues.get("5")?.get("a")?.value).toBe(big);
    expect(state.warnings).toEqual([]);
  });
});

describe("resuming a run", () => {
  it("never writes a finished record twice", async () => {
    const folder = await newFolder();
    await runFirstAttempt(folder);
    const state = await loadResumeState(folder.dir);
    const writer = openCheckpointWriter(folder, { clock: new ManualClock(), resume: state });
    writer.onRecordFinished({ recordId: "1", seq: 0, output: { b: "again" }, atMs: 0 });
    writer.onRecordFinished({ recordId: "2", seq: 1, output: { a: 2 }, atMs: 0 });
    await writer.close();

    const ids = readLines(folder.paths.results).map((line) => (line as { id: string }).id);
    expect(ids).toEqual(["1", "2"]);
  });

  it("keeps only still-failed records in errors.jsonl", async () => {
    const folder = await newFolder();
    await runFirstAttempt(folder);
    const state = await loadResumeState(folder.dir);
    const writer = openCheckpointWriter(folder, { clock: new ManualClock(), resume: state });
    expect(fs.readFileSync(folder.paths.errors, "utf8")).toBe("");
    expect(fs.existsSync(folder.paths.previousErrors)).toBe(true);

    writer.onRecordFinished({ recordId: "3", seq: 2, output: { b: "B3" }, atMs: 0 });
    writer.onRecordFailed({ recordId: "2", seq: 1, kind: "schema", message: "no", atMs: 0 });
    expect(writer.totals).toEqual({ recordsDone: 2, recordsFailed: 2 });
    await writer.close();

    expect(readLines(folder.paths.errors)).toEqual([
      { id: "2", kind: "schema", message: "no" },
      { id: "4", kind: "input", message: "bad line" },
    ]);
    expect(fs.existsSync(folder.paths.previousErrors)).toBe(false);
  });

  it("recovers failures after a killed resume", async () => {
    const folder = await newFolder();
    await runFirstAttempt(folder);
    const first = await loadResumeState(folder.dir);
    const writer = openCheckpointWriter(folder, { clock: new ManualClock(), resume: first });
    writer.onRecordFinished({ recordId: "3", seq: 2, output: {}, atMs: 0 });
    writer.onRecordFailed({ recordId: "2", seq: 1, kind: "schema", message: "no", atMs: 0 });
    await writer.flush();
    // No close: the process died here, so errors.previous.jsonl is still there.

    const second = await loadResumeState(folder.dir);
    expect([...second.finishedRecordIds].sort()).toEqual(["1", "3"]);
    expect([...second.failedRecordIds].sort()).toEqual(["2", "4"]);
    expect(second.errorLinesById.get("2")).toBe('{"id":"2","kind":"schema","message":"no"}\n');
  });

  it("rejects a run another process owns", async () => {
    const folder = await newFolder();
    const manifestPath = folder.paths.manifest;
    const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
    // The parent of this test process is alive and is not this process.
    manifest.pid = process.ppid;
    fs.writeFileSync(manifestPath, JSON.stringify(manifest));
    const reopened = openRunFolder(folder.dir);
    const state = await loadResumeState(folder.dir);

    expect(() => reopened.markResumed()).toThrow(`still running in process ${process.ppid}`);
    expect(() =>
      openCheckpointWriter(reopened, { clock: new ManualClock(), resume: state }),
    ).toThrow("stop that process before resuming");
  });
});
