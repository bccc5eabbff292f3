import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkForChanges, describeChanges } from "../../src/checkpoint/changes.js";
import {
  computeFingerprints,
  fingerprintInput,
  fingerprintPipeline,
  fingerprintResources,
  INPUT_HASH_LIMIT_BYTES,
} from "../../src/checkpoint/fingerprint.js";
import { createRunFolder } from "../../src/checkpoint/run-folder.js";
import { makeEndpoint, makeResources, makeTempDir } from "./fixtures.js";

describe("fingerprintResources", () => {
  it("ignores API key and file name", () => {
    const a = makeResources();
    const b = makeResources({
      file: "elsewhere.yaml",
      aliases: new Map([["fast", [makeEndpoint({ apiKey: "sk-test-other" })]]]),
    });
    expect(fingerprintResources(a)).toBe(fingerprintResources(b));
  });

  it("changes with any other setting", () => {
    const a = makeResources();
    const b = makeResources({
      aliases: new Map([["fast", [makeEndpoint({ maxConcurrent: 11 })]]]),
    });
    expect(fingerprintResources(a)).not.toBe(fingerprintResources(b));
  });

  it("does not depend on key order", () => {
    const endpoint = makeEndpoint();
    const reversed = Object.fromEntries(Object.entries(endpoint).reverse()) as typeof endpoint;
    const a = makeResources({ aliases: new Map([["fast", [endpoint]]]) });
    const b = makeResources({ aliases: new Map([["fast", [reversed]]]) });
    expect(fingerprintResources(a)).toBe(fingerprintResources(b));
  });
});

describe("fingerprintPipeline", () => {
  it("covers nested pipeline files", async () => {
    const dir = await makeTempDir();
    const main = path.join(dir, "main.yaml");
    const nested = path.join(dir, "lib", "nested.yaml");
    fs.mkdirSync(path.dirname(nested));
    fs.writeFileSync(main, "name: main\n");
    fs.writeFileSync(nested, "name: nested\n");
    const before = await fingerprintPipeline([main, nested]);
    expect(before.files.map((file) => file.path)).toEqual(["main.yaml", "lib/nested.yaml"]);

    fs.writeFileSync(nested, "name: nested2\n");
    const after = await fingerprintPipeline([main, nested]);
    expect(after.sha256).not.toBe(before.sha256);
    expect(after.files[0]).toEqual(before.files[0]);
  });

  it("stays the same when the project moves", async () => {
    const [a, b] = [await makeTempDir(), await makeTempDir()];
    for (const dir of [a, b]) fs.writeFileSync(path.join(dir, "p.yaml"), "name: p\n");
    const first = await fingerprintPipeline([path.join(a, "p.yaml")]);
    const second = await fingerprintPipeline([path.join(b, "p.yaml")]);
    expect(first.sha256).toBe(second.sha256);
  });
});

describe("fingerprintInput", () => {
  it("hashes a small file whole", async () => {
    const file = path.join(await makeTempDir(), "in.jsonl");
    fs.writeFileSync(file, '{"a":1}\n');
    const fingerprint = await fingerprintInput(file);
    expect(fingerprint.sizeBytes).toBe(8);
    expect(fingerprint.hashedBytes).toBe(8);
  });

  it("hashes the first MiB of large files", async () => {
    const file = path.join(await makeTempDir(), "in.jsonl");
    const head = Buffer.alloc(INPUT_HASH_LIMIT_BYTES, 97);
    fs.writeFileSync(file, Buffer.concat([head, Buffer.from("tail one\n")]));
    const first = await fingerprintInput(file);
    fs.writeFileSync(file, Buffer.concat([head, Buffer.from("tail two\n")]));
    const second = await fingerprintInput(file);

    expect(first.hashedBytes).toBe(INPUT_HASH_LIMIT_BYTES);
    expect(first.sizeBytes).toBe(INPUT_HASH_LIMIT_BYTES + 9);
    expect(second.sha256).toBe(first.sha256);
  });
});

async function makeRun() {
  const dir = await makeTempDir();
  const pipelinePath = path.join(dir, "p.yaml");
  const inputPath = path.join(dir, "in.jsonl");
  fs.writeFileSync(pipelinePath, "name: p\n");
  fs.writeFileSync(inputPath, '{"a":1}\n');
  const resources = makeResources();
  const folder = await createRunFolder({
    runsDir: path.join(dir, "runs"),
    pipeline: { path: pipelinePath, name: "p" },
    resources: { path: "res.yaml", config: resources },
    inputPath,
    options: {},
    plaitVersion: "0.1.0",
  });
  const current = () =>
    computeFingerprints({ pipelineFiles: [pipelinePath], resources, inputPath });
  return { folder, pipelinePath, inputPath, resources, current };
}

describe("checkForChanges", () => {
  it("reports nothing when nothing changed", async () => {
    const { folder, current } = await makeRun();
    expect(checkForChanges(folder.manifest, await current())).toEqual([]);
  });

  it("names the changed pipeline file", async () => {
    const { folder, pipelinePath, current } = await makeRun();
    fs.writeFileSync(pipelinePath, "name: p2\n");
    const now = await current();
    expect(checkForChanges(folder.manifest, now)).toEqual(["pipeline"]);
    expect(describeChanges(folder.manifest, now)).toEqual([
      `pipeline ${pipelinePath} changed since the run started: p.yaml`,
    ]);
  });

  it("reports changed resources", async () => {
    const { folder, pipelinePath, inputPath } = await makeRun();
    const now = await computeFingerprints({
      pipelineFiles: [pipelinePath],
      resources: makeResources({ maxInflightGraphs: 99 }),
      inputPath,
    });
    expect(checkForChanges(folder.manifest, now)).toEqual(["resources"]);
  });

  it("reports a changed input with its sizes", async () => {
    const { folder, inputPath, current } = await makeRun();
    fs.appendFileSync(inputPath, '{"a":2}\n');
    const now = await current();
    expect(checkForChanges(folder.manifest, now)).toEqual(["input"]);
    expect(describeChanges(folder.manifest, now)).toEqual([
      `input ${inputPath} changed since the run started: 8 bytes, now 16`,
    ]);
  });

  it("ignores mtime of a small input", async () => {
    const { folder, inputPath, current } = await makeRun();
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(inputPath, later, later);
    expect(checkForChanges(folder.manifest, await current())).toEqual([]);
  });

  it("reports every changed part at once", async () => {
    const { folder, pipelinePath, inputPath } = await makeRun();
    fs.writeFileSync(pipelinePath, "name: p2\n");
    fs.writeFileSync(inputPath, '{"a":3}\n');
    const now = await computeFingerprints({
      pipelineFiles: [pipelinePath],
      resources: makeResources({ resultCacheSize: 0 }),
      inputPath,
    });
    expect(checkForChanges(folder.manifest, now)).toEqual(["pipeline", "resources", "input"]);
  });
});
