import { pathToFileURL } from "node:url";
import type { FunctionNode } from "../graph/types.js";
import { NodeError } from "./node-error.js";
import { renderValue, type Scope } from "./resolve.js";
import type { ExecutionServices, UserFunction } from "./services.js";

/**
 * Loads users' functions, each module once per run. The import runs the
 * module's top level, so caching also keeps its side effects to one.
 */
export function createFunctionLoader(): (path: string, name: string) => Promise<UserFunction> {
  const modules = new Map<string, Promise<Record<string, unknown>>>();
  return async (modulePath, exportName) => {
    let loading = modules.get(modulePath);
    if (loading === undefined) {
      loading = import(pathToFileURL(modulePath).href) as Promise<Record<string, unknown>>;
      modules.set(modulePath, loading);
    }
    let module: Record<string, unknown>;
    try {
      module = await loading;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new NodeError("function", `could not load ${modulePath}: ${reason}`);
    }
    const fn = module[exportName];
    if (typeof fn !== "function") {
      const found = Object.keys(module).join(", ") || "nothing";
      throw new NodeError(
        "function",
        `${modulePath} has no exported function "${exportName}" (it exports ${found})`,
      );
    }
    return fn as UserFunction;
  };
}

/** Calls a user's function with its resolved `with` values; a throw fails the node. */
export async function runFunctionNode(
  node: FunctionNode,
  scope: Scope,
  services: ExecutionServices,
): Promise<unknown> {
  const args: Record<string, unknown> = {};
  for (const [name, template] of Object.entries(node.with)) {
    args[name] = renderValue(template, scope);
  }
  const fn = await services.loadFunction(node.modulePath, node.exportName);
  let value: unknown;
  try {
    value = await fn(args);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new NodeError(
      "function",
      `function "${node.exportName}" in ${node.modulePath} threw: ${reason}`,
    );
  }
  if (value === undefined) {
    throw new NodeError(
      "function",
      `function "${node.exportName}" in ${node.modulePath} returned undefined; ` +
        "return a JSON value (null is allowed)",
    );
  }
  return value;
}
