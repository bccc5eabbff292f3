import type { CompiledTemplate, Graph, GraphNode } from "./types.js";

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

/** A node whose value reaches no output, so its work is spent for nothing. */
export interface UnusedNode {
  /** The node's id; a node inside a foreach pipeline is named `parent[]/child`. */
  id: string;
  location: GraphNode["location"];
  /** True for an LLM node or a pipeline that contains one: unused work that costs money. */
  isPaid: boolean;
}

/**
 * Lists the nodes that no output reads, directly or through other nodes.
 * They still run for every record, and an unused LLM node is paid for.
 * Plumbing objects of nested pipelines are left out.
 */
export function findUnusedNodes(graph: Graph, prefix = ""): UnusedNode[] {
  const byId = new Map(graph.nodes.map((node) => [node.id, node]));
  const used = new Set<string>();
  const pending: string[] = [];
  for (const template of Object.values(graph.outputs)) pending.push(...refsOf(template));
  while (pending.length > 0) {
    const id = pending.pop()!;
    if (used.has(id)) continue;
    used.add(id);
    pending.push(...(byId.get(id)?.deps ?? []));
  }
  const unused: UnusedNode[] = [];
  for (const node of graph.nodes) {
    if (node.kind === "subgraph" && used.has(node.id)) {
      unused.push(...findUnusedNodes(node.graph, `${prefix}${node.id}[]/`));
    }
    if (used.has(node.id) || node.kind === "object") continue;
    unused.push({ id: prefix + node.id, location: node.location, isPaid: callsAnything(node) });
  }
  return unused;
}

function refsOf(template: CompiledTemplate): string[] {
  const ids: string[] = [];
  for (const segment of template.segments) if ("ref" in segment) ids.push(segment.ref.node);
  return ids;
}

function callsAnything(node: GraphNode): boolean {
  if (node.kind === "llm") return true;
  if (node.kind === "subgraph") return summarizeGraph(node.graph).callsPerRecord > 0;
  return false;
}

/** Describes an unused node for a warning line, with its place in the file. */
export function describeUnusedNode(node: UnusedNode): string {
  const where = `${node.location.file}:${node.location.line}`;
  const cost = node.isPaid ? ", and its LLM calls are paid for" : "";
  return (
    `${where}: node "${node.id}" feeds no output, yet it runs for every record${cost}; ` +
    "use it in outputs or another node, or remove it"
  );
}
