import { spawnSync } from "node:child_process";
import { stat } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { findClosest, suggest } from "../config/suggest.js";
import { locateValue, type YamlPath } from "../config/yaml-source.js";
import type { ResourceConfig } from "../resources/types.js";
import { depsOf, nodeTemplates } from "./graph-nodes.js";
import {
  findJsonSchemaProblem,
  findSchemaTypeProblems,
  jsonTypeNames,
} from "./json-schema.js";
import { flattenPipeline } from "./nested.js";
import type { ChildOutputs, NodeShapes } from "./node-shapes.js";
import type {
  RawFunctionNode,
  RawLlmNode,
  RawPipelineNode,
  RawTemplateNode,
} from "./pipeline-schema.js";
import { compileTemplate, type Scope } from "./references.js";
import { parseTemplate } from "./template.js";
import { checkTemperature } from "./temperature-range.js";
import type {
  CompiledTemplate,
  FunctionNode,
  Graph,
  GraphNode,
  LlmNode,
  SourceLocation,
  TemplateNode,
} from "./types.js";

/** Context for compiling one node of a file: the shared scope, folder and resources. */
export interface NodeContext {
  /** Scope shared by the file's nodes; the other Scope fields are set per node. */
  scope: Omit<Scope, "owner" | "hasForeach" | "shapes" | "itemShape">;
  /** Absolute folder of the pipeline file, which relative paths start from. */
  dir: string;
  resources?: ResourceConfig;
  /** Shapes of the file's node values; without them fields are not checked. */
  shapes?: NodeShapes;
}

/** A node compiled: what it reads at its own level, and its graph nodes. */
export interface CompiledNode {
  name: string;
  location: SourceLocation;
  /** Names of nodes in the same file that it reads, for cycle checks. */
  levelDeps: string[];
  /** One node, or several for a flattened nested pipeline. */
  nodes: GraphNode[];
}

/** The parts of a nested pipeline that its parent needs. */
export interface ChildPipeline extends ChildOutputs {
  file: string;
  inputFields: readonly string[];
  /** Undefined when the child file has problems of its own. */
  graph?: Graph;
}

function scopeFor(context: NodeContext, name: string, hasForeach: boolean): Scope {
  const scope: Scope = { ...context.scope, owner: `node "${name}"`, hasForeach };
  if (context.shapes !== undefined) {
    scope.shapes = context.shapes;
    if (hasForeach) scope.itemShape = context.shapes.itemShapeOf(name);
  }
  return scope;
}

function compileForeach(
  raw: { foreach?: string },
  nodePath: readonly [string, string],
  scope: Scope,
  context: NodeContext,
) {
  if (raw.foreach === undefined) return undefined;
  const compiled = compileTemplate(raw.foreach, [...nodePath, "foreach"], scope, true);
  checkForeachIsList(nodePath[1], raw.foreach, context);
  return compiled;
}

/**
 * Rejects a foreach over a value known not to be a list, which would fail
 * every record. Only a foreach that is one reference is checked.
 */
function checkForeachIsList(name: string, foreach: string, context: NodeContext): void {
  // NOTE: a foreach with text around its reference builds a string and
  // fails at run time too, but it is left to the run.
  if (parseTemplate(foreach).parts.length !== 1) return;
  const shape = context.shapes?.shapeOfTemplate(foreach, undefined, "the foreach");
  if (shape === undefined || (shape.kind !== "scalar" && shape.kind !== "object")) return;
  const gives =
    shape.kind === "scalar"
      ? `${shape.description} (${shape.origin})`
      : `an object (${shape.origin})`;
  const { source, issues } = context.scope;
  issues.push({
    ...locateValue(source, ["nodes", name, "foreach"]),
    key: `nodes.${name}.foreach`,
    message:
      `node "${name}" has foreach: "${foreach}", which gives ${gives}, not a list. ` +
      "Point foreach at a list, like a JSON field whose schema has type: array.",
  });
}

