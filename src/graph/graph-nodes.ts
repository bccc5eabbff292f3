import { INDEX, INPUT, ITEM, type CompiledTemplate, type GraphNode, type Ref } from "./types.js";

/** Returns every template a node reads, foreach included. */
export function nodeTemplates(node: GraphNode): CompiledTemplate[] {
  const templates: CompiledTemplate[] = node.foreach ? [node.foreach] : [];
  switch (node.kind) {
    case "llm":
      templates.push(node.prompt);
      if (node.system) templates.push(node.system);
      break;
    case "template":
      templates.push(node.template);
      break;
    case "object":
      templates.push(...Object.values(node.fields));
      break;
    case "function":
    case "subgraph":
      templates.push(...Object.values(node.with));
      break;
  }
  return templates;
}

/** Returns the node ids that templates read, each once, in order of first use. */
export function depsOf(templates: readonly CompiledTemplate[]): string[] {
  const deps = new Set<string>();
  for (const template of templates) {
    for (const segment of template.segments) {
      if (!("ref" in segment)) continue;
      const node = segment.ref.node;
      if (node !== INPUT && node !== ITEM && node !== INDEX) deps.add(node);
    }
  }
  return [...deps];
}

/** Applies `rename` to every reference of a template. */
export function renameTemplate(
  template: CompiledTemplate,
  rename: (ref: Ref) => Ref,
): CompiledTemplate {
  return {
    source: template.source,
    segments: template.segments.map((segment) =>
      "ref" in segment ? { ref: rename(segment.ref) } : segment,
    ),
  };
}

export function renameFields(
  fields: Record<string, CompiledTemplate>,
  rename: (ref: Ref) => Ref,
): Record<string, CompiledTemplate> {
  return Object.fromEntries(
    Object.entries(fields).map(([name, template]) => [name, renameTemplate(template, rename)]),
  );
}
