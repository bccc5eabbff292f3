import type { Command } from "commander";
import { listRuns, type ListRunsResult, type RunSummary } from "../checkpoint/index.js";
import { plaitInvocation } from "./invocation.js";
import type { ExitCode } from "./main.js";

interface RunsOptions {
  runsDir: string;
  json?: boolean;
}

export function registerRunsCommand(program: Command, _exit: ExitCode): void {
  program
    .command("runs")
    .description("List the runs under the runs folder, newest first.")
    .option("--runs-dir <dir>", "folder that holds the run folders", ".plait/runs")
    .option("--json", "print the runs as a JSON array instead of a table")
    .action((options: RunsOptions) => {
      const listing = listRuns(options.runsDir);
      process.stdout.write(renderRuns(listing, options));
      const { skipped } = listing;
      if (skipped.length > 0) {
        process.stderr.write(
          `plait: skipped ${skipped.length} folder(s) in ${options.runsDir} ` +
            `without a readable manifest.json: ${skipped.join(", ")}\n`,
        );
      }
    });
}

/** Returns the text `plait runs` prints on standard output. */
export function renderRuns(listing: ListRunsResult, options: RunsOptions): string {
  const { runs, exists } = listing;
  if (options.json) return JSON.stringify(runs, null, 2) + "\n";
  if (!exists) {
    return (
      `No runs yet: ${options.runsDir} does not exist. ` +
      `Start one with ${plaitInvocation()} run PIPELINE --resources RES --input FILE.\n`
    );
  }
  if (runs.length === 0) return `No runs in ${options.runsDir} yet.\n`;
  return formatRunsTable(runs);
}

const COLUMNS = [
  { title: "RUN", isRight: false },
  { title: "PIPELINE", isRight: false },
  { title: "STATUS", isRight: false },
  { title: "RECORDS", isRight: true },
  { title: "FAILED", isRight: true },
  { title: "COST", isRight: true },
  { title: "STARTED", isRight: false },
] as const;

/** Formats runs as a table with aligned columns, one run a row, in the given order. */
export function formatRunsTable(runs: RunSummary[]): string {
  const rows = runs.map((run) => [
    run.id,
    run.pipelinePath,
    run.status,
    `${run.recordsDone}/${run.recordsTotal ?? "?"}`,
    String(run.recordsFailed),
    formatUsd(run.costUsd),
    formatLocalTime(run.startedAt),
  ]);
  const all = [COLUMNS.map((column) => column.title), ...rows];
  const widths = COLUMNS.map((_, i) => Math.max(...all.map((row) => row[i]?.length ?? 0)));
  const lines = all.map((row) =>
    row
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        return COLUMNS[i]?.isRight ? cell.padStart(width) : cell.padEnd(width);
      })
      .join("  ")
      .trimEnd(),
  );
  return lines.join("\n") + "\n";
}

function formatUsd(costUsd: number): string {
  // Cheap runs cost fractions of a cent, which two decimals would show as $0.00.
  return `$${costUsd.toFixed(costUsd < 1 ? 4 : 2)}`;
}

/** `2026-12-04 16:30:12` in the local time zone; the input is ISO 8601. */
function formatLocalTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, "0");
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return `${day} ${time}`;
}
