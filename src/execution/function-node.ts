import { pathToFileURL } from "node:url";
import type { FunctionNode } from "../graph/types.js";
import { NodeError } from "./node-error.js";
import { renderValue, type Scope } from "./resolve.js";
import { cancelledError, type ExecutionServices, type UserFunction } from "./services.js";

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
    value = await untilAborted(Promise.resolve(fn(args)), services.signal, node, services);
  } catch (error) {
    if (error instanceof NodeError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new NodeError(
      "function",
      `function "${node.exportName}" in ${node.modulePath} threw: ${reason}`,
    );
  }
  const problem = findNonJson(value);
  if (problem !== undefined) {
    throw new NodeError(
      "function",
      `function "${node.exportName}" in ${node.modulePath} returned ${problem}, ` +
        "which cannot be saved as JSON; return plain objects, lists, strings, numbers or null",
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

/**
 * Settles with the function's promise, or rejects when the run is aborted
 * or the node's timeout (default FUNCTION_TIMEOUT_MS) passes, so a function
 * that never settles cannot keep a run open.
 */
function untilAborted(
  running: Promise<unknown>,
  signal: AbortSignal,
  node: FunctionNode,
  services: ExecutionServices,
): Promise<unknown> {
  const timeoutMs = node.timeoutMs ?? FUNCTION_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const stopWaiting = new AbortController();
    const onAbort = () => reject(cancelledError());
    signal.addEventListener("abort", onAbort, { once: true });
    services.clock.sleep(timeoutMs, stopWaiting.signal).then(
      () =>
        reject(
          new NodeError(
            "timeout",
            `function "${node.exportName}" in ${node.modulePath} did not finish within ` +
              `${timeoutMs / 1000} s; a function must settle its promise`,
          ),
        ),
      () => {},
    );
    running
      .then(resolve, reject)
      .finally(() => {
        stopWaiting.abort();
        signal.removeEventListener("abort", onAbort);
      });
  });
}

/**
 * Time a function call may take when its node sets no `timeout`. NOTE: a
 * function that blocks the event loop (a busy loop) cannot be timed out or
 * interrupted, because it runs on the run's own thread.
 */
const FUNCTION_TIMEOUT_MS = 300_000;

/** Describes the first value JSON cannot hold, or returns undefined when there is none. */
function findNonJson(value: unknown, seen = new Set<object>()): string | undefined {
  if (typeof value === "bigint") return "a BigInt";
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return "a symbol";
  if (typeof value === "number" && !Number.isFinite(value)) return `the number ${value}`;
  if (value === null || typeof value !== "object") return undefined;
  if (seen.has(value)) return "an object that contains itself";
  seen.add(value);
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    const problem = findNonJson(item, seen);
    if (problem !== undefined) return problem;
  }
  seen.delete(value);
  return undefined;
}
