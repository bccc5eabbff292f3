import type { LatencySummary } from "../resources/types.js";
import {
  formatCount,
  formatDuration,
  formatUsd,
  formatWithUsage,
  PARTIAL_MARK,
  type UsageCounts,
} from "./format-values.js";
import type { ReportHeader } from "./summary.js";
import type { RunMetrics } from "./types.js";

export interface Column {
  header: string;
  align: "left" | "right";
}

/** A titled table of formatted cells, rendered as text or Markdown. */
export interface ReportTable {
  title: string;
  columns: Column[];
  rows: string[][];
}

export interface ReportModel {
  title: string;
  /** Label and value pairs shown above the tables. */
  totals: Array<[label: string, value: string]>;
  tables: ReportTable[];
  /** Notes printed after the tables, such as what "+?" means. */
  notes: string[];
}

/** Fields that aliases, endpoints and nodes share. */
interface CallCounters extends UsageCounts {
  requests: number;
  failures: number;
  retries: number;
  rateLimited: number;
  latency: LatencySummary;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  costUsd: number;
  errorsByKind: Record<string, number>;
}

const left = (header: string): Column => ({ header, align: "left" });
const right = (header: string): Column => ({ header, align: "right" });

/**
 * Call columns shared by the alias, endpoint and node tables. Latencies and
 * tokens share a cell each so that the widest table, nodes, fits in about
 * 100 columns. "cached" is added only when some row read cached tokens.
 */
function callColumns(isCachedShown: boolean): Column[] {
  return [
    right("requests"),
    right("errors"),
    right("retries"),
    right("429s"),
    right("p50/p95/max ms"),
    right("tok in/out"),
    ...(isCachedShown ? [right("cached")] : []),
    right("cost"),
  ];
}

function callCells(counters: CallCounters, isCachedShown: boolean): string[] {
  const withUsage = (text: string) => formatWithUsage(text, counters);
  const tokens =
    withUsage("") === "unknown"
      ? "unknown"
      : `${withUsage(formatCount(counters.inputTokens))}/` +
        withUsage(formatCount(counters.outputTokens));
  return [
    formatCount(counters.requests),
    formatCount(counters.failures),
    formatCount(counters.retries),
    formatCount(counters.rateLimited),
    formatLatencies(counters.latency),
    tokens,
    ...(isCachedShown ? [withUsage(formatCount(counters.cachedInputTokens))] : []),
    withUsage(formatUsd(counters.costUsd)),
  ];
}

/** Formats p50, p95 and max as whole milliseconds: 202/291/317, or "-" before any call. */
function formatLatencies(latency: LatencySummary): string {
  const { p50Ms, p95Ms, maxMs } = latency;
  if (p50Ms === null || p95Ms === null || maxMs === null) return "-";
  return [p50Ms, p95Ms, maxMs].map((ms) => formatCount(Math.round(ms))).join("/");
}

/** Builds the summary that `plait report` and the end of every run print. */
export function buildReportModel(metrics: RunMetrics, header?: ReportHeader): ReportModel {
  const tables: ReportTable[] = [];
  const isCachedShown = metrics.total.cachedInputTokens > 0;
  const columns = callColumns(isCachedShown);
  const cells = (counters: CallCounters) => callCells(counters, isCachedShown);

  const aliases = Object.entries(metrics.aliases);
  if (aliases.length > 0) {
    tables.push({
      title: "Aliases",
      columns: [left("alias"), ...columns],
      rows: aliases.map(([name, counters]) => [name, ...cells(counters)]),
    });
  }

  // Endpoints repeat the alias table unless some alias has several of them.
  const endpoints = Object.entries(metrics.endpoints);
  if (endpoints.length > aliases.length) {
    tables.push({
      title: "Endpoints",
      columns: [left("endpoint"), ...columns],
      rows: endpoints.map(([name, endpoint]) => [name, ...cells(endpoint)]),
    });
  }

  // "ok/failed" counts records in which the node finished or failed.
  const nodes = Object.entries(metrics.nodes);
  if (nodes.length > 0) {
    tables.push({
      title: "Nodes",
      columns: [left("node"), right("ok/failed"), ...columns],
      rows: nodes.map(([name, node]) => [
        name,
        `${formatCount(node.finished)}/${formatCount(node.failed)}`,
        ...cells(node),
      ]),
    });
  }

  const errorRows = buildErrorRows(metrics);
  if (errorRows.length > 0) {
    tables.push({
      title: "Errors by kind",
      columns: [left("scope"), left("name"), left("kind"), right("count")],
      rows: errorRows,
    });
  }

  const title = header === undefined ? "Run summary" : `Run ${header.runId}`;
  const totals = [...buildHeaderTotals(header), ...buildTotals(metrics)];
  return { title, totals, tables, notes: buildNotes(metrics, tables) };
}

