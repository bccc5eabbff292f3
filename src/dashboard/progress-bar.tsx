import { Text } from "ink";
import type { Palette } from "./palette.js";

export interface ProgressBarProps {
  finished: number;
  total: number;
  /** Width in terminal columns, brackets excluded. */
  width: number;
  palette: Palette;
}

/** Draws a bar of full and light blocks with the percentage after it. */
export function ProgressBar({ finished, total, width, palette }: ProgressBarProps) {
  const share = total > 0 ? Math.min(1, finished / total) : 0;
  const filled = Math.round(share * width);
  return (
    <Text>
      <Text {...palette.good}>{"█".repeat(filled)}</Text>
      <Text {...palette.label}>{"░".repeat(width - filled)}</Text>
      {` ${Math.floor(share * 100)}%`}
    </Text>
  );
}
