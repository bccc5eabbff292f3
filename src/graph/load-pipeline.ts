import path from "node:path";
import { isMap } from "yaml";
import type { ZodType } from "zod";
import { ConfigError, throwIfIssues, type ConfigIssue } from "../config/errors.js";
import { checkShape } from "../config/shape.js";
import { findClosest } from "../config/suggest.js";
import {
  locateKey,
  locateValue,
  readYamlSource,
  type YamlSource,
} from "../config/yaml-source.js";
import type { ResourceConfig } from "../resources/types.js";
import {
  compileFunctionNode,
  compileLlmNode,
  compilePipelineNode,
  compileTemplateNode,
  describeMissingFile,
  type ChildPipeline,
  type CompiledNode,
  type NodeContext,
} from "./compile-nodes.js";
import {
  NODE_KINDS,
  NODE_SCHEMAS,
  PIPELINE_FILE_KEYS,
  lenientPipelineFileSchema,
  pipelineFileSchema,
  type NodeKindKey,
  type RawPipelineFile,
  type RawPipelineNode,
} from "./pipeline-schema.js";
import { NodeShapes } from "./node-shapes.js";
import { compileTemplate, type Scope } from "./references.js";
import { findCycles, sortTopologically } from "./topological-order.js";
import type { CompiledTemplate, Graph } from "./types.js";

export interface LoadPipelineOptions {
  /** When given, every `llm:` alias must be one of its aliases. */
  resources?: ResourceConfig;
}

/**
 * Loads a pipeline file and the pipelines it includes, checks every
 * reference, and compiles it into a Graph with nested pipelines flattened.
 * Throws a ConfigError listing every problem in every file.
 */
export async function loadPipeline(
  file: string,
  options: LoadPipelineOptions = {},
): Promise<Graph> {
  const loader = new PipelineLoader(options.resources);
  const pipeline = await loader.compileFile(path.resolve(file), file, []);
  throwIfIssues(loader.issues);
  if (!pipeline.graph) throw new Error(`unreachable: ${file} failed without an issue`);
  return pipeline.graph;
}

/** Returns a path for messages: relative to the working folder when inside it. */
function displayPath(absolutePath: string): string {
  const relative = path.relative(process.cwd(), absolutePath);
  return relative === "" || relative.startsWith("..") ? absolutePath : relative;
}

const NODE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const RESERVED_NAMES = new Set(["input", "item", "index"]);

interface FileInfo {
  absolutePath: string;
  file: string;
}

/** A node that passed its shape check, before references are resolved. */
interface CheckedNode {
  name: string;
  kind: NodeKindKey;
  raw: unknown;
}

class PipelineLoader {
  readonly issues: ConfigIssue[] = [];
  private readonly compiled = new Map<string, ChildPipeline>();

  constructor(private readonly resources: ResourceConfig | undefined) {}

  /**
   * Compiles one file. `chain` lists the files that include it, outermost
   * first, to catch a file that includes itself.
   */
  async compileFile(
    absolutePath: string,
    file: string,
    chain: readonly FileInfo[],
  ): Promise<ChildPipeline> {
    const cached = this.compiled.get(absolutePath);
    if (cached) return cached;
    const source = await readYamlSource(file, "pipeline file", absolutePath);
    const issueCount = this.issues.length;
    const raw = this.checkFileShape(source);
    const name = raw.name ?? path.basename(file, path.extname(file));
    const inputFields = this.checkInputFields(source, raw.input ?? []);
    const nodes = this.checkNodes(source, raw.nodes);

    const includeChain = [...chain, { absolutePath, file }];
    const children = new Map<string, ChildPipeline>();
    for (const node of nodes.filter((node) => node.kind === "pipeline")) {
      const raw = node.raw as RawPipelineNode;
      const child = await this.loadChild(source, node.name, raw, includeChain);
      if (child) children.set(node.name, child);
    }

    const shapes = new NodeShapes(nodes, children);
    const nodeNames = new Set(Object.keys(raw.nodes ?? {}));
    const context: NodeContext = {
      scope: { source, issues: this.issues, nodeNames, inputFields },
      dir: path.dirname(absolutePath),
      resources: this.resources,
      shapes,
    };
    const compiledNodes: CompiledNode[] = [];
    for (const node of nodes) {
      compiledNodes.push(await this.compileNode(node, context, children.get(node.name)));
    }
    const outputs = this.compileOutputs(raw.outputs ?? {}, context);
    this.checkCycles(source, compiledNodes);

    const result: ChildPipeline = { file, inputFields };
    if (raw.outputs) {
      result.outputNames = Object.keys(raw.outputs);
      result.outputShapes = new Map(
        Object.entries(raw.outputs).map(([name, text]) => [
          name,
          shapes.shapeOfTemplate(text, undefined, `output "${name}" of ${file}`),
        ]),
      );
    }
    if (this.issues.length === issueCount) {
      const graphNodes = sortTopologically(compiledNodes.flatMap((node) => node.nodes));
      result.graph = { name, file, inputFields, nodes: graphNodes, outputs };
    }
    this.compiled.set(absolutePath, result);
    return result;
  }

