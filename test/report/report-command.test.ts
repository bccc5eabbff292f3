import { Command } from "commander";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { buildRunReport, registerReportCommand } from "../../src/cli/report.js";
import { UsageError } from "../../src/cli/usage-error.js";
import { FIXTURE_RUN_FOLDER } from "./fixture.js";
import { parseCsv } from "./parse-csv.js";

let runsDir: string;

beforeEach(() => {
  runsDir = fs.mkdtempSync(path.join(os.tmpdir(), "plait-report-"));
  fs.cpSync(FIXTURE_RUN_FOLDER, path.join(runsDir, "run-a"), { recursive: true });
});

afterEach(() => {
  fs.rmSync(runsDir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

async function runCli(args: string[]): Promise<string> {
  const program = new Command("plait").exitOverride();
  registerReportCommand(program, { code: 0 });
  let written = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    written += String(chunk);
    return true;
  });
  await program.parseAsync(["node", "plait", "report", ...args]);
  return written;
}

describe("plait report", () => {
  it("reads a run id under --runs-dir", async () => {
    const text = await runCli(["run-a", "--runs-dir", runsDir]);
    expect(text.split("\n")[0]).toBe("Run 20261204-151000-ticket-triage");
    expect(text).toContain("status     interrupted");
    expect(text).toContain("records    4 done, 2 failed, 0 in flight of 8");
  });

  it("reads a run folder path", async () => {
    const text = await runCli([path.join(runsDir, "run-a"), "--format", "csv"]);
    const rows = parseCsv(text);
    expect(rows[1]!.slice(0, 4)).toEqual(["run", "total", "4", "2"]);
  });

  it("prints every format", async () => {
    const folder = path.join(runsDir, "run-a");
    const markdown = await runCli([folder, "--format", "markdown"]);
    expect(markdown.startsWith("## Run 20261204-151000-ticket-triage")).toBe(true);
    const json = JSON.parse(await runCli([folder, "--format", "json"]));
    expect(json.run.pipeline).toBe("ticket-triage");
    expect(json.records.failed).toBe(2);
  });

  it("rejects an unknown format", async () => {
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    await expect(runCli(["run-a", "--format", "xml"])).rejects.toThrow(/xml/);
  });

  it("reports a missing run as a usage error", () => {
    const report = () => buildRunReport("no-such-run", { format: "table", runsDir });
    expect(report).toThrow(UsageError);
    expect(report).toThrow(`run "no-such-run" not found`);
  });

  it("reports a run without metrics.json", () => {
    fs.rmSync(path.join(runsDir, "run-a", "metrics.json"));
    const report = () => buildRunReport("run-a", { format: "table", runsDir });
    expect(report).toThrow(UsageError);
    expect(report).toThrow(/metrics\.json not found/);
  });

  it("points a folder of runs at plait runs", () => {
    const report = () => buildRunReport(runsDir, { format: "table", runsDir });
    expect(report).toThrow(UsageError);
    expect(report).toThrow(`plait runs --runs-dir ${runsDir}`);
  });

  it("reports a damaged metrics.json", () => {
    fs.writeFileSync(path.join(runsDir, "run-a", "metrics.json"), '{"version": 1}');
    const report = () => buildRunReport("run-a", { format: "table", runsDir });
    expect(report).toThrow(UsageError);
    expect(report).toThrow(/not a plait metrics file/);
  });
});
