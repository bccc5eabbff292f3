import { describe, expect, it } from "vitest";
import { CheckpointWriter } from "../../src/checkpoint/checkpoint-writer.js";
import { flushMicrotasks, ManualClock } from "../../src/util/clock.js";
import { makeCall, memorySinks, nodeEvent, type LoggedWrite } from "./fixtures.js";

function setup(options: { bufferSize?: number; highWaterMark?: number } = {}) {
  const clock = new ManualClock();
  const log: LoggedWrite[] = [];
  const sinks = memorySinks(log);
  const writer = new CheckpointWriter(sinks, { clock, ...options });
  return { clock, log, sinks, writer };
}

describe("CheckpointWriter flush triggers", () => {
  it("flushes after bufferSize finished nodes", async () => {
    const { sinks, writer } = setup({ bufferSize: 3 });
    writer.onNodeFinished(nodeEvent("1", "a", "x"));
    writer.onNodeFinished(nodeEvent("1", "b", "y"));
    await flushMicrotasks();
    expect(sinks.checkpoint.writes).toBe(0);

    writer.onNodeFinished(nodeEvent("1", "c", "z"));
    await flushMicrotasks();
    expect(sinks.checkpoint.writes).toBe(1);
    expect(sinks.checkpoint.lines()).toHaveLength(3);
  });

  it("writes the buffered lines in one chunk", async () => {
    const { sinks, writer } = setup({ bufferSize: 4 });
    for (const node of ["a", "b", "c", "d"]) writer.onNodeFinished(nodeEvent("7", node, node));
    await flushMicrotasks();
    expect(sinks.checkpoint.writes).toBe(1);
    expect(sinks.checkpoint.text.split("\n")).toHaveLength(5);
  });

  it("flushes a partial buffer after one second", async () => {
    const { clock, sinks, writer } = setup({ bufferSize: 10 });
    writer.onNodeFinished(nodeEvent("1", "a", "x"));
    await clock.advance(999);
    expect(sinks.checkpoint.writes).toBe(0);

    await clock.advance(1);
    expect(sinks.checkpoint.writes).toBe(1);
    expect(sinks.checkpoint.lines()).toEqual([{ r: "1", n: "a", v: "x" }]);
  });

  it("keeps one timer for all buffered lines", async () => {
    const { clock, writer } = setup({ bufferSize: 1000 });
    for (let i = 0; i < 50; i++) writer.onNodeFinished(nodeEvent(String(i), "a", i));
    expect(clock.pendingSleeps).toBe(1);
    await clock.advance(1000);
    expect(clock.pendingSleeps).toBe(0);
  });

  it("rearms the timer after a flush", async () => {
    const { clock, sinks, writer } = setup({ bufferSize: 10 });
    writer.onNodeFinished(nodeEvent("1", "a", 1));
    await clock.advance(1000);
    writer.onNodeFinished(nodeEvent("2", "a", 2));
    await clock.advance(999);
    expect(sinks.checkpoint.lines()).toHaveLength(1);

    await clock.advance(1);
    expect(sinks.checkpoint.lines()).toHaveLength(2);
  });

  it("close flushes and closes sinks", async () => {
    const { clock, sinks, writer } = setup({ bufferSize: 10 });
    writer.onNodeFinished(nodeEvent("1", "a", "x"));
    writer.onRecordFinished({ recordId: "1", seq: 0, output: { a: "x" }, atMs: 0 });
    writer.onRecordFailed({ recordId: "2", seq: 1, kind: "input", message: "bad", atMs: 0 });
    await writer.close();

    expect(sinks.checkpoint.lines()).toHaveLength(1);
    expect(sinks.results.lines()).toEqual([{ id: "1", output: { a: "x" } }]);
    expect(sinks.errors.lines()).toEqual([{ id: "2", kind: "input", message: "bad" }]);
    expect(sinks.checkpoint.isClosed).toBe(true);
    expect(sinks.results.isClosed).toBe(true);
    expect(sinks.errors.isClosed).toBe(true);
    expect(clock.pendingSleeps).toBe(0);
  });

  it("ignores events after close", async () => {
    const { sinks, writer } = setup();
    await writer.close();
    writer.onNodeFinished(nodeEvent("1", "a", "x"));
    writer.onRecordFinished({ recordId: "1", seq: 0, output: {}, atMs: 0 });
    expect(sinks.checkpoint.text).toBe("");
    expect(sinks.results.text).toBe("");
  });

  it("rejects a buffer size below 1", () => {
    const clock = new ManualClock();
    expect(() => new CheckpointWriter(memorySinks(), { clock, bufferSize: 0 })).toThrow(
      "bufferSize must be a whole number of at least 1, got 0",
    );
  });
});

