import { renderCsv } from "./csv.js";
import { renderMarkdown } from "./markdown.js";
import { buildReportModel, type ReportModel } from "./report-tables.js";
import { renderTextTable } from "./text-table.js";
import type { RunMetrics } from "./types.js";

export const REPORT_FORMATS = ["table", "json", "csv", "markdown"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Run details from the run folder's manifest, shown above the metrics. */
export interface ReportHeader {
  runId: string;
  pipeline: string;
  /** running, finished, interrupted or failed. */
  status: string;
  /** ISO 8601 wall-clock time. */
  startedAt: string;
  finishedAt?: string;
  /** Attempts of the run: 1 plus the number of resumes. */
  attempts?: number;
  /** Spend of every attempt together, from the manifest. */
  costAllAttemptsUsd?: number;
}

/**
 * Renders a run's metrics for `plait report` and the end-of-run summary.
 * The header, when given, opens the table and Markdown forms and is the
 * `run` field of the JSON form; CSV takes only the spend of every attempt
 * from it, as one more data row. Every format ends with a newline.
 */
export function renderReport(
  metrics: RunMetrics,
  format: ReportFormat,
  header?: ReportHeader,
): string {
  switch (format) {
    case "json": {
      const value = header === undefined ? metrics : { ...metrics, run: header };
      return JSON.stringify(value, null, 2) + "\n";
    }
    case "csv":
      return renderCsv(metrics, header);
    case "markdown":
      return renderMarkdown(buildReportModel(metrics, header));
    case "table":
      return renderTable(buildReportModel(metrics, header));
  }
}

function renderTable(model: ReportModel): string {
  const labelWidth = Math.max(...model.totals.map(([label]) => label.length));
  const lines = [model.title];
  for (const [label, value] of model.totals) lines.push(`  ${label.padEnd(labelWidth)}  ${value}`);
  for (const table of model.tables) {
    lines.push("", table.title);
    lines.push(...renderTextTable(table.columns, table.rows));
  }
  for (const note of model.notes) lines.push("", ...wrapWords(note, 80));
  return lines.join("\n") + "\n";
}

/** Splits text into lines of at most `width` columns at spaces; longer words stay whole. */
function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}
