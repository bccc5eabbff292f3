/**
 * The compiled form of a pipeline: every template parsed, every reference
 * resolved to a node id, nested pipelines flattened. The execution layer runs
 * this and never looks at YAML.
 */

/** Where something was written, for error messages. Line and column count from 1. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** Reference sources that are not nodes. */
export const INPUT = "$input";
export const ITEM = "$item";
export const INDEX = "$index";

/**
 * A resolved `{{ a.b.c }}`: `node` is a node id, or INPUT, ITEM or INDEX,
 * and `path` walks into that value.
 */
export interface Ref {
  node: string;
  path: string[];
  /** The text between the braces, for messages. */
  source: string;
}

export type Segment = { text: string } | { ref: Ref };

/**
 * A parsed template. When it is exactly one reference and nothing else its
 * value is the referenced value itself (an object or list stays one);
 * otherwise the parts are joined as a string, non-strings as JSON.
 */
export interface CompiledTemplate {
  source: string;
  segments: Segment[];
}

interface NodeBase {
  /** Unique in the flattened graph; nested nodes are named `parent/child`. */
  id: string;
  /** Ids of the nodes this one reads, without INPUT, ITEM and INDEX. */
  deps: string[];
  location: SourceLocation;
  /**
   * When set, the node runs once per element of this list, with ITEM and
   * INDEX bound, and its value is the list of results in order.
   */
  foreach?: CompiledTemplate;
}

export interface LlmNode extends NodeBase {
  kind: "llm";
  alias: string;
  prompt: CompiledTemplate;
  system?: CompiledTemplate;
  temperature?: number;
  maxTokens?: number;
  stop?: string[];
  output: "text" | "json";
  /** JSON Schema the parsed reply must meet, when `output` is json. */
  schema?: Record<string, unknown>;
  /** Attempts at a reply that parses and meets the schema. Default 3. */
  maxAttempts: number;
  /** Higher runs first among ready calls of the same alias. Default 0. */
  priority: number;
  timeoutMs?: number;
}

export interface TemplateNode extends NodeBase {
  kind: "template";
  template: CompiledTemplate;
}

/** Builds an object from templates: nested pipeline inputs and outputs. */
export interface ObjectNode extends NodeBase {
  kind: "object";
  fields: Record<string, CompiledTemplate>;
  /**
   * Set on the node that contains a flattened nested pipeline's outputs: the
   * pipeline's name and file, for drawings and messages.
   */
  nestedPipeline?: { name: string; file: string };
}

export interface FunctionNode extends NodeBase {
  kind: "function";
  /** Absolute path of the module. */
  modulePath: string;
  exportName: string;
  with: Record<string, CompiledTemplate>;
  /** Time a call may take, from `timeout`; the executor's default when absent. */
  timeoutMs?: number;
}

/**
 * A nested pipeline under `foreach`: the element count is known only at run
 * time, so its graph runs once per element instead of being flattened.
 */
export interface SubgraphNode extends NodeBase {
  kind: "subgraph";
  graph: Graph;
  with: Record<string, CompiledTemplate>;
  foreach: CompiledTemplate;
}

export type GraphNode = LlmNode | TemplateNode | ObjectNode | FunctionNode | SubgraphNode;

export interface Graph {
  name: string;
  file: string;
  /** Fields every input record must carry. */
  inputFields: string[];
  /** In topological order: every node comes after its deps. */
  nodes: GraphNode[];
  outputs: Record<string, CompiledTemplate>;
}
