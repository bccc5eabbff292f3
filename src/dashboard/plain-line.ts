import {
  formatClock,
  formatCount,
  formatDuration,
  formatUsd,
  formatWithUsage,
} from "../report/format-values.js";
import type { RunMetrics } from "../report/types.js";

/**
 * Formats one progress log line: elapsed time, records, rate, calls,
 * tokens, cost and time left, for logs and CI where redrawing is impossible.
 */
export function formatPlainLine(metrics: RunMetrics): string {
  const { records, total } = metrics;
  const finished = records.done + records.failed;
  const ofTotal = records.total === null ? "" : `/${formatCount(records.total)}`;
  const parts = [
    `records ${formatCount(finished)}${ofTotal} (${formatCount(records.done)} done, ` +
      `${formatCount(records.failed)} failed, ${formatCount(records.inFlight)} in flight)`,
    `${metrics.recordsPerSec.toFixed(1)} records/s`,
    `${formatCount(total.requests)} calls (${formatCount(total.retries)} ` +
      `${total.retries === 1 ? "retry" : "retries"}, ` +
      `${formatCount(total.rateLimited)} rate limited)`,
    `tokens ${formatWithUsage(formatCount(total.inputTokens), total)} in, ` +
      `${formatWithUsage(formatCount(total.outputTokens), total)} out`,
    `cost ${formatWithUsage(formatUsd(metrics.costUsd), total)}`,
  ];
  if (records.total !== null) parts.push(`ETA ${formatDuration(metrics.etaMs)}`);
  return `[${formatClock(metrics.elapsedMs)}] ${parts.join(" | ")}`;
}
