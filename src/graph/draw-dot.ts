import type { DrawBox, DrawGroup, Drawing } from "./drawing.js";

/** Prints a drawing as a Graphviz digraph, nested pipelines as clusters. */
export function renderDot(drawing: Drawing): string {
  const lines = [
    `digraph ${quote(drawing.root.lines[0] ?? "pipeline")} {`,
    "  rankdir=TB;",
    '  node [shape=box, fontname="Helvetica"];',
  ];
  writeGroupContents(drawing.root, lines, "  ");
  for (const [from, to] of drawing.edges) {
    lines.push(`  ${endpointBox(from, drawing, "from")} -> ${endpointBox(to, drawing, "to")};`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

function writeGroupContents(group: DrawGroup, lines: string[], indent: string): void {
  for (const box of group.boxes) lines.push(indent + formatBox(box));
  for (const child of group.groups) {
    lines.push(`${indent}subgraph cluster_${child.id} {`);
    lines.push(`${indent}  label=${quote(child.lines.join("\n"))};`);
    writeGroupContents(child, lines, indent + "  ");
    lines.push(`${indent}}`);
  }
}

const DOT_SHAPES: Record<DrawBox["shape"], string> = {
  io: "ellipse",
  foreach: "box3d",
  node: "box",
};

function formatBox(box: DrawBox): string {
  const shape = DOT_SHAPES[box.shape];
  return `${box.id} [label=${quote(box.lines.join("\n"))}, shape=${shape}];`;
}

/**
 * Graphviz edges cannot end at a cluster, so an edge into a foreach
 * pipeline ends at its input box and an edge out of it starts at its
 * outputs box.
 */
function endpointBox(id: string, drawing: Drawing, end: "from" | "to"): string {
  const group = findGroup(drawing.root, id);
  if (!group) return id;
  const box = end === "to" ? group.boxes[0] : group.boxes.at(-1);
  return box?.id ?? id;
}

function findGroup(group: DrawGroup, id: string): DrawGroup | undefined {
  for (const child of group.groups) {
    if (child.id === id) return child;
    const found = findGroup(child, id);
    if (found) return found;
  }
  return undefined;
}

function quote(text: string): string {
  let quoted = '"';
  for (const char of text) {
    if (char === '"' || char === "\\") quoted += "\\" + char;
    else if (char === "\n") quoted += "\\n";
    else quoted += char;
  }
  return quoted + '"';
}
