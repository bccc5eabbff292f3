import fs from "node:fs";
import path from "node:path";
import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import { Dashboard } from "../../src/dashboard/dashboard.js";
import { parseRunMetrics } from "../../src/report/run-metrics-schema.js";
import type { RunMetrics } from "../../src/report/types.js";
import { FIXTURE_RUN_FOLDER } from "../report/fixture.js";

function fixtureMetrics(): RunMetrics {
  const file = path.join(FIXTURE_RUN_FOLDER, "metrics.json");
  return parseRunMetrics(fs.readFileSync(file, "utf8"), file);
}

function frameOf(metrics: RunMetrics, isColor = false): string {
  const { lastFrame, unmount } = render(<Dashboard metrics={metrics} isColor={isColor} />);
  const frame = lastFrame() ?? "";
  unmount();
  return frame;
}

/** Cells of the frame line that starts with `name`, split on runs of spaces. */
function rowOf(frame: string, name: string): string[] {
  const line = frame.split("\n").find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no line for ${name} in:\n${frame}`);
  return line.trim().split(/\s+/);
}

describe("Dashboard", () => {
  it("shows records done, failed and in flight", () => {
    const metrics = fixtureMetrics();
    metrics.records.inFlight = 2;
    const frame = frameOf(metrics);
    expect(frame).toContain("records 6/8  4 done  2 failed  2 in flight");
  });

  it("shows the bar, rate, ETA and elapsed time", () => {
    const frame = frameOf(fixtureMetrics());
    expect(frame).toContain(`${"█".repeat(23)}${"░".repeat(7)} 75%`);
    expect(frame).toContain("0.7 records/s  ETA 3s  elapsed 10s");
  });

  it("shows one row per alias", () => {
    const metrics = fixtureMetrics();
    metrics.aliases["fast"]!.inFlight = 3;
    const frame = frameOf(metrics);
    expect(rowOf(frame, "alias")).toEqual([
      "alias", "slots", "req/s", "p50", "p95", "in", "cached", "out", "cost", "retry", "429",
    ]);
    expect(rowOf(frame, "fast")).toEqual([
      "fast", "3/4", "1.1", "150ms", "239ms", "780", "100", "160", "$0.0002", "0", "0",
    ]);
    expect(rowOf(frame, "smart")).toEqual([
      "smart", "0/4", "0.7", "652ms", "796ms", "600+?", "0+?", "450+?", "$0.0010+?", "1", "1",
    ]);
  });

  it("shows the cost so far and its projection", () => {
    const frame = frameOf(fixtureMetrics());
    expect(frame).toContain("cost $0.0013+?  projected $0.0017 for 8 records");
    expect(frame).toContain("(1 call without usage)");
  });

  it("leaves out the bar and projection when the total is unknown", () => {
    const metrics = fixtureMetrics();
    metrics.records.total = null;
    metrics.etaMs = null;
    metrics.projectedCostUsd = null;
    const frame = frameOf(metrics);
    expect(frame).not.toContain("█");
    expect(frame).not.toContain("projected");
    expect(frame).toContain("records 6  4 done");
    expect(frame).toContain("ETA -");
  });

  it("writes no escape codes without colour", () => {
    expect(frameOf(fixtureMetrics(), false)).not.toContain("\u001b[");
  });

  it("fits in 80 columns with the fixture's aliases", () => {
    const widths = frameOf(fixtureMetrics()).split("\n").map((line) => line.length);
    expect(Math.max(...widths)).toBeLessThanOrEqual(80);
  });
});
