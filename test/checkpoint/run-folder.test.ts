import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openCheckpointWriter } from "../../src/checkpoint/open-writer.js";
import {
  createRunFolder,
  openRunFolder,
  type CreateRunFolderOptions,
} from "../../src/checkpoint/run-folder.js";
import { RunFolderError } from "../../src/checkpoint/run-folder-error.js";
import { createRunId } from "../../src/checkpoint/run-id.js";
import { ManualClock } from "../../src/util/clock.js";
import { makeCall, makeResources, makeTempDir, nodeEvent } from "./fixtures.js";

async function makeOptions(dir: string): Promise<CreateRunFolderOptions> {
  const pipelinePath = path.join(dir, "triage.yaml");
  const inputPath = path.join(dir, "tickets.jsonl");
  fs.writeFileSync(pipelinePath, "name: triage\n");
  fs.writeFileSync(inputPath, '{"id":"1"}\n');
  return {
    runsDir: path.join(dir, ".plait", "runs"),
    pipeline: { path: pipelinePath, name: "Ticket triage" },
    resources: { path: "config/test.yaml", config: makeResources() },
    inputPath,
    options: { limit: 5, apiKey: "sk-test-secret", maxCost: 2 },
    plaitVersion: "0.1.0",
    now: () => new Date("2026-12-04T15:30:12.345Z"),
  };
}

describe("createRunId", () => {
  it("starts with UTC time and name", () => {
    const id = createRunId("Ticket triage!", new Date("2026-12-04T15:30:12Z"), "3f9a");
    expect(id).toBe("20261204-153012-ticket-triage-3f9a");
  });

  it("uses run for a name without letters", () => {
    expect(createRunId("???", new Date("2026-01-02T03:04:05Z"), "0000")).toBe(
      "20260102-030405-run-0000",
    );
  });

  it("adds four random hex digits", () => {
    expect(createRunId("t", new Date(0))).toMatch(/^19700101-000000-t-[0-9a-f]{4}$/);
  });
});

