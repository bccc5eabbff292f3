import { Box } from "ink";
import type { RunMetrics } from "../report/types.js";
import { AliasTable } from "./alias-table.js";
import { CostLine } from "./cost-line.js";
import { Header } from "./header.js";
import { paletteFor } from "./palette.js";

export interface DashboardProps {
  metrics: RunMetrics;
  isColor: boolean;
}

/** Draws the live view of a run from one metrics snapshot. */
export function Dashboard({ metrics, isColor }: DashboardProps) {
  const palette = paletteFor(isColor);
  return (
    <Box flexDirection="column">
      <Header metrics={metrics} palette={palette} />
      <AliasTable aliases={metrics.aliases} palette={palette} />
      <CostLine metrics={metrics} palette={palette} />
    </Box>
  );
}
