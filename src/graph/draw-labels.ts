import path from "node:path";
import { INDEX, INPUT, ITEM, type GraphNode, type Ref } from "./types.js";

/** A reference as the user would write it: `input.ticket`, `summary.label`. */
export function describeRef(ref: Ref): string {
  const base =
    ref.node === INPUT ? "input" : ref.node === ITEM ? "item" : ref.node === INDEX ? "index" : ref.node;
  return [base, ...ref.path].join(".");
}

/** What a node does, in a few words: `llm fast (json)`, `template`. */
export function describeKind(node: GraphNode): string {
  switch (node.kind) {
    case "llm":
      return `llm ${node.alias}${node.output === "json" ? " (json)" : ""}`;
    case "template":
      return "template";
    case "function":
      return `function ${path.basename(node.modulePath)}#${node.exportName}`;
    case "object":
      return node.nestedPipeline
        ? `outputs of pipeline ${node.nestedPipeline.name}`
        : "inputs of a nested pipeline";
    case "subgraph":
      return `pipeline ${node.graph.name}`;
  }
}

/** The distinct references a node reads, in order of first use. */
export function describeReads(templates: readonly { segments: unknown[] }[]): string[] {
  const reads = new Set<string>();
  for (const template of templates) {
    for (const segment of template.segments as ({ ref: Ref } | { text: string })[]) {
      if ("ref" in segment) reads.add(describeRef(segment.ref));
    }
  }
  return [...reads];
}

/** Where `id` sits among flattened pipelines: `a/b/c` is inside `a/b`. */
export function parentGroup(id: string): string {
  const slash = id.lastIndexOf("/");
  return slash < 0 ? "" : id.slice(0, slash);
}
