import { INPUT, type Graph, type GraphNode } from "../graph/types.js";

/**
 * Index tables for running a graph many times: node positions, the nodes
 * that wait on each node, and how many deps each waits for. Built once per
 * graph so that per-record work is array access, not map lookups.
 */
export interface GraphPlan {
  graph: Graph;
  nodes: GraphNode[];
  indexOf: Map<string, number>;
  /** For each node, the positions of the nodes that read it. */
  dependents: number[][];
  depCounts: Int32Array;
  /** Nested plans of `subgraph` nodes, by node position. */
  subplans: Map<number, GraphPlan>;
  /**
   * Positions of the nodes whose foreach is a single reference into the
   * record's input, so it can be checked before any call is made.
   */
  inputForeach: number[];
}

export function planGraph(graph: Graph): GraphPlan {
  const nodes = graph.nodes;
  const indexOf = new Map<string, number>();
  nodes.forEach((node, i) => indexOf.set(node.id, i));
  const dependents: number[][] = nodes.map(() => []);
  const depCounts = new Int32Array(nodes.length);
  nodes.forEach((node, i) => {
    const deps = new Set(node.deps);
    for (const dep of deps) {
      const from = indexOf.get(dep);
      if (from === undefined) {
        throw new Error(`node "${node.id}" depends on "${dep}", which is not in the graph`);
      }
      dependents[from]!.push(i);
    }
    depCounts[i] = deps.size;
  });
  const subplans = new Map<number, GraphPlan>();
  nodes.forEach((node, i) => {
    if (node.kind === "subgraph") subplans.set(i, planGraph(node.graph));
  });
  const inputForeach: number[] = [];
  nodes.forEach((node, i) => {
    const segments = node.foreach?.segments;
    const only = segments?.length === 1 ? segments[0] : undefined;
    if (only !== undefined && "ref" in only && only.ref.node === INPUT) inputForeach.push(i);
  });
  return { graph, nodes, indexOf, dependents, depCounts, subplans, inputForeach };
}

/** LLM calls one record makes, counting a foreach node once per element as one. */
export function countLlmNodes(plan: GraphPlan): number {
  let count = 0;
  plan.nodes.forEach((node, i) => {
    if (node.kind === "llm") count++;
    const sub = plan.subplans.get(i);
    if (sub !== undefined) count += countLlmNodes(sub);
  });
  return count;
}