  private checkFileShape(source: YamlSource): RawPipelineFile {
    const value: unknown = source.doc.toJS();
    const strict = checkShape(
      pipelineFileSchema,
      value,
      source,
      [],
      this.issues,
      PIPELINE_FILE_KEYS,
    );
    if (strict) return strict;
    const lenient = lenientPipelineFileSchema.safeParse(value);
    return lenient.success ? lenient.data : {};
  }

  private checkInputFields(source: YamlSource, fields: string[]): string[] {
    fields.forEach((field, i) => {
      if (fields.indexOf(field) === i) return;
      this.issues.push({
        ...locateValue(source, ["input", i]),
        key: "input",
        message: `input lists ${field} twice. Remove one.`,
      });
    });
    return [...new Set(fields)];
  }

  /** Checks each node's name, kind and shape; returns the nodes that passed. */
  private checkNodes(source: YamlSource, nodes: Record<string, unknown> | undefined) {
    const checked: CheckedNode[] = [];
    if (nodes && Object.keys(nodes).length === 0) {
      this.issues.push({
        ...locateValue(source, ["nodes"]),
        key: "nodes",
        message: "nodes is empty. Add at least one node, like summary: {llm: fast, prompt: ...}.",
      });
    }
    for (const [name, value] of Object.entries(nodes ?? {})) {
      const where = { ...locateKey(source, ["nodes", name]), key: `nodes.${name}` };
      if (!NODE_NAME.test(name)) {
        this.issues.push({
          ...where,
          message:
            `node name "${name}" is invalid. Use letters, digits, _ and -, ` +
            "starting with a letter or _.",
        });
      } else if (RESERVED_NAMES.has(name)) {
        this.issues.push({
          ...where,
          message: `node name "${name}" is reserved for templates. Choose another name.`,
        });
      }
      const kind = this.findKind(source, name, value);
      if (!kind) continue;
      const schema = NODE_SCHEMAS[kind];
      const keys = Object.keys(schema.shape);
      const raw = checkShape(schema as ZodType, value, source, ["nodes", name], this.issues, keys);
      if (raw !== undefined) checked.push({ name, kind, raw });
    }
    return checked;
  }

