import type { Graph } from "../graph/types.js";

/**
 * Every file a compiled pipeline was built from: the main file first, then
 * nested pipelines and function modules. A resume compares their hashes.
 */
export function listPipelineFiles(graph: Graph): string[] {
  const files = new Set<string>([graph.file]);
  const visit = (g: Graph) => {
    for (const node of g.nodes) {
      if (node.kind === "object" && node.nestedPipeline) files.add(node.nestedPipeline.file);
      if (node.kind === "function") files.add(node.modulePath);
      if (node.kind === "subgraph") {
        files.add(node.graph.file);
        visit(node.graph);
      }
    }
  };
  visit(graph);
  return [...files];
}