function buildHeaderTotals(header: ReportHeader | undefined): Array<[string, string]> {
  if (header === undefined) return [];
  const totals: Array<[string, string]> = [
    ["pipeline", header.pipeline],
    ["status", header.status],
    ["started", header.startedAt],
  ];
  if (header.finishedAt !== undefined) {
    // An interrupted or failed run also has an end time; only a finished one "finished".
    totals.push([header.status === "finished" ? "finished" : "ended", header.finishedAt]);
  }
  if (header.attempts !== undefined && header.attempts > 1) {
    // Each attempt's metrics start from zero, so the tables show the latest
    // attempt only; the manifest keeps the spend of all of them.
    const cost =
      header.costAllAttemptsUsd === undefined
        ? ""
        : `, ${formatUsd(header.costAllAttemptsUsd)} in all`;
    totals.push(["attempts", `${header.attempts}${cost}; the figures below are the latest`]);
  }
  return totals;
}

function buildTotals(metrics: RunMetrics): Array<[string, string]> {
  const { records, total } = metrics;
  const ofTotal = records.total === null ? "" : ` of ${formatCount(records.total)}`;
  const totals: Array<[string, string]> = [
    [
      "records",
      `${formatCount(records.done)} done, ${formatCount(records.failed)} failed, ` +
        `${formatCount(records.inFlight)} in flight${ofTotal}`,
    ],
    ["elapsed", formatDuration(metrics.elapsedMs)],
    [
      "requests",
      `${formatCount(total.requests)} (${formatCount(total.successes)} succeeded, ` +
        `${formatCount(total.failures)} failed, ${countOf(total.retries, "retry", "retries")}, ` +
        `${formatCount(total.rateLimited)} rate limited)` +
        (total.cacheHits > 0
          ? `; ${formatCount(total.cacheHits)} more answered from the cache`
          : ""),
    ],
    [
      "tokens",
      `${formatWithUsage(formatCount(total.inputTokens), total)} input ` +
        `(${formatCount(total.cachedInputTokens)} cached), ` +
        `${formatWithUsage(formatCount(total.outputTokens), total)} output`,
    ],
    ["cost", `${formatWithUsage(formatUsd(metrics.costUsd), total)} USD`],
  ];
  const isUnfinished = records.total !== null && records.done + records.failed < records.total;
  if (isUnfinished && metrics.projectedCostUsd !== null) {
    totals.push(["projected", `${formatUsd(metrics.projectedCostUsd)} USD for the whole input`]);
  }
  return totals;
}

function buildErrorRows(metrics: RunMetrics): string[][] {
  const rows: string[][] = [];
  const add = (scope: string, name: string, kinds: Record<string, number>) => {
    for (const [kind, count] of Object.entries(kinds)) {
      if (count > 0) rows.push([scope, name, kind, formatCount(count)]);
    }
  };
  add("record", "-", metrics.recordErrorsByKind);
  for (const [name, alias] of Object.entries(metrics.aliases)) {
    add("alias", name, alias.errorsByKind);
  }
  for (const [name, node] of Object.entries(metrics.nodes)) {
    add("node", name, node.errorsByKind);
  }
  return rows;
}

function buildNotes(metrics: RunMetrics, tables: ReportTable[]): string[] {
  const notes: string[] = [];
  const unknown = metrics.total.unknownUsageCalls;
  if (unknown > 0) {
    notes.push(
      `Token and cost counts leave out ${countOf(unknown, "call", "calls")} that reported ` +
        `no usage: "${PARTIAL_MARK}" marks a partial count, "unknown" a count with no usage ` +
        "at all.",
    );
  }
  if (Object.keys(metrics.nodes).some((name) => name.includes("[]/"))) {
    notes.push(
      "Nodes named parent[]/child belong to a pipeline run once per element of a foreach " +
        "list: their done and failed columns count elements, not records.",
    );
  }
  if (tables.some((table) => table.title === "Errors by kind")) {
    notes.push(
      "Errors by kind: record rows count failed records by their first failure, " +
        "alias rows failed calls, node rows failed node runs.",
    );
  }
  return notes;
}

function countOf(count: number, singular: string, plural: string): string {
  return `${formatCount(count)} ${count === 1 ? singular : plural}`;
}
