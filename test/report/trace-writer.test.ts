import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TraceWriter } from "../../src/report/trace-writer.js";
import { emitCall, playSyntheticRun } from "./synthetic-run.js";

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  pid: number;
  tid: number;
  dur?: number;
  s?: string;
  args?: Record<string, unknown>;
}

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "plait-trace-"));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function writeSyntheticTrace(): Promise<TraceEvent[]> {
  const file = path.join(dir, "trace.json");
  const writer = new TraceWriter(file, 0);
  playSyntheticRun([writer]);
  await writer.close();
  const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as { traceEvents: TraceEvent[] };
  return parsed.traceEvents;
}

describe("TraceWriter", () => {
  it("writes events in the trace event format", async () => {
    const events = await writeSyntheticTrace();
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      expect(["X", "i", "C", "M"]).toContain(event.ph);
      expect(Number.isInteger(event.ts)).toBe(true);
      expect(event.ts).toBeGreaterThanOrEqual(0);
      expect(Number.isInteger(event.pid)).toBe(true);
      expect(Number.isInteger(event.tid)).toBe(true);
      if (event.ph === "X") expect(event.dur).toBeGreaterThanOrEqual(0);
      if (event.ph === "i") expect(event.s).toBe("t");
    }
  });

  it("names a process per endpoint and a thread per slot", async () => {
    const events = await writeSyntheticTrace();
    const processNames = new Map(
      events
        .filter((e) => e.ph === "M" && e.name === "process_name")
        .map((e) => [e.pid, e.args?.["name"]]),
    );
    expect([...processNames.values()].sort()).toEqual(["fast", "smart[0]", "smart[1]"]);
    const threadNames = new Set(
      events
        .filter((e) => e.ph === "M" && e.name === "thread_name")
        .map((e) => `${e.pid}/${e.tid}`),
    );
    for (const event of events.filter((e) => e.ph !== "M")) {
      expect(processNames.has(event.pid)).toBe(true);
      expect(threadNames.has(`${event.pid}/${event.tid}`)).toBe(true);
    }
  });

  it("writes a complete event per attempt in microseconds", async () => {
    const events = await writeSyntheticTrace();
    const complete = events.filter((e) => e.ph === "X");
    // 5 summaries (one from the cache, so 4) + r6's failed one, 5 categories,
    // 4 replies plus r2's 429 attempt and its retried attempt.
    expect(complete).toHaveLength(4 + 1 + 5 + 4 + 2);
    const first = complete.find((e) => e.args?.["recordId"] === "r1" && e.name === "summary");
    expect(first?.ts).toBe(1_000_000);
    expect(first?.dur).toBe(200_000);
    expect(first?.args).toMatchObject({ node: "summary", attempts: 1, inputTokens: 120 });
    const failed = complete.find((e) => e.name === "summary (failed)");
    expect(failed?.args).toMatchObject({ recordId: "r6", kind: "timeout" });
  });

  it("marks 429s, retries and cache hits with instant events", async () => {
    const events = await writeSyntheticTrace();
    const instants = events.filter((e) => e.ph === "i");
    expect(instants.map((e) => e.name).sort()).toEqual(["429", "cache hit", "retry"]);
    const rateLimited = instants.find((e) => e.name === "429");
    expect(rateLimited?.args).toMatchObject({ recordId: "r2", retryAfterMs: 200 });
    expect(rateLimited?.tid).toBe(2);
  });

  it("counts calls in flight per endpoint back to zero", async () => {
    const events = await writeSyntheticTrace();
    const counters = events.filter((e) => e.ph === "C");
    expect(counters.length).toBeGreaterThan(0);
    const last = new Map<number, unknown>();
    for (const counter of counters) last.set(counter.pid, counter.args?.["calls"]);
    expect([...last.values()]).toEqual([0, 0, 0]);
  });

  it("streams to the file before close", async () => {
    const file = path.join(dir, "trace.json");
    const writer = new TraceWriter(file, 0);
    for (let i = 0; i < 2_000; i++) {
      emitCall([writer], {
        recordId: `r${i}`,
        node: "summary",
        endpoint: "fast",
        slot: i % 4,
        startMs: i,
        latencyMs: 5,
      });
    }
    expect(fs.statSync(file).size).toBeGreaterThan(64 * 1024);
    await writer.close();
    const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as { traceEvents: TraceEvent[] };
    expect(parsed.traceEvents.filter((e) => e.ph === "X")).toHaveLength(2_000);
  });

  it("drops events after close", async () => {
    const file = path.join(dir, "trace.json");
    const writer = new TraceWriter(file, 0);
    await writer.close();
    const context = { recordId: "r", node: "n" };
    writer.onCallStarted({ callId: "c", context, endpoint: "fast", slot: 0, attempt: 1, atMs: 1 });
    await writer.close();
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual({
      displayTimeUnit: "ms",
      traceEvents: [],
    });
  });
});
