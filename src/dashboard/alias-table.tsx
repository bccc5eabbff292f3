import { Box, Text } from "ink";
import {
  formatCompact,
  formatLatency,
  formatUsd,
  formatWithUsage,
} from "../report/format-values.js";
import type { AliasRunMetrics } from "../report/types.js";
import type { Palette } from "./palette.js";

export interface AliasTableProps {
  aliases: Record<string, AliasRunMetrics>;
  palette: Palette;
}

interface Cell {
  text: string;
  /** Highlight for counts that mean trouble, such as 429s. */
  isWarning?: boolean;
}

const HEADERS = [
  "alias",
  "slots",
  "req/s",
  "p50",
  "p95",
  "in",
  "cached",
  "out",
  "cost",
  "retry",
  "429",
];

function rowOf(alias: string, m: AliasRunMetrics): Cell[] {
  return [
    { text: alias },
    { text: `${m.inFlight}/${m.maxConcurrent}` },
    { text: m.requestsPerSec.toFixed(1) },
    { text: formatLatency(m.latency.p50Ms) },
    { text: formatLatency(m.latency.p95Ms) },
    { text: formatWithUsage(formatCompact(m.inputTokens), m) },
    { text: formatWithUsage(formatCompact(m.cachedInputTokens), m) },
    { text: formatWithUsage(formatCompact(m.outputTokens), m) },
    { text: formatWithUsage(formatUsd(m.costUsd), m) },
    { text: String(m.retries), isWarning: m.retries > 0 },
    { text: String(m.rateLimited), isWarning: m.rateLimited > 0 },
  ];
}

/**
 * Draws one row per alias: slots in use against max_concurrent, request rate,
 * latency, tokens, cost, retries and 429s. Column widths fit the widest
 * cell so the columns stay put between redraws of similar width.
 */
export function AliasTable({ aliases, palette }: AliasTableProps) {
  const rows = Object.entries(aliases).map(([alias, metrics]) => rowOf(alias, metrics));
  const widths = HEADERS.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => row[i]!.text.length)),
  );
  const align = (text: string, i: number) =>
    i === 0 ? text.padEnd(widths[i]!) : text.padStart(widths[i]!);
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text {...palette.label}>{HEADERS.map(align).join("  ")}</Text>
      {rows.map((row) => (
        <Text key={row[0]!.text}>
          {row.map((cell, i) => (
            <Text key={HEADERS[i]} {...(cell.isWarning ? palette.warn : {})}>
              {(i === 0 ? "" : "  ") + align(cell.text, i)}
            </Text>
          ))}
        </Text>
      ))}
    </Box>
  );
}
