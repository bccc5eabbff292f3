import { Box, Text } from "ink";
import { formatCount, formatDuration } from "../report/format-values.js";
import type { RunMetrics } from "../report/types.js";
import type { Palette } from "./palette.js";
import { ProgressBar } from "./progress-bar.js";

export interface HeaderProps {
  metrics: RunMetrics;
  palette: Palette;
}

/** Records done, failed and in flight, the bar, the rate and the time left. */
export function Header({ metrics, palette }: HeaderProps) {
  const { records } = metrics;
  const finished = records.done + records.failed;
  const ofTotal = records.total === null ? "" : `/${formatCount(records.total)}`;
  return (
    <Box flexDirection="column">
      <Text>
        <Text {...palette.title}>plait</Text>
        {`  records ${formatCount(finished)}${ofTotal}  `}
        <Text {...palette.good}>{`${formatCount(records.done)} done`}</Text>
        {"  "}
        <Text {...(records.failed > 0 ? palette.bad : {})}>
          {`${formatCount(records.failed)} failed`}
        </Text>
        {`  ${formatCount(records.inFlight)} in flight`}
      </Text>
      <Text>
        {records.total === null ? null : (
          <ProgressBar finished={finished} total={records.total} width={30} palette={palette} />
        )}
        {records.total === null ? "" : "  "}
        {`${metrics.recordsPerSec.toFixed(1)} records/s`}
        {`  ETA ${formatDuration(metrics.etaMs)}`}
        {`  elapsed ${formatDuration(metrics.elapsedMs)}`}
      </Text>
    </Box>
  );
}
