import { depsOf, nodeTemplates, renameFields, renameTemplate } from "./graph-nodes.js";
import {
  INDEX,
  INPUT,
  ITEM,
  type CompiledTemplate,
  type Graph,
  type GraphNode,
  type ObjectNode,
  type Ref,
  type SourceLocation,
} from "./types.js";

/**
 * Flattens a nested pipeline into its parent's graph as the node `id`:
 *
 * - `id/input` is an object of the `with` bindings, read in the parent;
 * - each child node `x` becomes `id/x`, and its `input` refs read `id/input`;
 * - `id` itself is an object of the child's outputs, so parent references
 *   such as `{{ id.summary }}` read it like any other node.
 *
 * The scheduler then schedules every call of the child like one of the parent's.
 */
export function flattenPipeline(
  id: string,
  child: Graph,
  bindings: Record<string, CompiledTemplate>,
  location: SourceLocation,
): GraphNode[] {
  const inputId = `${id}/input`;
  const rename = (ref: Ref): Ref => {
    if (ref.node === INPUT) return { ...ref, node: inputId };
    if (ref.node === ITEM || ref.node === INDEX) return ref;
    return { ...ref, node: `${id}/${ref.node}` };
  };

  const inputNode: ObjectNode = {
    kind: "object",
    id: inputId,
    deps: depsOf(Object.values(bindings)),
    location,
    fields: bindings,
  };
  const childNodes = child.nodes.map((node) => renameNode(node, `${id}/${node.id}`, rename));
  const outputs = renameFields(child.outputs, rename);
  const outputNode: ObjectNode = {
    kind: "object",
    id,
    deps: depsOf(Object.values(outputs)),
    location,
    fields: outputs,
    nestedPipeline: { name: child.name, file: child.file },
  };
  return [inputNode, ...childNodes, outputNode];
}

/** Copies a node under a new id with its references renamed. */
function renameNode(node: GraphNode, id: string, rename: (ref: Ref) => Ref): GraphNode {
  const foreach = node.foreach ? renameTemplate(node.foreach, rename) : undefined;
  let renamed: GraphNode;
  switch (node.kind) {
    case "llm":
      renamed = {
        ...node,
        id,
        prompt: renameTemplate(node.prompt, rename),
        ...(node.system ? { system: renameTemplate(node.system, rename) } : {}),
      };
      break;
    case "template":
      renamed = { ...node, id, template: renameTemplate(node.template, rename) };
      break;
    case "object":
      renamed = { ...node, id, fields: renameFields(node.fields, rename) };
      break;
    case "function":
      renamed = { ...node, id, with: renameFields(node.with, rename) };
      break;
    case "subgraph":
      // The subgraph's own graph keeps its ids: it runs apart, per element.
      renamed = {
        ...node,
        id,
        with: renameFields(node.with, rename),
        foreach: renameTemplate(node.foreach, rename),
      };
      break;
  }
  if (foreach) renamed.foreach = foreach;
  renamed.deps = depsOf(nodeTemplates(renamed));
  return renamed;
}
