import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CSV_COLUMNS } from "../../src/report/csv.js";
import { parseRunMetrics } from "../../src/report/run-metrics-schema.js";
import { renderReport } from "../../src/report/summary.js";
import type { RunMetrics } from "../../src/report/types.js";
import { FIXTURE_RUN_FOLDER } from "./fixture.js";
import { parseCsv } from "./parse-csv.js";

function loadFixtureMetrics(): RunMetrics {
  const file = path.join(FIXTURE_RUN_FOLDER, "metrics.json");
  return parseRunMetrics(fs.readFileSync(file, "utf8"), file);
}

/**
 * Returns the cells of the first table row that starts with `name`, after
 * the line `after` when given, split on runs of spaces.
 */
function tableRow(text: string, name: string, after = ""): string[] {
  const lines = text.split("\n");
  const start = lines.indexOf(after) + 1;
  const line = lines.slice(start).find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no row for ${name} in:\n${text}`);
  return line.trim().split(/\s{2,}/);
}

describe("renderReport table", () => {
  const text = renderReport(loadFixtureMetrics(), "table");

  it("shows record totals and cost with 4 decimals", () => {
    expect(text).toContain("records    4 done, 2 failed, 0 in flight of 8");
    expect(text).toContain("cost       $0.0013+? USD");
    expect(text).toContain("projected  $0.0017 USD for the whole input");
  });

  it("lists each alias with its counters", () => {
    expect(tableRow(text, "fast")).toEqual([
      "fast", "10", "1", "0", "0", "150/239/240", "780/160", "100", "$0.0002",
    ]);
    expect(tableRow(text, "smart")).toEqual([
      "smart", "6", "0", "1", "1", "652/796/800", "600+?/450+?", "0+?", "$0.0010+?",
    ]);
  });

  it("lists each node with records done and failed", () => {
    const summary = tableRow(text, "summary");
    expect(summary.slice(0, 4)).toEqual(["summary", "5/1", "5", "1"]);
    expect(tableRow(text, "reply").slice(0, 6)).toEqual(["reply", "4/0", "6", "0", "1", "1"]);
  });

  it("lists errors by scope and kind", () => {
    const section = "Errors by kind";
    expect(tableRow(text, "record", section)).toEqual(["record", "-", "schema", "1"]);
    expect(tableRow(text, "alias", section)).toEqual(["alias", "fast", "timeout", "1"]);
    expect(tableRow(text, "node", section)).toEqual(["node", "summary", "timeout", "1"]);
  });

  it("aligns every row of a table to its header", () => {
    const lines = text.split("\n");
    const header = lines.findIndex((line) => line.startsWith("alias  requests"));
    const costEnd = lines[header]!.length;
    expect(lines[header + 2]!.length).toBe(costEnd);
    expect(lines[header + 3]!.length).toBe(costEnd);
  });

  it("explains partial and unknown usage", () => {
    expect(text).toContain("Token and cost counts leave out 1 call that reported");
  });

  it("says foreach pipeline nodes count elements", () => {
    expect(text).not.toContain("count elements, not records");
    const metrics = loadFixtureMetrics();
    metrics.nodes["per[]/check"] = metrics.nodes["reply"]!;
    expect(renderReport(metrics, "table")).toContain("count elements, not records");
  });

  it("counts cache answers apart from requests", () => {
    expect(text).toMatch(/rate limited\); 1 more answered from the cache/);
    const metrics = loadFixtureMetrics();
    metrics.total.cacheHits = 0;
    expect(renderReport(metrics, "table")).not.toContain("answered from the cache");
  });

  it("keeps the widest table within 100 columns", () => {
    for (const line of text.split("\n")) expect(line.length, line).toBeLessThanOrEqual(100);
  });

  it("leaves out the cached column without cached tokens", () => {
    const metrics = loadFixtureMetrics();
    metrics.total.cachedInputTokens = 0;
    const plain = renderReport(metrics, "table");
    expect(plain).not.toContain("cached  ");
    expect(tableRow(plain, "fast")).toHaveLength(8);
  });

  it("shows usage as unknown when no call reported it", () => {
    const metrics = loadFixtureMetrics();
    const smart = metrics.aliases["smart"]!;
    metrics.aliases["smart"] = { ...smart, unknownUsageCalls: smart.successes };
    const row = tableRow(renderReport(metrics, "table"), "smart");
    expect(row.slice(6)).toEqual(["unknown", "unknown", "unknown"]);
  });

  it("opens with the run header when given", () => {
    const header = {
      runId: "run-1",
      pipeline: "triage",
      status: "finished",
      startedAt: "2026-12-04T15:10:00.000Z",
      finishedAt: "2026-12-04T15:10:10.000Z",
    };
    const withHeader = renderReport(loadFixtureMetrics(), "table", header);
    expect(withHeader.split("\n")[0]).toBe("Run run-1");
    expect(withHeader).toContain("status     finished");
    expect(withHeader).toContain("finished   2026-12-04T15:10:10.000Z");
  });
});

describe("renderReport json", () => {
  it("parses back to the same metrics", () => {
    const metrics = loadFixtureMetrics();
    const text = renderReport(metrics, "json");
    expect(parseRunMetrics(text, "report.json")).toEqual(metrics);
  });

  it("carries the header as the run field", () => {
    const header = { runId: "run-1", pipeline: "triage", status: "running", startedAt: "t" };
    const parsed = JSON.parse(renderReport(loadFixtureMetrics(), "json", header));
    expect(parsed.run).toEqual(header);
    expect(parsed.records.done).toBe(4);
  });
});

describe("renderReport csv", () => {
  const metrics = loadFixtureMetrics();
  const rows = parseCsv(renderReport(metrics, "csv"));
  const header = rows[0]!;
  const records = rows.slice(1).map((row) => {
    expect(row).toHaveLength(header.length);
    return Object.fromEntries(header.map((column, i) => [column, row[i]!]));
  });
  const find = (scope: string, name: string) => {
    const record = records.find((r) => r["scope"] === scope && r["name"] === name);
    if (record === undefined) throw new Error(`no csv row ${scope} ${name}`);
    return record;
  };

  it("has a header row and one row per scope", () => {
    expect(header).toEqual([...CSV_COLUMNS]);
    expect(records.map((r) => `${r["scope"]}:${r["name"]}`)).toEqual([
      "run:total",
      "alias:fast",
      "alias:smart",
      "endpoint:fast",
      "endpoint:smart[0]",
      "endpoint:smart[1]",
      "node:summary",
      "node:category",
      "node:reply",
    ]);
  });

  it("holds the run totals", () => {
    const run = find("run", "total");
    expect(run["records_done"]).toBe("4");
    expect(run["records_failed"]).toBe("2");
    expect(Number(run["cost_usd"])).toBeCloseTo(metrics.costUsd, 6);
    expect(run["errors"]).toBe("schema=1;timeout=1");
  });

  it("holds per node counters and latency", () => {
    const reply = find("node", "reply");
    expect(reply["requests"]).toBe("6");
    expect(reply["retries"]).toBe("1");
    expect(reply["rate_limited"]).toBe("1");
    expect(reply["unknown_usage_calls"]).toBe("1");
    expect(Number(reply["latency_p95_ms"])).toBe(metrics.nodes["reply"]!.latency.p95Ms);
  });

  it("adds the spend of every attempt of a resumed run", () => {
    const resumed = { runId: "r", pipeline: "p", status: "finished", startedAt: "t" };
    const withAttempts = { ...resumed, attempts: 3, costAllAttemptsUsd: 1.25 };
    const parsed = parseCsv(renderReport(metrics, "csv", withAttempts));
    const last = parsed.at(-1)!;
    expect(last[0]).toBe("all_attempts");
    expect(last[1]).toBe("3");
    expect(last[header.indexOf("cost_usd")]).toBe("1.250000");
    expect(last.filter((cell) => cell !== "")).toHaveLength(3);
    expect(parseCsv(renderReport(metrics, "csv", resumed))).toHaveLength(rows.length);
  });

  it("leaves alias-only cells empty on node rows and the reverse", () => {
    expect(find("alias", "fast")["records_done"]).toBe("");
    expect(find("node", "summary")["records_done"]).toBe("5");
  });

  it("quotes names with commas and quotes", () => {
    const tricky = loadFixtureMetrics();
    tricky.nodes['say "hi", then'] = tricky.nodes["reply"]!;
    const parsed = parseCsv(renderReport(tricky, "csv"));
    expect(parsed.at(-1)![1]).toBe('say "hi", then');
    expect(parsed.at(-1)).toHaveLength(CSV_COLUMNS.length);
  });
});

describe("renderReport markdown", () => {
  const text = renderReport(loadFixtureMetrics(), "markdown");

  it("has a table per section with right-aligned numbers", () => {
    expect(text).toContain("### Aliases");
    expect(text).toContain("### Nodes");
    expect(text).toContain("| alias | requests | errors | retries |");
    expect(text).toContain("| --- | ---: | ---: |");
  });

  it("has one row per alias with the same cells as the table", () => {
    const row = text.split("\n").find((line) => line.startsWith("| fast |"));
    expect(row).toBe("| fast | 10 | 1 | 0 | 0 | 150/239/240 | 780/160 | 100 | $0.0002 |");
  });

  it("escapes pipes in names", () => {
    const metrics = loadFixtureMetrics();
    metrics.nodes["a|b"] = metrics.nodes["reply"]!;
    expect(renderReport(metrics, "markdown")).toContain("| a\\|b | 4/0 | 6 |");
  });
});
