import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CheckpointWriter } from "../../src/checkpoint/checkpoint-writer.js";
import { FileSink } from "../../src/checkpoint/file-sink.js";
import { ManualClock } from "../../src/util/clock.js";
import { makeTempDir, nodeEvent } from "./fixtures.js";

describe("FileSink", () => {
  it("creates its file with mode 0600", async () => {
    const file = path.join(await makeTempDir(), "a.jsonl");
    const sink = new FileSink(file);
    await sink.write("x\n");
    await sink.close();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it("appends after existing content", async () => {
    const file = path.join(await makeTempDir(), "a.jsonl");
    fs.writeFileSync(file, "one\n");
    const sink = new FileSink(file);
    await sink.write("two\n");
    await sink.write("three\n");
    await sink.close();
    expect(fs.readFileSync(file, "utf8")).toBe("one\ntwo\nthree\n");
  });

  it("cuts the file at the start offset", async () => {
    const file = path.join(await makeTempDir(), "a.jsonl");
    fs.writeFileSync(file, 'good\n{"torn');
    const sink = new FileSink(file, 5);
    await sink.write("next\n");
    await sink.close();
    expect(fs.readFileSync(file, "utf8")).toBe("good\nnext\n");
  });

  it("writes multi-byte text by its byte length", async () => {
    const file = path.join(await makeTempDir(), "a.jsonl");
    const sink = new FileSink(file);
    await sink.write("é€😀\n");
    await sink.write("z\n");
    await sink.close();
    expect(fs.readFileSync(file, "utf8")).toBe("é€😀\nz\n");
  });

  it("writeSync completes a pending write exactly once", async () => {
    const file = path.join(await makeTempDir(), "a.jsonl");
    const sink = new FileSink(file);
    const pending = sink.write("first\n");
    sink.writeSync("second\n");
    expect(fs.readFileSync(file, "utf8")).toBe("first\nsecond\n");

    await pending;
    await sink.close();
    expect(fs.readFileSync(file, "utf8")).toBe("first\nsecond\n");
  });
});

describe("CheckpointWriter on files", () => {
  it("flushSync during a flush keeps lines once", async () => {
    const dir = await makeTempDir();
    const open = (name: string) => new FileSink(path.join(dir, name));
    const sinks = {
      checkpoint: open("checkpoint.jsonl"),
      results: open("results.jsonl"),
      errors: open("errors.jsonl"),
    };
    const writer = new CheckpointWriter(sinks, { clock: new ManualClock(), bufferSize: 3 });
    for (let i = 0; i < 7; i++) writer.onNodeFinished(nodeEvent(String(i), "a", i));
    writer.onRecordFinished({ recordId: "0", seq: 0, output: { a: 0 }, atMs: 0 });

    writer.flushSync();
    const read = (name: string) => fs.readFileSync(path.join(dir, name), "utf8");
    const values = read("checkpoint.jsonl")
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { v: number }).v);
    expect(values).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(read("results.jsonl")).toBe('{"id":"0","output":{"a":0}}\n');

    // close waits for the write that was in flight; it must not add a copy.
    await writer.close();
    expect(read("checkpoint.jsonl").trim().split("\n")).toHaveLength(7);
  });
});
