/**
 * Colour props for ink's Text, or none when colour is off (NO_COLOR,
 * --no-color, a stream that is not a terminal). Bold and dim are escape
 * codes too, so they go with colour.
 */
export interface Palette {
  title: { color?: string; bold?: boolean };
  label: { dimColor?: boolean };
  good: { color?: string };
  bad: { color?: string };
  warn: { color?: string };
}

const COLOR: Palette = {
  title: { color: "cyan", bold: true },
  label: { dimColor: true },
  good: { color: "green" },
  bad: { color: "red" },
  warn: { color: "yellow" },
};

const PLAIN: Palette = { title: {}, label: {}, good: {}, bad: {}, warn: {} };

export function paletteFor(isColor: boolean): Palette {
  return isColor ? COLOR : PLAIN;
}