function compileBindings(
  bindings: Record<string, string>,
  nodePath: YamlPath,
  scope: Scope,
): Record<string, CompiledTemplate> {
  const compiled: Record<string, CompiledTemplate> = {};
  for (const [field, text] of Object.entries(bindings)) {
    compiled[field] = compileTemplate(text, [...nodePath, "with", field], scope);
  }
  return compiled;
}

function finish(name: string, location: SourceLocation, node: GraphNode): CompiledNode {
  node.deps = depsOf(nodeTemplates(node));
  return { name, location, levelDeps: node.deps, nodes: [node] };
}

export function compileLlmNode(
  name: string,
  raw: RawLlmNode,
  location: SourceLocation,
  context: NodeContext,
): CompiledNode {
  const nodePath = ["nodes", name] as const;
  const scope = scopeFor(context, name, raw.foreach !== undefined);
  const foreach = compileForeach(raw, nodePath, scope, context);
  const node: LlmNode = {
    kind: "llm",
    id: name,
    deps: [],
    location,
    alias: raw.llm,
    prompt: compileTemplate(raw.prompt, [...nodePath, "prompt"], scope),
    output: raw.output ?? "text",
    maxAttempts: raw.max_attempts ?? 3,
    priority: raw.priority ?? 0,
  };
  if (foreach) node.foreach = foreach;
  if (raw.system !== undefined) {
    node.system = compileTemplate(raw.system, [...nodePath, "system"], scope);
  }
  if (raw.temperature !== undefined) node.temperature = raw.temperature;
  if (raw.max_tokens !== undefined) node.maxTokens = raw.max_tokens;
  if (raw.stop !== undefined) node.stop = typeof raw.stop === "string" ? [raw.stop] : raw.stop;
  if (raw.timeout !== undefined) node.timeoutMs = Math.round(raw.timeout * 1000);
  if (raw.schema !== undefined) node.schema = raw.schema;
  checkAlias(name, raw.llm, context);
  checkSchema(name, raw, context);
  if (raw.temperature !== undefined && context.resources !== undefined) {
    const { source, issues } = context.scope;
    const where = {
      ...locateValue(source, [...nodePath, "temperature"]),
      key: `nodes.${name}.temperature`,
    };
    for (const message of checkTemperature(name, raw.temperature, raw.llm, context.resources)) {
      issues.push({ ...where, message });
    }
  }
  return finish(name, location, node);
}

function checkAlias(name: string, alias: string, context: NodeContext): void {
  const resources = context.resources;
  if (!resources || resources.aliases.has(alias)) return;
  const { source, issues } = context.scope;
  const aliases = [...resources.aliases.keys()];
  issues.push({
    ...locateValue(source, ["nodes", name, "llm"]),
    key: `nodes.${name}.llm`,
    message:
      `node "${name}" uses alias "${alias}", which is not in ${resources.file}. ` +
      suggest(alias, aliases, "aliases"),
  });
}

function checkSchema(name: string, raw: RawLlmNode, context: NodeContext): void {
  if (raw.schema === undefined) return;
  const { source, issues } = context.scope;
  const where = { ...locateValue(source, ["nodes", name, "schema"]), key: `nodes.${name}.schema` };
  if ((raw.output ?? "text") !== "json") {
    issues.push({
      ...where,
      message:
        `node "${name}" has a schema, but its output is text. ` +
        "Add output: json, or remove the schema.",
    });
    return;
  }
  const typeProblems = findSchemaTypeProblems(raw.schema);
  for (const { path: schemaPath, written } of typeProblems) {
    const types = jsonTypeNames();
    const closest = findClosest(written, types);
    const hint =
      closest === undefined ? `use one of ${types.join(", ")}` : `did you mean "${closest}"?`;
    issues.push({
      ...locateValue(source, ["nodes", name, "schema", ...schemaPath]),
      key: ["nodes", name, "schema", ...schemaPath].join("."),
      message:
        `node "${name}" has type "${written}" in its schema, which is not a JSON type; ` + hint,
    });
  }
  if (typeProblems.length > 0) return;
  const problem = findJsonSchemaProblem(raw.schema);
  if (problem === undefined) return;
  issues.push({
    ...where,
    message: `node "${name}" has an invalid JSON Schema: ${problem}. Fix the schema.`,
  });
}

