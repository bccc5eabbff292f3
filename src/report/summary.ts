import { renderCsv } from "./csv.js";
import { renderMarkdown } from "./markdown.js";
import { buildReportModel, type ReportModel } from "./report-tables.js";
import { renderTextTable } from "./text-table.js";
import type { RunMetrics } from "./types.js";

export const REPORT_FORMATS = ["table", "json", "csv", "markdown"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/**
 * Renders a run's metrics for `plait report` and the end-of-run summary.
 * Every format ends with a newline.
 */
export function renderReport(metrics: RunMetrics, format: ReportFormat): string {
  switch (format) {
    case "json":
      return JSON.stringify(metrics, null, 2) + "\n";
    case "csv":
      return renderCsv(metrics);
    case "markdown":
      return renderMarkdown(buildReportModel(metrics));
    case "table":
      return renderTable(buildReportModel(metrics));
  }
}

function renderTable(model: ReportModel): string {
  const labelWidth = Math.max(...model.totals.map(([label]) => label.length));
  const lines = ["Run summary"];
  for (const [label, value] of model.totals) lines.push(`  ${label.padEnd(labelWidth)}  ${value}`);
  for (const table of model.tables) {
    lines.push("", table.title);
    lines.push(...renderTextTable(table.columns, table.rows).map((line) => `  ${line}`));
  }
  for (const note of model.notes) lines.push("", note);
  return lines.join("\n") + "\n";
}
