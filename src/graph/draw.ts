import { renderDot } from "./draw-dot.js";
import { renderMermaid } from "./draw-mermaid.js";
import { renderText } from "./draw-text.js";
import { layOutGraph } from "./drawing.js";
import type { Graph } from "./types.js";

export const GRAPH_FORMATS = ["text", "mermaid", "dot"] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

/** Draws a compiled graph as text, a Mermaid flowchart or a Graphviz digraph. */
export function drawGraph(graph: Graph, format: GraphFormat): string {
  if (format === "text") return renderText(graph);
  const drawing = layOutGraph(graph);
  return format === "mermaid" ? renderMermaid(drawing) : renderDot(drawing);
}