export function compileTemplateNode(
  name: string,
  raw: RawTemplateNode,
  location: SourceLocation,
  context: NodeContext,
): CompiledNode {
  const nodePath = ["nodes", name] as const;
  const scope = scopeFor(context, name, raw.foreach !== undefined);
  const foreach = compileForeach(raw, nodePath, scope, context);
  const node: TemplateNode = {
    kind: "template",
    id: name,
    deps: [],
    location,
    template: compileTemplate(raw.template, [...nodePath, "template"], scope),
  };
  if (foreach) node.foreach = foreach;
  return finish(name, location, node);
}

const EXPORT_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export async function compileFunctionNode(
  name: string,
  raw: RawFunctionNode,
  location: SourceLocation,
  context: NodeContext,
): Promise<CompiledNode> {
  const nodePath = ["nodes", name] as const;
  const scope = scopeFor(context, name, raw.foreach !== undefined);
  const foreach = compileForeach(raw, nodePath, scope, context);
  const hash = raw.function.lastIndexOf("#");
  const modulePart = hash < 0 ? raw.function : raw.function.slice(0, hash);
  const exportName = hash < 0 ? "default" : raw.function.slice(hash + 1);
  const modulePath = path.resolve(context.dir, modulePart);
  const node: FunctionNode = {
    kind: "function",
    id: name,
    deps: [],
    location,
    modulePath,
    exportName,
    with: compileBindings(raw.with ?? {}, nodePath, scope),
  };
  if (foreach) node.foreach = foreach;
  if (raw.timeout !== undefined) node.timeoutMs = Math.round(raw.timeout * 1000);
  const problem =
    modulePart === ""
      ? "has no module path before #"
      : !EXPORT_NAME.test(exportName)
        ? `names export "${exportName}", which is not a JavaScript identifier`
        : ((await describeMissingFile(modulePart, modulePath)) ??
          (await describeMissingExport(modulePart, modulePath, exportName)));
  if (problem) {
    // The form of the value helps only when the value itself is the problem.
    const isFormProblem = modulePart === "" || !EXPORT_NAME.test(exportName);
    const isPathProblem = problem.includes("does not exist") || problem.includes("is not a file");
    const advice =
      isFormProblem || isPathProblem
        ? " Write function: ./path/to/module.mjs#exportName, with the path relative to the " +
          "pipeline file."
        : "";
    context.scope.issues.push({
      ...locateValue(context.scope.source, [...nodePath, "function"]),
      key: `nodes.${name}.function`,
      message: `node "${name}" ${problem}.${advice}`,
    });
  }
  return finish(name, location, node);
}

/**
 * Returns the file and line of a syntax error in an ES module. Node keeps
 * them out of the error's message and stack, so the file is checked again
 * with `node --check`, whose report starts with them. This runs only when
 * a module failed to load.
 */
function syntaxErrorPlace(absolutePath: string): string | undefined {
  const check = spawnSync(process.execPath, ["--check", absolutePath], { encoding: "utf8" });
  const first = check.stderr?.split("\n", 1)[0] ?? "";
  const match = /^(?:file:\/\/)?(\/.+:\d+)$/.exec(first);
  return match ? path.relative(process.cwd(), match[1]!) : undefined;
}

/**
 * Returns why the module has no function of that name, or undefined when it
 * has one. The module is imported, so its top-level code runs at load time,
 * as it would when the run first calls it. The run reuses the import.
 */