describe("createRunFolder", () => {
  it("writes a running manifest", async () => {
    const dir = await makeTempDir();
    const folder = await createRunFolder(await makeOptions(dir));
    const manifest = JSON.parse(fs.readFileSync(folder.paths.manifest, "utf8"));

    expect(folder.id).toMatch(/^20261204-153012-ticket-triage-[0-9a-f]{4}$/);
    expect(path.dirname(folder.dir)).toBe(path.join(dir, ".plait", "runs"));
    expect(manifest.status).toBe("running");
    expect(manifest.pid).toBe(process.pid);
    expect(manifest.plaitVersion).toBe("0.1.0");
    expect(manifest.startedAt).toBe("2026-12-04T15:30:12.345Z");
    expect(manifest.pipeline.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.pipeline.files).toEqual([
      { path: "triage.yaml", sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
    expect(manifest.resources.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.input.fingerprint.sizeBytes).toBe(11);
    expect(manifest.records).toEqual({ done: 0, failed: 0, total: null });
    expect(manifest.outputPath).toBe(path.join(folder.dir, "results.jsonl"));
  });

  it("drops option names that look like secrets", async () => {
    const folder = await createRunFolder(await makeOptions(await makeTempDir()));
    expect(folder.manifest.options).toEqual({ limit: 5, maxCost: 2 });
  });

  it("uses modes 0700 and 0600", async () => {
    const folder = await createRunFolder(await makeOptions(await makeTempDir()));
    const writer = openCheckpointWriter(folder, { clock: new ManualClock() });
    writer.onNodeFinished(nodeEvent("1", "a", 1));
    writer.onRecordFinished({ recordId: "1", seq: 0, output: {}, atMs: 0 });
    writer.onRecordFailed({ recordId: "2", seq: 1, kind: "input", message: "x", atMs: 0 });
    await writer.close();
    folder.writeMetrics(() => ({ total: { costUsd: 0 } }));
    folder.updateManifest({ status: "finished" });

    expect(fs.statSync(folder.dir).mode & 0o777).toBe(0o700);
    const names = fs.readdirSync(folder.dir).sort();
    expect(names).toEqual([
      "checkpoint.jsonl",
      "errors.jsonl",
      "manifest.json",
      "metrics.json",
      "results.jsonl",
    ]);
    for (const name of names) {
      expect([name, fs.statSync(path.join(folder.dir, name)).mode & 0o777]).toEqual([name, 0o600]);
    }
  });

  it("leaves no API key in any file", async () => {
    const dir = await makeTempDir();
    const options = await makeOptions(dir);
    const folder = await createRunFolder(options);
    const writer = openCheckpointWriter(folder, { clock: new ManualClock() });
    writer.onNodeFinished(nodeEvent("1", "summary", "text", [makeCall()]));
    writer.onRecordFinished({ recordId: "1", seq: 0, output: { summary: "text" }, atMs: 0 });
    await writer.close();
    const endpoints = Object.fromEntries(options.resources.config.aliases);
    folder.writeMetrics(() => ({ endpoints }));
    folder.updateManifest({ status: "finished", options: { apiKey: "sk-test-secret" } });

    for (const name of fs.readdirSync(folder.dir)) {
      const text = fs.readFileSync(path.join(folder.dir, name), "utf8");
      expect([name, text.includes("sk-test-secret")]).toEqual([name, false]);
    }
  });

  it("separates runs of the same second", async () => {
    const options = await makeOptions(await makeTempDir());
    const first = await createRunFolder(options);
    const second = await createRunFolder(options);
    expect(first.dir).not.toBe(second.dir);
  });

  it("records standard input without a fingerprint", async () => {
    const options = await makeOptions(await makeTempDir());
    const folder = await createRunFolder({ ...options, inputPath: "-" });
    expect(folder.manifest.input).toEqual({ path: "-", fingerprint: null });
  });

  it("uses the --output path for results", async () => {
    const dir = await makeTempDir();
    const outputPath = path.join(dir, "out.jsonl");
    const folder = await createRunFolder({ ...(await makeOptions(dir)), outputPath });
    expect(folder.paths.results).toBe(outputPath);
  });
});

describe("RunFolder.updateManifest", () => {
  it("rewrites the manifest and keeps other fields", async () => {
    const folder = await createRunFolder(await makeOptions(await makeTempDir()));
    folder.updateManifest({ records: { done: 3, failed: 1, total: 10 }, costUsd: 0.25 });
    const reopened = openRunFolder(folder.dir);
    expect(reopened.manifest.records).toEqual({ done: 3, failed: 1, total: 10 });
    expect(reopened.manifest.costUsd).toBe(0.25);
    expect(reopened.manifest.pipeline).toEqual(folder.manifest.pipeline);
  });

  it("leaves no temporary file behind", async () => {
    const folder = await createRunFolder(await makeOptions(await makeTempDir()));
    folder.updateManifest({ status: "interrupted" });
    expect(fs.readdirSync(folder.dir)).toEqual(["manifest.json"]);
  });

  it("appends the resume time when resumed", async () => {
    const folder = await createRunFolder(await makeOptions(await makeTempDir()));
    folder.updateManifest({ status: "interrupted" });
    const manifest = folder.markResumed();
    expect(manifest.status).toBe("running");
    expect(manifest.resumedAt).toEqual(["2026-12-04T15:30:12.345Z"]);
  });
});

describe("openRunFolder", () => {
  it("rejects a folder without a manifest", async () => {
    const dir = await makeTempDir();
    expect(() => openRunFolder(dir)).toThrow(RunFolderError);
    expect(() => openRunFolder(dir)).toThrow("this folder is not a plait run");
  });

  it("rejects a missing folder", async () => {
    const dir = path.join(await makeTempDir(), "nope");
    expect(() => openRunFolder(dir)).toThrow(`run folder ${dir} not found`);
  });

  it("rejects a manifest of another shape", async () => {
    const dir = await makeTempDir();
    fs.writeFileSync(path.join(dir, "manifest.json"), '{"format": 99}');
    expect(() => openRunFolder(dir)).toThrow("is not a plait 1 manifest (format:");
  });

  it("rejects a fresh writer on a used folder", async () => {
    const folder = await createRunFolder(await makeOptions(await makeTempDir()));
    const writer = openCheckpointWriter(folder, { clock: new ManualClock() });
    writer.onNodeFinished(nodeEvent("1", "a", 1));
    await writer.close();
    expect(() => openCheckpointWriter(folder, { clock: new ManualClock() })).toThrow(
      `continue it with --resume ${folder.id}`,
    );
  });
});
