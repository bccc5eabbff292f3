/** Number and time formatting shared by the report, the dashboard and the log lines. */

const grouped = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** Formats a whole count with thousands separators: 12,345. */
export function formatCount(value: number): string {
  return grouped.format(value);
}

/** Formats a cost in USD with 4 decimals: $0.0123. */
export function formatUsd(usd: number): string {
  return `$${usd.toFixed(4)}`;
}

/** Formats a count in at most about 5 characters for narrow columns: 45.2k, 1.20M. */
export function formatCompact(value: number): string {
  if (value < 1_000) return String(Math.round(value));
  if (value < 1_000_000) return `${trimFixed(value / 1_000)}k`;
  if (value < 1_000_000_000) return `${trimFixed(value / 1_000_000)}M`;
  return `${trimFixed(value / 1_000_000_000)}G`;
}

/** Keeps three significant digits for values from 1 to 999. */
function trimFixed(value: number): string {
  if (value < 10) return value.toFixed(2);
  if (value < 100) return value.toFixed(1);
  return value.toFixed(0);
}

/** Formats a duration as 0.4s, 12s, 4m 05s or 2h 03m; null shows as a dash. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "-";
  // Below a second, whole seconds would show a short run as 0s.
  if (ms > 0 && ms < 950) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours}h ${pad2(minutes)}m`;
  if (minutes > 0) return `${minutes}m ${pad2(seconds)}s`;
  return `${seconds}s`;
}

/** Formats elapsed time as a clock for log lines: 00:04:05. */
export function formatClock(ms: number): string {
  const totalSeconds = Math.floor(Math.max(0, ms) / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  return `${pad2(hours)}:${pad2(minutes)}:${pad2(totalSeconds % 60)}`;
}

/** Formats a latency as 850ms or 1.25s; null (no finished call) shows as a dash. */
export function formatLatency(ms: number | null): string {
  if (ms === null) return "-";
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  return `${(ms / 1_000).toFixed(2)}s`;
}

/** Formats a rate per second with one decimal: 3.2/s. */
export function formatRate(perSec: number): string {
  return `${perSec.toFixed(1)}/s`;
}

function pad2(value: number): string {
  return String(value).padStart(2, "0");
}

/** Usage counters as the resource manager and the nodes keep them. */
export interface UsageCounts {
  /** Calls that a provider completed, not counting cache hits. */
  successes: number;
  unknownUsageCalls: number;
}

/** Marker after a token count or cost that leaves out calls with unknown usage. */
export const PARTIAL_MARK = "+?";

/**
 * Formats a token count or cost whose calls may have reported no usage:
 * "unknown" when no successful call reported usage, the value with "+?" when
 * some did not, so a missing usage block never reads as zero.
 */
export function formatWithUsage(text: string, counts: UsageCounts): string {
  if (counts.unknownUsageCalls === 0) return text;
  if (counts.unknownUsageCalls >= counts.successes) return "unknown";
  return `${text}${PARTIAL_MARK}`;
}
