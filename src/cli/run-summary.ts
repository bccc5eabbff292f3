import path from "node:path";
import type { RunFolder } from "../checkpoint/run-folder.js";
import type { RunTotals } from "../execution/runner.js";
import type { CostEstimate } from "../execution/estimate.js";
import type { UnreachableAlias } from "../execution/unreachable-detector.js";
import type { EndpointConfig } from "../resources/types.js";
import { renderReport } from "../report/summary.js";
import { reportHeaderOf } from "./report.js";
import type { RunMetrics } from "../report/types.js";
import { formatCount, formatUsd } from "../report/format-values.js";
import { renderTextTable } from "../report/text-table.js";

function relative(file: string): string {
  const shown = path.relative(process.cwd(), file);
  return shown.startsWith("..") ? file : shown;
}

/** Lines that close a run: where the results are and how to go on. */
export function describeOutcome(options: {
  folder: RunFolder;
  totals: RunTotals;
  budgetUsd?: number;
  resumeCommand: string;
  /** Description of an unreachable alias, from `describeUnreachable`. */
  unreachable?: string;
}): string[] {
  const { folder, totals } = options;
  const lines = [`results: ${relative(folder.paths.results)}`];
  if (totals.read === 0 && totals.stoppedBy === undefined) {
    lines.push("the input held no records, so nothing ran");
  }
  if (totals.failed > 0) {
    const failed = totals.failed === 1 ? "1 record failed" : `${formatCount(totals.failed)} records failed`;
    lines.push(`errors:  ${relative(folder.paths.errors)} (${failed})`);
  }
  if (totals.skipped > 0) {
    lines.push(`skipped ${totals.skipped} records finished by an earlier attempt`);
  }
  if (options.unreachable !== undefined) lines.push(`unreachable: ${options.unreachable}`);
  if (totals.stoppedBy === "unreachable") {
    lines.push(
      "stopped: no record was admitted after that, and records not run are not failures; " +
        `once the endpoint answers, continue with: ${options.resumeCommand} ` +
        "(add --force if you changed base_url or the variables it reads, since a resume " +
        "checks that the resources are unchanged)",
    );
  } else if (totals.stoppedBy === "budget") {
    lines.push(
      `stopped: spend reached the --max-cost budget of ${formatUsd(options.budgetUsd ?? 0)}; ` +
        `continue with: ${options.resumeCommand}`,
    );
  } else if (totals.stoppedBy === "signal" || totals.interrupted > 0) {
    lines.push(`interrupted: finished work is saved; continue with: ${options.resumeCommand}`);
  }
  return lines;
}

/**
 * Describes an alias whose first calls all failed to connect: where they
 * went, the error, and what to check.
 */
export function describeUnreachable(
  found: UnreachableAlias,
  endpoints: readonly EndpointConfig[],
  resourcesFile: string,
): string {
  const urls = endpoints
    .filter((endpoint) => found.endpoints.includes(endpoint.name))
    .map((endpoint) => endpoint.baseUrl ?? `the default URL of provider ${endpoint.provider}`);
  const where = urls.length === 0 ? "" : ` at ${[...new Set(urls)].join(", ")}`;
  return (
    `alias "${found.alias}" could not be reached${where}: its first ${found.failedCalls} calls ` +
    `all failed to connect (last error: ${found.message}). Check base_url and its port in ` +
    `${resourcesFile}, and that the server is up; for plait's own mock server, start ` +
    "`plait mock-server --port <port>` first"
  );
}

/** Renders the end-of-run summary, the same tables `plait report` prints. */
export function renderRunSummary(metrics: RunMetrics, folder: RunFolder): string {
  return renderReport(metrics, "table", reportHeaderOf(folder.manifest));
}

/** Renders the `--dry-run` table. */
export function renderEstimate(estimate: CostEstimate): string {
  const lines = [
    `dry run: ${formatCount(estimate.records)} records, ${formatCount(estimate.calls)} LLM calls, ` +
      "nothing called",
  ];
  if (estimate.invalidRecords > 0) {
    lines.push(`${formatCount(estimate.invalidRecords)} records could not be read and would fail`);
  }
  const rows = Object.entries(estimate.aliases).map(([alias, a]) => [
    alias,
    formatCount(a.calls),
    formatCount(a.inputTokens),
    formatCount(a.outputTokens),
    formatUsd(a.costUsd),
  ]);
  rows.push([
    "total",
    formatCount(estimate.calls),
    formatCount(estimate.inputTokens),
    formatCount(estimate.outputTokens),
    formatUsd(estimate.costUsd),
  ]);
  const columns = [
    { header: "alias", align: "left" as const },
    { header: "calls", align: "right" as const },
    { header: "input tokens", align: "right" as const },
    { header: "output tokens (at most)", align: "right" as const },
    { header: "cost (estimate)", align: "right" as const },
  ];
  lines.push(...renderTextTable(columns, rows));
  lines.push(
    "Input tokens come from each record's prompts at about 4 characters a token; " +
      "output tokens assume every reply uses its max_tokens (256 when unset).",
  );
  if (estimate.hasUnknownFanOut) {
    lines.push("A foreach list is computed during the run (by an LLM or a function node), " +
        "so its length was counted as 1 and the estimate may be low.");
  }
  return lines.join("\n") + "\n";
}