describe("CheckpointWriter line format", () => {
  it("writes calls with compact keys", async () => {
    const { sinks, writer } = setup({ bufferSize: 1 });
    const calls = [
      makeCall(),
      makeCall({
        endpoint: "fast[1]",
        isCached: true,
        costUsd: 0,
        usage: { inputTokens: null, outputTokens: null, cachedInputTokens: 0, cacheWriteTokens: 0 },
      }),
    ];
    writer.onNodeFinished(nodeEvent("42", "summary", { label: "bug" }, calls));
    await writer.close();
    expect(sinks.checkpoint.lines()).toEqual([
      {
        r: "42",
        n: "summary",
        v: { label: "bug" },
        c: [
          { e: "fast", ms: 812, a: 1, u: [120, 30, 0, 0], usd: 0.000036 },
          { e: "fast[1]", ms: 812, a: 1, u: [null, null, 0, 0], usd: 0, hit: 1 },
        ],
      },
    ]);
  });

  it("names the failing node in errors", async () => {
    const { sinks, writer } = setup();
    writer.onRecordFailed({
      recordId: "9",
      seq: 8,
      node: "category",
      kind: "schema",
      message: "reply has no label",
      atMs: 5,
    });
    await writer.close();
    expect(sinks.errors.lines()).toEqual([
      { id: "9", node: "category", kind: "schema", message: "reply has no label" },
    ]);
  });
});

