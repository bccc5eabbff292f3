import path from "node:path";
import { INDEX, INPUT, ITEM, type GraphNode, type Ref } from "./types.js";

const SOURCE_NAMES: Record<string, string> = { [INPUT]: "input", [ITEM]: "item", [INDEX]: "index" };

/** Returns a reference as the user would write it: `input.ticket`, `summary.label`. */
export function describeRef(ref: Ref): string {
  const base = SOURCE_NAMES[ref.node] ?? ref.node;
  return [base, ...ref.path].join(".");
}

/** Describes what a node does in a few words: `llm fast (json)`, `template`. */
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

/** Returns the distinct references a node reads, in order of first use. */
export function describeReads(templates: readonly { segments: unknown[] }[]): string[] {
  const reads = new Set<string>();
  for (const template of templates) {
    for (const segment of template.segments as ({ ref: Ref } | { text: string })[]) {
      if ("ref" in segment) reads.add(describeRef(segment.ref));
    }
  }
  return [...reads];
}

/** Returns the flattened pipeline that contains `id`: `a/b/c` is inside `a/b`. */
export function parentGroup(id: string): string {
  const slash = id.lastIndexOf("/");
  return slash < 0 ? "" : id.slice(0, slash);
}
