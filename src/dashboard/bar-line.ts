import {
  formatCount,
  formatDuration,
  formatUsd,
  formatWithUsage,
} from "../report/format-values.js";
import type { RunMetrics } from "../report/types.js";

/** Draws the text after cli-progress's bar: percentage, records, rate, ETA and cost. */
export function formatBarLine(metrics: RunMetrics, barWidth: number): string {
  const { records } = metrics;
  const finished = records.done + records.failed;
  const cost = formatWithUsage(formatUsd(metrics.costUsd), metrics.total);
  const rate = `${metrics.recordsPerSec.toFixed(1)} records/s`;
  const failed = records.failed > 0 ? ` | ${formatCount(records.failed)} failed` : "";
  if (records.total === null) {
    return `${formatCount(finished)} records${failed} | ${rate} | ${cost}`;
  }
  const share = records.total > 0 ? Math.min(1, finished / records.total) : 0;
  const filled = Math.round(share * barWidth);
  const bar = "█".repeat(filled) + "░".repeat(barWidth - filled);
  const percent = `${Math.floor(share * 100)}%`.padStart(4);
  return (
    `${bar} ${percent} | ${formatCount(finished)}/${formatCount(records.total)} records` +
    `${failed} | ${rate} | ETA ${formatDuration(metrics.etaMs)} | ${cost}`
  );
}
