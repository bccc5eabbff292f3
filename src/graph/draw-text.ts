import { describeKind, describeReads } from "./draw-labels.js";
import { nodeTemplates } from "./graph-nodes.js";
import type { Graph } from "./types.js";

/**
 * Prints a graph as an indented list: each node in run order with its kind
 * and what it reads. Flattened nested nodes keep their `parent/child` ids;
 * a foreach pipeline lists its own graph one level deeper.
 */
export function renderText(graph: Graph): string {
  const lines: string[] = [];
  writeGraph(graph, lines, "");
  return lines.join("\n") + "\n";
}

function writeGraph(graph: Graph, lines: string[], indent: string): void {
  lines.push(`${indent}pipeline ${graph.name} (${graph.file})`);
  lines.push(`${indent}input: ${graph.inputFields.join(", ") || "(none)"}`);
  lines.push(`${indent}nodes:`);
  for (const node of graph.nodes) {
    let line = `${indent}  ${node.id}: ${describeKind(node)}`;
    if (node.foreach) line += `, for each ${node.foreach.source}`;
    const reads = describeReads(
      nodeTemplates(node).filter((template) => template !== node.foreach),
    );
    if (reads.length > 0) line += `; reads ${reads.join(", ")}`;
    lines.push(line);
    if (node.kind === "subgraph") writeGraph(node.graph, lines, indent + "    ");
  }
  lines.push(`${indent}outputs:`);
  for (const [name, template] of Object.entries(graph.outputs)) {
    lines.push(`${indent}  ${name}: ${template.source}`);
  }
}
