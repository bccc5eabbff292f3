import type { Column, ReportModel } from "./report-tables.js";

/** Renders the report as GitHub-flavoured Markdown: a totals table, then one table a section. */
export function renderMarkdown(model: ReportModel): string {
  const lines = [`## ${escapeCell(model.title)}`, ""];
  lines.push(...markdownTable([column("metric", "left"), column("value", "left")], model.totals));
  for (const table of model.tables) {
    lines.push("", `### ${table.title}`, "", ...markdownTable(table.columns, table.rows));
  }
  for (const note of model.notes) lines.push("", `_${escapeCell(note)}_`);
  return lines.join("\n") + "\n";
}

function column(header: string, align: Column["align"]): Column {
  return { header, align };
}

function markdownTable(columns: Column[], rows: string[][]): string[] {
  const header = `| ${columns.map((c) => escapeCell(c.header)).join(" | ")} |`;
  const rule = `|${columns.map((c) => (c.align === "right" ? " ---: " : " --- ")).join("|")}|`;
  const body = rows.map((row) => `| ${row.map(escapeCell).join(" | ")} |`);
  return [header, rule, ...body];
}

/** Escapes what would end a cell or start emphasis; names come from user files. */
function escapeCell(text: string): string {
  return text.replace(/[\\|*_`]/g, (char) => `\\${char}`);
}
