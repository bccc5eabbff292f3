import type { Column } from "./report-tables.js";

/**
 * Renders rows as aligned plain-text columns under a header and a rule,
 * two spaces apart, without trailing spaces. Widths count UTF-16 units,
 * which is exact for the ASCII the report writes; wide characters in user
 * names can shift a column.
 */
export function renderTextTable(columns: Column[], rows: string[][]): string[] {
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const renderRow = (cells: string[]) =>
    columns
      .map((column, i) => {
        const cell = cells[i] ?? "";
        const width = widths[i]!;
        return column.align === "right" ? cell.padStart(width) : cell.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  return [renderRow(columns.map((column) => column.header)), rule, ...rows.map(renderRow)];
}
