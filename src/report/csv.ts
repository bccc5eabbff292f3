import type { LatencySummary } from "../resources/types.js";
import type { ReportHeader } from "./summary.js";
import type { RunMetrics } from "./types.js";

/**
 * Columns of the CSV report. Each row is one scope: `run` (every call, with
 * records done and failed), `alias`, `endpoint` or `node` (records in which
 * the node finished or failed). Cells that do not apply to a scope are
 * empty. Token and cost cells are empty when no successful call reported usage;
 * `unknown_usage_calls` counts the calls that a partial count leaves out.
 * `errors` lists kind=count pairs separated by semicolons: failed records
 * by first failure on the run row, failed calls on alias and endpoint rows,
 * failed node runs on node rows. `cost_usd` has 6 decimals, not the 4 of
 * the human formats, so that sums over many cheap calls stay exact enough.
 * The other rows cover the latest attempt of a resumed run. A last row of
 * scope `all_attempts`, named by the number of attempts, gives the spend
 * of every attempt together.
 */
export const CSV_COLUMNS = [
  "scope",
  "name",
  "records_done",
  "records_failed",
  "requests",
  "successes",
  "failures",
  "retries",
  "rate_limited",
  "cache_hits",
  "input_tokens",
  "cached_input_tokens",
  "cache_write_tokens",
  "output_tokens",
  "unknown_usage_calls",
  "cost_usd",
  "latency_p50_ms",
  "latency_p95_ms",
  "latency_max_ms",
  "errors",
] as const;

type Cell = string | number | null;

interface Counters {
  requests: number;
  successes: number;
  failures: number;
  retries: number;
  rateLimited: number;
  cacheHits: number;
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  unknownUsageCalls: number;
  costUsd: number;
  latency: LatencySummary;
  errorsByKind: Record<string, number>;
}

/** Renders the report as RFC 4180 CSV with a header row and CRLF line ends. */
export function renderCsv(metrics: RunMetrics, header?: ReportHeader): string {
  const rows: Cell[][] = [[...CSV_COLUMNS]];
  const { records } = metrics;
  rows.push(
    row("run", "total", records.done, records.failed, metrics.total, metrics.recordErrorsByKind),
  );
  for (const [name, alias] of Object.entries(metrics.aliases)) {
    rows.push(row("alias", name, null, null, alias, alias.errorsByKind));
  }
  for (const [name, endpoint] of Object.entries(metrics.endpoints)) {
    rows.push(row("endpoint", name, null, null, endpoint, endpoint.errorsByKind));
  }
  for (const [name, node] of Object.entries(metrics.nodes)) {
    rows.push(row("node", name, node.finished, node.failed, node, node.errorsByKind));
  }
  const attempts = header?.attempts ?? 1;
  if (attempts > 1 && header?.costAllAttemptsUsd !== undefined) {
    const cells: Cell[] = CSV_COLUMNS.map(() => null);
    cells[0] = "all_attempts";
    cells[1] = String(attempts);
    cells[CSV_COLUMNS.indexOf("cost_usd")] = header.costAllAttemptsUsd.toFixed(6);
    rows.push(cells);
  }
  return rows.map((cells) => cells.map(quoteCell).join(",")).join("\r\n") + "\r\n";
}

function row(
  scope: string,
  name: string,
  done: number | null,
  failed: number | null,
  c: Counters,
  errorsByKind: Record<string, number>,
): Cell[] {
  const isUsageUnknown = c.unknownUsageCalls > 0 && c.unknownUsageCalls >= c.successes;
  const usage = (value: number) => (isUsageUnknown ? null : value);
  return [
    scope,
    name,
    done,
    failed,
    c.requests,
    c.successes,
    c.failures,
    c.retries,
    c.rateLimited,
    c.cacheHits,
    usage(c.inputTokens),
    usage(c.cachedInputTokens),
    usage(c.cacheWriteTokens),
    usage(c.outputTokens),
    c.unknownUsageCalls,
    isUsageUnknown ? null : c.costUsd.toFixed(6),
    c.latency.p50Ms,
    c.latency.p95Ms,
    c.latency.maxMs === null ? null : Math.round(c.latency.maxMs * 1000) / 1000,
    Object.entries(errorsByKind)
      .map(([kind, count]) => `${kind}=${count}`)
      .join(";"),
  ];
}

function quoteCell(cell: Cell): string {
  if (cell === null) return "";
  const text = String(cell);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