async function describeMissingExport(
  written: string,
  absolutePath: string,
  exportName: string,
): Promise<string | undefined> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(absolutePath).href)) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const where = error instanceof SyntaxError ? syntaxErrorPlace(absolutePath) : undefined;
    return `uses ${written}, which could not be loaded (${reason}${where ? ` at ${where}` : ""})`;
  }
  if (typeof module[exportName] === "function") return undefined;
  if (exportName in module) {
    const kind = module[exportName] === null ? "null" : typeof module[exportName];
    return `uses ${written}#${exportName}, which that module exports as a ${kind}, not a function`;
  }
  if (exportName === "default") {
    return (
      `uses ${written} without #name, and that module has no default export; ` +
      "name the export after #"
    );
  }
  const functions = Object.keys(module).filter((key) => typeof module[key] === "function");
  const closest = findClosest(exportName, functions);
  const hint =
    closest !== undefined
      ? `did you mean "${closest}"?`
      : `it exports ${functions.length > 0 ? functions.join(", ") : "no functions"}`;
  return `uses ${written}#${exportName}, but that module has no exported function (${hint})`;
}

/** Returns why `absolutePath` is not a readable file, or undefined when it is one. */
export async function describeMissingFile(
  written: string,
  absolutePath: string,
): Promise<string | undefined> {
  try {
    const info = await stat(absolutePath);
    return info.isFile() ? undefined : `uses ${written}, which is not a file`;
  } catch {
    return `uses ${written}, which does not exist (looked for ${absolutePath})`;
  }
}

export function compilePipelineNode(
  name: string,
  raw: RawPipelineNode,
  location: SourceLocation,
  context: NodeContext,
  child: ChildPipeline | undefined,
): CompiledNode {
  const nodePath = ["nodes", name] as const;
  const scope = scopeFor(context, name, raw.foreach !== undefined);
  const foreach = compileForeach(raw, nodePath, scope, context);
  const bindings = compileBindings(raw.with ?? {}, nodePath, scope);
  if (child) checkBindings(name, raw, child, context);
  const templates = Object.values(bindings);
  if (foreach) templates.push(foreach);
  const levelDeps = depsOf(templates);
  if (!child?.graph) return { name, location, levelDeps, nodes: [] };

  if (foreach) {
    const node: GraphNode = {
      kind: "subgraph",
      id: name,
      deps: levelDeps,
      location,
      graph: child.graph,
      with: bindings,
      foreach,
    };
    return { name, location, levelDeps, nodes: [node] };
  }
  const nodes = flattenPipeline(name, child.graph, bindings, location);
  return { name, location, levelDeps, nodes };
}

/** The `with` of a nested pipeline must bind each of its input fields, and no others. */
function checkBindings(
  name: string,
  raw: RawPipelineNode,
  child: ChildPipeline,
  context: NodeContext,
): void {
  const { source, issues } = context.scope;
  const bound = Object.keys(raw.with ?? {});
  const missing = child.inputFields.filter((field) => !bound.includes(field));
  if (missing.length > 0) {
    const example = missing.map((field) => `${field}: "{{ ... }}"`).join(", ");
    issues.push({
      ...locateValue(source, ["nodes", name, raw.with ? "with" : "pipeline"]),
      key: `nodes.${name}.with`,
      message:
        `node "${name}" does not bind ${missing.join(", ")}, which ${child.file} declares ` +
        `in input. Add under with: ${example}.`,
    });
  }
  for (const field of bound.filter((field) => !child.inputFields.includes(field))) {
    const closest = findClosest(field, child.inputFields);
    const fix = closest
      ? `Did you mean "${closest}"?`
      : child.inputFields.length
        ? `Its input fields are ${child.inputFields.join(", ")}.`
        : "It declares no input fields; remove the binding.";
    issues.push({
      ...locateValue(source, ["nodes", name, "with", field]),
      key: `nodes.${name}.with.${field}`,
      message:
        `node "${name}" binds ${field}, but ${child.file} has no input field "${field}". ` +
        fix,
    });
  }
}
