import type { Graph } from "./types.js";

/** Counts for `plait validate`: what one record costs in calls. */
export interface GraphSummary {
  /** Nodes that do work: llm, template, function and foreach pipelines. */
  nodes: number;
  /** LLM calls made once per record. */
  callsPerRecord: number;
  /** LLM calls made once per element of a foreach list, so their total varies. */
  callsPerElement: number;
  /** Every alias the graph calls, sorted. */
  aliases: string[];
}

/**
 * Counts a graph's nodes and LLM calls. The objects that carry nested
 * pipelines' inputs and outputs are plumbing and are not counted.
 */
export function summarizeGraph(graph: Graph): GraphSummary {
  const summary: GraphSummary = { nodes: 0, callsPerRecord: 0, callsPerElement: 0, aliases: [] };
  const aliases = new Set<string>();
  const visit = (graph: Graph, isPerElement: boolean) => {
    for (const node of graph.nodes) {
      if (node.kind === "object") continue;
      summary.nodes++;
      if (node.kind === "subgraph") {
        visit(node.graph, true);
        continue;
      }
      if (node.kind !== "llm") continue;
      aliases.add(node.alias);
      if (isPerElement || node.foreach) summary.callsPerElement++;
      else summary.callsPerRecord++;
    }
  };
  visit(graph, false);
  summary.aliases = [...aliases].sort();
  return summary;
}

/** `3 nodes, 2 LLM calls per record + 1 per foreach element, aliases: fast, smart` */
export function formatSummary(summary: GraphSummary): string {
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;
  const calls = plural(summary.callsPerRecord, "LLM call");
  let text = `${plural(summary.nodes, "node")}, ${calls} per record`;
  if (summary.callsPerElement > 0) text += ` + ${summary.callsPerElement} per foreach element`;
  text += `, aliases: ${summary.aliases.join(", ") || "(none)"}`;
  return text;
}
