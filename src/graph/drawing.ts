import { describeKind, parentGroup } from "./draw-labels.js";
import { depsOf, nodeTemplates } from "./graph-nodes.js";
import { INPUT, type CompiledTemplate, type Graph, type GraphNode } from "./types.js";

/*
 * A graph laid out for drawing, apart from any output format: boxes with
 * label lines, nested groups, and edges in data-flow order. Mermaid and
 * Graphviz renderers only print it.
 */

export interface DrawBox {
  id: string;
  lines: string[];
  shape: "node" | "foreach" | "io";
}

export interface DrawGroup {
  id: string;
  lines: string[];
  boxes: DrawBox[];
  groups: DrawGroup[];
}

export interface Drawing {
  root: DrawGroup;
  /** [from, to] pairs of box or group ids. */
  edges: [string, string][];
}

export function layOutGraph(graph: Graph): Drawing {
  let counter = 0;
  const nextId = (prefix: string) => `${prefix}${++counter}`;
  const edges: [string, string][] = [];
  const seenEdges = new Set<string>();
  const addEdge = (from: string, to: string) => {
    const key = `${from} ${to}`;
    if (seenEdges.has(key)) return;
    seenEdges.add(key);
    edges.push([from, to]);
  };

  const addGraph = (graph: Graph, into: DrawGroup): void => {
    const inputBox: DrawBox = {
      id: nextId("n"),
      lines: [`input: ${graph.inputFields.join(", ") || "(none)"}`],
      shape: "io",
    };
    into.boxes.push(inputBox);
    const byId = new Map(graph.nodes.map((node) => [node.id, node]));
    const groups = new Map<string, DrawGroup>([["", into]]);
    const groupFor = (prefix: string): DrawGroup => {
      const existing = groups.get(prefix);
      if (existing) return existing;
      const owner = byId.get(prefix);
      const nested = owner?.kind === "object" ? owner.nestedPipeline : undefined;
      const group: DrawGroup = {
        id: nextId("g"),
        lines: nested ? [prefix, `pipeline ${nested.name} (${nested.file})`] : [prefix],
        boxes: [],
        groups: [],
      };
      groupFor(parentGroup(prefix)).groups.push(group);
      groups.set(prefix, group);
      return group;
    };

    const drawIds = new Map<string, string>();
    for (const node of graph.nodes) {
      if (node.kind === "subgraph") {
        const group: DrawGroup = {
          id: nextId("g"),
          lines: [node.id, `for each ${node.foreach.source}`, `pipeline ${node.graph.name}`],
          boxes: [],
          groups: [],
        };
        groupFor(parentGroup(node.id)).groups.push(group);
        addGraph(node.graph, group);
        drawIds.set(node.id, group.id);
        continue;
      }
      // The outputs of a flattened pipeline sit inside that pipeline's group.
      const isNestedOutputs = node.kind === "object" && node.nestedPipeline !== undefined;
      const group = groupFor(isNestedOutputs ? node.id : parentGroup(node.id));
      const box: DrawBox = { id: nextId("n"), lines: boxLines(node), shape: "node" };
      if (node.foreach) box.shape = "foreach";
      group.boxes.push(box);
      drawIds.set(node.id, box.id);
    }

    const connect = (templates: CompiledTemplate[], deps: string[], to: string) => {
      if (readsInput(templates)) addEdge(inputBox.id, to);
      for (const dep of deps) addEdge(drawIds.get(dep)!, to);
    };
    for (const node of graph.nodes) {
      connect(nodeTemplates(node), node.deps, drawIds.get(node.id)!);
    }
    const outputBox: DrawBox = {
      id: nextId("n"),
      lines: [`outputs: ${Object.keys(graph.outputs).join(", ")}`],
      shape: "io",
    };
    into.boxes.push(outputBox);
    const outputs = Object.values(graph.outputs);
    connect(outputs, depsOf(outputs), outputBox.id);
  };

  const root: DrawGroup = { id: "root", lines: [graph.name], boxes: [], groups: [] };
  addGraph(graph, root);
  return { root, edges };
}

function boxLines(node: GraphNode): string[] {
  const lines = [node.id, describeKind(node)];
  if (node.foreach) lines.push(`for each ${node.foreach.source}`);
  return lines;
}

function readsInput(templates: readonly CompiledTemplate[]): boolean {
  return templates.some((template) =>
    template.segments.some((segment) => "ref" in segment && segment.ref.node === INPUT),
  );
}
