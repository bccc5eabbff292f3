import { Box, Static, Text } from "ink";
import type { RunMetrics } from "../report/types.js";
import { AliasTable } from "./alias-table.js";
import { CostLine } from "./cost-line.js";
import { Header } from "./header.js";
import { paletteFor } from "./palette.js";

export interface DashboardProps {
  metrics: RunMetrics;
  isColor: boolean;
  /** Lines printed once above the live frame, oldest first. */
  messages?: string[];
}

/** Draws the live view of a run from one metrics snapshot. */
export function Dashboard({ metrics, isColor, messages = [] }: DashboardProps) {
  const palette = paletteFor(isColor);
  return (
    <Box flexDirection="column">
      <Static items={messages}>{(message, i) => <Text key={i}>{message}</Text>}</Static>
      <Header metrics={metrics} palette={palette} />
      <AliasTable aliases={metrics.aliases} palette={palette} />
      <CostLine metrics={metrics} palette={palette} />
    </Box>
  );
}
