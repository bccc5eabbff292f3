import { Option, type Command } from "commander";
import path from "node:path";
import { readManifest, type RunManifest } from "../checkpoint/manifest.js";
import { RunFolderError } from "../checkpoint/run-folder-error.js";
import { readRunMetrics, resolveRunDir, RunNotFoundError } from "../report/run-folder-metrics.js";
import { RunMetricsFormatError } from "../report/run-metrics-schema.js";
import {
  REPORT_FORMATS,
  renderReport,
  type ReportFormat,
  type ReportHeader,
} from "../report/summary.js";
import type { ExitCode } from "./main.js";
import { UsageError } from "./usage-error.js";

export interface ReportCommandOptions {
  format: ReportFormat;
  runsDir: string;
}

/** Adds `plait report`; it reads the run folder only and leaves the exit code at 0. */
export function registerReportCommand(program: Command, _exit: ExitCode): void {
  program
    .command("report")
    .description("Show cost, tokens, latency and errors per alias and per node of a run.")
    .argument("<run>", "a run folder, or a run id under --runs-dir")
    .addOption(
      new Option("--format <format>", "output format").choices(REPORT_FORMATS).default("table"),
    )
    .option("--runs-dir <dir>", "folder that holds the run folders", ".plait/runs")
    .action((run: string, options: ReportCommandOptions) => {
      process.stdout.write(buildRunReport(run, options));
    });
}

/**
 * Renders the report of a finished, interrupted or running run from its
 * folder alone. Throws UsageError when the run cannot be found or read.
 */
export function buildRunReport(run: string, options: ReportCommandOptions): string {
  try {
    const runDir = resolveRunDir(run, options.runsDir);
    const metrics = readRunMetrics(runDir);
    return renderReport(metrics, options.format, readHeader(runDir));
  } catch (error) {
    const isUserFacing =
      error instanceof RunNotFoundError ||
      error instanceof RunMetricsFormatError ||
      error instanceof RunFolderError;
    if (isUserFacing) throw new UsageError(error.message);
    throw error;
  }
}

function readHeader(runDir: string): ReportHeader {
  return reportHeaderOf(readManifest(path.join(runDir, "manifest.json")));
}

/** Builds the report header of a run from its manifest. */
export function reportHeaderOf(manifest: RunManifest): ReportHeader {
  const header: ReportHeader = {
    runId: manifest.runId,
    pipeline: manifest.pipeline.name,
    status: manifest.status,
    startedAt: manifest.startedAt,
  };
  if (manifest.finishedAt !== undefined) header.finishedAt = manifest.finishedAt;
  header.attempts = 1 + manifest.resumedAt.length;
  header.costAllAttemptsUsd = manifest.costUsd;
  return header;
}
