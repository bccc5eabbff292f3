import type { RawLlmNode, RawTemplateNode } from "./pipeline-schema.js";
import { shapeFromJsonSchema } from "./schema-shape.js";
import { parseTemplate } from "./template.js";
import {
  UNKNOWN,
  elementShape,
  listOf,
  shapeAtPath,
  type ObjectShape,
  type ValueShape,
} from "./value-shape.js";

/** A node of one pipeline file as written, before its templates are compiled. */
export interface RawNodeEntry {
  name: string;
  kind: "llm" | "template" | "pipeline" | "function";
  raw: unknown;
}

/** The outputs of a nested pipeline file, as the node that includes it reads them. */
export interface ChildOutputs {
  /** Undefined when the file's outputs are missing or malformed. */
  outputNames?: readonly string[];
  /** The shape of each output's value, when known. */
  outputShapes?: ReadonlyMap<string, ValueShape>;
}

/**
 * Derives the shape of each node's value in one pipeline file from the
 * nodes as written: an llm node's output and schema, a template that is one
 * reference, a nested pipeline's outputs, foreach. Shapes are worked out on
 * first use, so the order of nodes in the file does not matter, and a cycle
 * (reported elsewhere) yields unknown.
 */
export class NodeShapes {
  private readonly nodes = new Map<string, RawNodeEntry>();
  private readonly shapes = new Map<string, ValueShape>();
  private readonly inProgress = new Set<string>();

  constructor(
    nodes: readonly RawNodeEntry[],
    private readonly children: ReadonlyMap<string, ChildOutputs>,
  ) {
    for (const node of nodes) this.nodes.set(node.name, node);
  }

  /** Returns the shape of a node's value, a list of results under foreach. */
  shapeOf(name: string): ValueShape {
    const known = this.shapes.get(name);
    if (known !== undefined) return known;
    const node = this.nodes.get(name);
    if (node === undefined || this.inProgress.has(name)) return UNKNOWN;
    this.inProgress.add(name);
    const result = this.shapeOfOneResult(node);
    this.inProgress.delete(name);
    const hasForeach = (node.raw as { foreach?: string }).foreach !== undefined;
    const shape = hasForeach ? listOf(result) : result;
    this.shapes.set(name, shape);
    return shape;
  }

  /** Returns the shape of `item` inside a node with foreach: an element of its list. */
  itemShapeOf(name: string): ValueShape {
    const foreach = (this.nodes.get(name)?.raw as { foreach?: string } | undefined)?.foreach;
    if (foreach === undefined) return UNKNOWN;
    return elementShape(this.shapeOfTemplate(foreach));
  }

  /**
   * Returns the shape of a template's value. A template that is exactly one
   * reference has the referenced value; any other template builds a string.
   * `itemShape` is the shape of `item` where the template is read.
   */
  shapeOfTemplate(
    text: string,
    itemShape: ValueShape = UNKNOWN,
    owner = "the template",
  ): ValueShape {
    const parsed = parseTemplate(text);
    if (parsed.errors.length > 0) return UNKNOWN;
    const only = parsed.parts.length === 1 ? parsed.parts[0]! : undefined;
    if (only === undefined || "text" in only) {
      const origin = `${owner} joins text and values into a string`;
      return { kind: "scalar", description: "a string", origin };
    }
    const [first, ...rest] = only.reference.path as [string, ...string[]];
    if (first === "input") return UNKNOWN;
    if (first === "item") return shapeAtPath(itemShape, rest);
    if (first === "index") {
      const origin = "index is the position in the foreach list";
      return shapeAtPath({ kind: "scalar", description: "a number", origin }, rest);
    }
    return shapeAtPath(this.shapeOf(first), rest);
  }

  private shapeOfOneResult(node: RawNodeEntry): ValueShape {
    switch (node.kind) {
      case "llm":
        return this.shapeOfLlmReply(node.name, node.raw as RawLlmNode);
      case "template": {
        const raw = node.raw as RawTemplateNode;
        const owner = `node "${node.name}"`;
        return this.shapeOfTemplate(raw.template, this.itemShapeOf(node.name), owner);
      }
      case "pipeline":
        return this.shapeOfNestedOutputs(node.name);
      case "function":
        // A function may return any JSON value.
        return UNKNOWN;
    }
  }

  private shapeOfLlmReply(name: string, raw: RawLlmNode): ValueShape {
    if ((raw.output ?? "text") === "text") {
      return { kind: "scalar", description: "a string", origin: `node "${name}" has output text` };
    }
    if (raw.schema === undefined) return UNKNOWN;
    return shapeFromJsonSchema(raw.schema, `the JSON schema of node "${name}"`);
  }

  private shapeOfNestedOutputs(name: string): ValueShape {
    const child = this.children.get(name);
    if (child?.outputNames === undefined) return UNKNOWN;
    const fields = new Map<string, ValueShape>();
    for (const output of child.outputNames) {
      fields.set(output, child.outputShapes?.get(output) ?? UNKNOWN);
    }
    const shape: ObjectShape = {
      kind: "object",
      fields,
      isOpen: false,
      origin: `the pipeline of node "${name}"`,
      fieldNoun: "output",
    };
    return shape;
  }
}
