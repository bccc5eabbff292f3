import { Box, Text } from "ink";
import { formatCount, formatUsd, formatWithUsage } from "../report/format-values.js";
import type { RunMetrics } from "../report/types.js";
import type { Palette } from "./palette.js";

export interface CostLineProps {
  metrics: RunMetrics;
  palette: Palette;
}

/** Total cost so far and, when the input size is known, the projection for all of it. */
export function CostLine({ metrics, palette }: CostLineProps) {
  const { total, records } = metrics;
  const projection =
    metrics.projectedCostUsd === null || records.total === null
      ? ""
      : `  projected ${formatUsd(metrics.projectedCostUsd)} for ` +
        `${formatCount(records.total)} records`;
  const unknownCalls = total.unknownUsageCalls;
  const calls = unknownCalls === 1 ? "call" : "calls";
  const unknown =
    unknownCalls > 0 ? `  (${formatCount(unknownCalls)} ${calls} without usage)` : "";
  return (
    <Box marginTop={1}>
      <Text>
        <Text {...palette.label}>cost </Text>
        {formatWithUsage(formatUsd(metrics.costUsd), total)}
        {projection}
        <Text {...palette.warn}>{unknown}</Text>
      </Text>
    </Box>
  );
}