describe("CheckpointWriter ordering", () => {
  it("writes results after node lines", async () => {
    const { clock, log, sinks, writer } = setup({ bufferSize: 2 });
    sinks.checkpoint.isHeld = true;
    writer.onNodeFinished(nodeEvent("1", "a", 1));
    writer.onNodeFinished(nodeEvent("1", "b", 2));
    writer.onNodeFinished(nodeEvent("1", "c", 3));
    writer.onRecordFinished({ recordId: "1", seq: 0, output: { c: 3 }, atMs: 0 });
    await clock.advance(1000);
    expect(sinks.results.writes).toBe(0);

    sinks.checkpoint.release();
    await writer.close();
    const files = log.map((write) => write.file);
    expect(files.indexOf("results")).toBeGreaterThan(files.lastIndexOf("checkpoint"));
    expect(sinks.checkpoint.lines()).toHaveLength(3);
  });

  it("keeps lines in event order across flushes", async () => {
    const { sinks, writer } = setup({ bufferSize: 3 });
    for (let i = 0; i < 10; i++) writer.onNodeFinished(nodeEvent(String(i), "a", i));
    await writer.close();
    const values = sinks.checkpoint.lines().map((line) => (line as { v: number }).v);
    expect(values).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe("CheckpointWriter backpressure", () => {
  it("backs up behind a slow sink", async () => {
    const { sinks, writer } = setup({ bufferSize: 1, highWaterMark: 100 });
    sinks.checkpoint.isHeld = true;
    for (let i = 0; i < 5; i++) writer.onNodeFinished(nodeEvent(String(i), "a", "x".repeat(20)));
    expect(writer.isBackedUp).toBe(true);

    let isDrained = false;
    const drained = writer.waitForDrain().then(() => {
      isDrained = true;
    });
    await flushMicrotasks();
    expect(isDrained).toBe(false);

    sinks.checkpoint.release();
    await drained;
    expect(writer.isBackedUp).toBe(false);
    await writer.close();
    expect(sinks.checkpoint.lines()).toHaveLength(5);
  });

  it("stays clear below the high-water mark", () => {
    const { sinks, writer } = setup({ bufferSize: 1, highWaterMark: 10_000 });
    sinks.checkpoint.isHeld = true;
    writer.onNodeFinished(nodeEvent("1", "a", "x"));
    expect(writer.isBackedUp).toBe(false);
  });

  it("rejects waiters when a write fails", async () => {
    const { sinks, writer } = setup({ bufferSize: 1, highWaterMark: 10 });
    sinks.checkpoint.isHeld = true;
    sinks.checkpoint.failWith = new Error("ENOSPC: no space left on device");
    writer.onNodeFinished(nodeEvent("1", "a", "x".repeat(20)));
    const drained = writer.waitForDrain();
    sinks.checkpoint.release();

    await expect(drained).rejects.toThrow("ENOSPC");
    expect(writer.error?.message).toContain("ENOSPC");
    expect(writer.isBackedUp).toBe(true);
    await expect(writer.close()).rejects.toThrow("ENOSPC");
  });
});

describe("CheckpointWriter flushSync", () => {
  it("writes buffered and in-flight lines at once", async () => {
    const { sinks, writer } = setup({ bufferSize: 2 });
    sinks.checkpoint.isHeld = true;
    writer.onNodeFinished(nodeEvent("1", "a", 1));
    writer.onNodeFinished(nodeEvent("1", "b", 2));
    writer.onNodeFinished(nodeEvent("2", "a", 3));
    writer.onRecordFinished({ recordId: "1", seq: 0, output: {}, atMs: 0 });

    writer.flushSync();
    // The memory sink cannot re-write a held chunk, so only the buffered
    // line and the result are there; FileSink covers the held chunk.
    expect(sinks.checkpoint.lines()).toEqual([{ r: "2", n: "a", v: 3 }]);
    expect(sinks.results.lines()).toEqual([{ id: "1", output: {} }]);
  });

  it("ignores events after flushSync", () => {
    const { sinks, writer } = setup();
    writer.flushSync();
    writer.onNodeFinished(nodeEvent("1", "a", 1));
    writer.flushSync();
    expect(sinks.checkpoint.text).toBe("");
  });
});

describe("CheckpointWriter resume bookkeeping", () => {
  it("drops results finished earlier", async () => {
    const clock = new ManualClock();
    const sinks = memorySinks();
    const writer = new CheckpointWriter(sinks, { clock, finishedRecordIds: new Set(["1"]) });
    writer.onRecordFinished({ recordId: "1", seq: 0, output: {}, atMs: 0 });
    writer.onRecordFinished({ recordId: "2", seq: 1, output: {}, atMs: 0 });
    await writer.close();
    expect(sinks.results.lines()).toEqual([{ id: "2", output: {} }]);
    expect(writer.duplicateResults).toBe(1);
    expect(writer.totals).toEqual({ recordsDone: 2, recordsFailed: 0 });
  });

  it("appends carried errors of records not retried", async () => {
    const clock = new ManualClock();
    const sinks = memorySinks();
    const carried = new Map([
      ["3", '{"id":"3","kind":"timeout","message":"old"}\n'],
      ["4", '{"id":"4","kind":"timeout","message":"old"}\n'],
      ["5", '{"id":"5","kind":"timeout","message":"old"}\n'],
    ]);
    let finalFlushes = 0;
    const writer = new CheckpointWriter(sinks, {
      clock,
      carriedErrorLines: carried,
      onFinalFlush: () => finalFlushes++,
    });
    writer.onRecordFinished({ recordId: "3", seq: 2, output: {}, atMs: 0 });
    writer.onRecordFailed({ recordId: "4", seq: 3, kind: "schema", message: "new", atMs: 0 });
    expect(writer.totals).toEqual({ recordsDone: 1, recordsFailed: 2 });

    await writer.close();
    expect(sinks.errors.lines()).toEqual([
      { id: "4", kind: "schema", message: "new" },
      { id: "5", kind: "timeout", message: "old" },
    ]);
    expect(finalFlushes).toBe(1);
  });
});
