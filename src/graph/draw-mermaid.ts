import type { DrawBox, DrawGroup, Drawing } from "./drawing.js";

/**
 * Prints a drawing as a Mermaid flowchart. Every label is quoted, and the
 * characters Mermaid reads inside quotes (" # < >) are written as entity
 * codes, so any node name or template stays valid syntax.
 */
export function renderMermaid(drawing: Drawing): string {
  const lines = ["flowchart TD"];
  writeGroupContents(drawing.root, lines, "  ");
  for (const [from, to] of drawing.edges) lines.push(`  ${from} --> ${to}`);
  return lines.join("\n") + "\n";
}

function writeGroupContents(group: DrawGroup, lines: string[], indent: string): void {
  for (const box of group.boxes) lines.push(indent + formatBox(box));
  for (const child of group.groups) {
    lines.push(`${indent}subgraph ${child.id}["${formatLabel(child.lines)}"]`);
    writeGroupContents(child, lines, indent + "  ");
    lines.push(`${indent}end`);
  }
}

function formatBox(box: DrawBox): string {
  const label = `"${formatLabel(box.lines)}"`;
  if (box.shape === "io") return `${box.id}([${label}])`;
  if (box.shape === "foreach") return `${box.id}[[${label}]]`;
  return `${box.id}[${label}]`;
}

function formatLabel(lines: readonly string[]): string {
  return lines.map(escapeText).join("<br/>");
}

function escapeText(text: string): string {
  let escaped = "";
  for (const char of text) {
    if (char === '"') escaped += "#quot;";
    else if (char === "#") escaped += "#35;";
    else if (char === "<") escaped += "#lt;";
    else if (char === ">") escaped += "#gt;";
    else escaped += char;
  }
  return escaped;
}
