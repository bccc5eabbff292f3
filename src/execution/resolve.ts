import { renderTemplate } from "../graph/template.js";
import { INDEX, INPUT, ITEM, type CompiledTemplate, type Ref } from "../graph/types.js";
import { NodeError } from "./node-error.js";

/** The values a template can read while one node of one record runs. */
export interface Scope {
  input: Record<string, unknown>;
  values: unknown[];
  indexOf: Map<string, number>;
  item?: unknown;
  index?: number;
}

/** Looks a reference up in the scope; a missing value is an error, never an empty string. */
export function resolveRef(scope: Scope, ref: Ref): unknown {
  let value: unknown;
  let owner: string;
  if (ref.node === INPUT) {
    value = scope.input;
    owner = "input";
  } else if (ref.node === ITEM) {
    value = scope.item;
    owner = "item";
  } else if (ref.node === INDEX) {
    value = scope.index;
    owner = "index";
  } else {
    const position = scope.indexOf.get(ref.node);
    value = position === undefined ? undefined : scope.values[position];
    owner = ref.node;
  }
  for (let i = 0; i < ref.path.length; i++) {
    const key = ref.path[i]!;
    // Own properties only, so `{{ input.constructor }}` finds nothing.
    const next =
      value !== null && typeof value === "object" && Object.hasOwn(value, key)
        ? (value as Record<string, unknown>)[key]
        : undefined;
    if (next === undefined) {
      const where = [owner, ...ref.path.slice(0, i)].join(".");
      throw new NodeError(
        "template",
        `{{ ${ref.source} }} has no value: ${where} has no field "${key}" ` +
          `(it is ${describe(value)})`,
      );
    }
    value = next;
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "object") {
    const keys = Object.keys(value as object);
    const shown = keys.slice(0, 5).join(", ");
    return keys.length === 0 ? "an empty object" : `an object with ${shown}`;
  }
  return `the ${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}

/** Renders a template to its value: a lone reference keeps its type. */
export function renderValue(template: CompiledTemplate, scope: Scope): unknown {
  return renderTemplate(template, (ref) => resolveRef(scope, ref));
}

/** Renders a template to text, objects and lists as JSON. */
export function renderText(template: CompiledTemplate, scope: Scope): string {
  const value = renderValue(template, scope);
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "";
  return JSON.stringify(value);
}
