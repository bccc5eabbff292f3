import { afterEach, describe, expect, it, vi } from "vitest";
import { createProgressReporter } from "../../src/dashboard/progress-reporter.js";
import { RunMetricsCollector } from "../../src/report/run-metrics.js";
import { ManualClock } from "../../src/util/clock.js";
import { playSyntheticRun, SyntheticResourceCounters } from "../report/synthetic-run.js";
import { FakeTerminal } from "./fake-terminal.js";

function setUp() {
  const clock = new ManualClock();
  const resources = new SyntheticResourceCounters(() => clock.now());
  const collector = new RunMetricsCollector({
    clock,
    resourceMetrics: () => resources.metrics(),
    totalRecords: 8,
  });
  return { clock, resources, collector, terminal: new FakeTerminal() };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("plain reporter", () => {
  it("writes one line per interval and one on stop", async () => {
    const { clock, resources, collector, terminal } = setUp();
    const reporter = await createProgressReporter({
      mode: "plain",
      stream: terminal.asWriteStream(),
      isColor: false,
      collector,
      clock,
      intervalMs: 5_000,
    });
    reporter.start();
    await clock.advance(4_999);
    expect(terminal.output).toBe("");
    await clock.advance(1);
    playSyntheticRun([resources, collector]);
    await clock.advance(5_000);
    await reporter.stop();
    const lines = terminal.output.trimEnd().split("\n");
    expect(lines).toEqual([
      "[00:00:05] records 0/8 (0 done, 0 failed, 0 in flight) | 0.0 records/s | " +
        "0 calls (0 retries, 0 rate limited) | tokens 0 in, 0 out | cost $0.0000 | ETA -",
      "[00:00:10] records 6/8 (4 done, 2 failed, 0 in flight) | 0.7 records/s | " +
        "16 calls (1 retry, 1 rate limited) | tokens 1,380+? in, 610+? out | " +
        "cost $0.0013+? | ETA 3s",
      "[00:00:10] records 6/8 (4 done, 2 failed, 0 in flight) | 0.7 records/s | " +
        "16 calls (1 retry, 1 rate limited) | tokens 1,380+? in, 610+? out | " +
        "cost $0.0013+? | ETA 3s",
    ]);
  });

  it("stops writing after stop", async () => {
    const { clock, collector, terminal } = setUp();
    const stream = terminal.asWriteStream();
    const reporter = await createProgressReporter({
      mode: "plain",
      stream,
      isColor: false,
      collector,
      clock,
    });
    reporter.start();
    await reporter.stop();
    await reporter.stop();
    await clock.advance(60_000);
    expect(terminal.output.trimEnd().split("\n")).toHaveLength(1);
  });
});

describe("bar reporter", () => {
  it("draws the bar with records, rate, ETA and cost", async () => {
    const { clock, resources, collector, terminal } = setUp();
    const stream = terminal.asWriteStream();
    const reporter = await createProgressReporter({
      mode: "bar",
      stream,
      isColor: false,
      collector,
      clock,
    });
    reporter.start();
    playSyntheticRun([resources, collector]);
    await clock.advance(10_000);
    await reporter.stop();
    expect(terminal.screen).toBe(
      `${"█".repeat(23)}${"░".repeat(7)}  75% | 6/8 records | 2 failed | 0.7 records/s | ` +
        "ETA 3s | $0.0013+?",
    );
  });
});

describe("dashboard reporter", () => {
  it("leaves the final state in the output after stop", async () => {
    const { clock, resources, collector, terminal } = setUp();
    const stream = terminal.asWriteStream();
    const reporter = await createProgressReporter({
      mode: "dashboard",
      stream,
      isColor: false,
      collector,
      clock,
    });
    reporter.start();
    expect(terminal.screen).toContain("records 0/8  0 done  0 failed  0 in flight");
    playSyntheticRun([resources, collector]);
    await clock.advance(10_000);
    await reporter.stop();
    expect(terminal.screen.split("\n")).toEqual([
      "plait  records 6/8  4 done  2 failed  0 in flight",
      `${"█".repeat(23)}${"░".repeat(7)} 75%  0.7 records/s  ETA 3s  elapsed 10s`,
      "",
      "alias  slots  req/s    p50    p95     in  cached    out       cost  retry  429",
      "fast     0/4    1.1  150ms  239ms    780     100    160    $0.0002      0    0",
      "smart    0/4    0.7  652ms  796ms  600+?     0+?  450+?  $0.0010+?      1    1",
      "",
      "cost $0.0013+?  projected $0.0017 for 8 records  (1 call without usage)",
    ]);
  });
});

describe("message above the display", () => {
  it.each(["dashboard", "bar", "plain"] as const)("stays on screen in %s mode", async (mode) => {
    const { clock, resources, collector, terminal } = setUp();
    const stream = terminal.asWriteStream();
    const reporter = await createProgressReporter({ mode, stream, isColor: false, collector, clock });
    reporter.start();
    await clock.advance(5_000);
    reporter.log("stopping: no new records");
    playSyntheticRun([resources, collector]);
    await clock.advance(5_000);
    await reporter.stop();
    const lines = terminal.screen.split("\n");
    expect(lines.filter((line) => line === "stopping: no new records")).toHaveLength(1);
    const after = lines.slice(lines.indexOf("stopping: no new records") + 1).join("\n");
    expect(after).toContain("6/8");
  });
});

describe("none reporter", () => {
  it("writes nothing", async () => {
    const { clock, resources, collector, terminal } = setUp();
    const stream = terminal.asWriteStream();
    const reporter = await createProgressReporter({
      mode: "none",
      stream,
      isColor: false,
      collector,
      clock,
    });
    reporter.start();
    playSyntheticRun([resources, collector]);
    await clock.advance(10_000);
    await reporter.stop();
    expect(terminal.output).toBe("");
  });
});