  private findKind(source: YamlSource, name: string, value: unknown): NodeKindKey | undefined {
    const where = { ...locateKey(source, ["nodes", name]), key: `nodes.${name}` };
    const kinds = ["llm", "template", "pipeline", "function"].join(", ");
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      this.issues.push({
        ...where,
        message: `node "${name}" must be a mapping with one of ${kinds}.`,
      });
      return undefined;
    }
    const present = NODE_KINDS.filter((kind) => kind in value);
    if (present.length === 1) return present[0];
    if (present.length > 1) {
      this.issues.push({
        ...where,
        message: `node "${name}" has ${present.join(" and ")}, but a node has one kind. Keep one.`,
      });
      return undefined;
    }
    const misspelt = Object.keys(value).find((key) => findClosest(key, NODE_KINDS));
    const hint = misspelt ? ` Did you mean "${findClosest(misspelt, NODE_KINDS)}"?` : "";
    this.issues.push({
      ...where,
      message: `node "${name}" has no kind. Add one of ${kinds}.${hint}`,
    });
    return undefined;
  }

  /** Loads the file a pipeline node includes, unless it is missing or circular. */
  private async loadChild(
    source: YamlSource,
    name: string,
    raw: RawPipelineNode,
    chain: readonly FileInfo[],
  ): Promise<ChildPipeline | undefined> {
    const where = {
      ...locateValue(source, ["nodes", name, "pipeline"]),
      key: `nodes.${name}.pipeline`,
    };
    const absolutePath = path.resolve(path.dirname(chain.at(-1)!.absolutePath), raw.pipeline);
    const missing = await describeMissingFile(raw.pipeline, absolutePath);
    if (missing) {
      const fix = "Paths are relative to the pipeline file that includes them.";
      this.issues.push({ ...where, message: `node "${name}" ${missing}. ${fix}` });
      return undefined;
    }
    const loop = chain.findIndex((info) => info.absolutePath === absolutePath);
    const file = displayPath(absolutePath);
    if (loop >= 0) {
      const files = [...chain.slice(loop), chain[loop]!].map((info) => info.file);
      this.issues.push({
        ...where,
        message:
          `node "${name}" includes ${raw.pipeline}, which includes itself: ` +
          `${files.join(" -> ")}. A pipeline cannot include itself, directly or not.`,
      });
      return undefined;
    }
    try {
      return await this.compileFile(absolutePath, file, chain);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      this.issues.push(...error.issues);
      return undefined;
    }
  }

  private async compileNode(
    node: CheckedNode,
    context: NodeContext,
    child: ChildPipeline | undefined,
  ): Promise<CompiledNode> {
    const location = locateKey(context.scope.source, ["nodes", node.name]);
    const raw = node.raw as never;
    switch (node.kind) {
      case "llm":
        return compileLlmNode(node.name, raw, location, context);
      case "template":
        return compileTemplateNode(node.name, raw, location, context);
      case "function":
        return compileFunctionNode(node.name, raw, location, context);
      case "pipeline":
        return compilePipelineNode(node.name, raw, location, context, child);
    }
  }

  private compileOutputs(
    outputs: Record<string, string>,
    context: NodeContext,
  ): Record<string, CompiledTemplate> {
    const compiled: Record<string, CompiledTemplate> = {};
    // Count the entries as written: one with a wrong type is left out of
    // `outputs` and reported on its own, which must not read as empty.
    const written = context.scope.source.doc.get("outputs");
    const isWrittenEmpty = isMap(written) ? written.items.length === 0 : written === null;
    if (Object.keys(outputs).length === 0 && isWrittenEmpty) {
      this.issues.push({
        ...locateValue(context.scope.source, ["outputs"]),
        key: "outputs",
        message: 'outputs is empty. Add at least one output, like label: "{{ category }}".',
      });
    }
    for (const [name, text] of Object.entries(outputs)) {
      const scope: Scope = { ...context.scope, owner: `output "${name}"`, hasForeach: false };
      if (context.shapes !== undefined) scope.shapes = context.shapes;
      compiled[name] = compileTemplate(text, ["outputs", name], scope);
    }
    return compiled;
  }

  private checkCycles(source: YamlSource, nodes: readonly CompiledNode[]): void {
    const vertices = nodes.map((node) => ({ id: node.name, deps: node.levelDeps }));
    for (const cycle of findCycles(vertices)) {
      const first = nodes.find((node) => node.name === cycle[0])!;
      const message =
        cycle.length === 2
          ? `node "${cycle[0]}" uses itself. Remove the reference to ${cycle[0]}.`
          : `nodes form a cycle: ${cycle.join(" -> ")} (each uses the next). ` +
            "Remove one of these references.";
      this.issues.push({ ...first.location, file: source.file, message });
    }
  }
}
