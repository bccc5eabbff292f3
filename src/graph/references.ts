import type { ConfigIssue } from "../config/errors.js";
import { findClosest } from "../config/suggest.js";
import { locateBraces, type YamlPath, type YamlSource } from "../config/yaml-source.js";
import { describePathProblem } from "./field-messages.js";
import { parseTemplate, type ParsedReference } from "./template.js";
import { INDEX, INPUT, ITEM, type CompiledTemplate, type Ref, type Segment } from "./types.js";
import { followPath, type ValueShape } from "./value-shape.js";

/** The names a template may mention, and where its problems are reported. */
export interface Scope {
  source: YamlSource;
  issues: ConfigIssue[];
  /** The template's owner as named in messages: `node "summary"` or `output "label"`. */
  owner: string;
  nodeNames: ReadonlySet<string>;
  inputFields: readonly string[];
  /** True inside a node with foreach, where item and index are bound. */
  hasForeach: boolean;
  /**
   * Shapes of the file's node values, so that a reference into a field a
   * value cannot have is rejected. Without it only first names are checked.
   */
  shapes?: { shapeOf(name: string): ValueShape };
  /** Shape of `item` inside a node with foreach, when its list's elements are known. */
  itemShape?: ValueShape;
}

/**
 * Parses the template at `path` and resolves each reference in `scope`,
 * adding an issue for each problem. `isForeach` marks the foreach template
 * itself, which is read before item and index exist.
 */
export function compileTemplate(
  text: string,
  path: YamlPath,
  scope: Scope,
  isForeach = false,
): CompiledTemplate {
  const parsed = parseTemplate(text);
  for (const error of parsed.errors) {
    scope.issues.push({
      ...locateBraces(scope.source, path, countBraces(text, error.offset)),
      message: `${scope.owner} ${error.message}`,
    });
  }
  const segments: Segment[] = [];
  for (const part of parsed.parts) {
    if ("text" in part) {
      segments.push({ text: part.text });
      continue;
    }
    const result = resolveReference(part.reference, scope, isForeach);
    if (typeof result === "string") {
      const where = locateBraces(scope.source, path, countBraces(text, part.reference.offset));
      scope.issues.push({ ...where, message: result });
    } else {
      segments.push({ ref: result });
    }
  }
  return { source: text, segments };
}

/** Counts the `{{` before `offset`, to find the same one in the YAML source. */
function countBraces(text: string, offset: number): number {
  let count = 0;
  let index = text.indexOf("{{");
  while (index >= 0 && index < offset) {
    count++;
    index = text.indexOf("{{", index + 2);
  }
  return count;
}

/** Returns the resolved Ref, or a message saying what is wrong. */
function resolveReference(
  reference: ParsedReference,
  scope: Scope,
  isForeach: boolean,
): Ref | string {
  const [first, ...rest] = reference.path as [string, ...string[]];
  const uses = `${scope.owner} uses {{ ${reference.source} }}`;
  const ref = (node: string): Ref => ({ node, path: rest, source: reference.source });

  if (first === "input") {
    const field = rest[0];
    if (field === undefined || scope.inputFields.includes(field)) return ref(INPUT);
    const declared = scope.inputFields.length
      ? `input declares ${scope.inputFields.join(", ")}`
      : "input declares no fields";
    const closest = findClosest(field, scope.inputFields);
    const fix = closest
      ? `Did you mean "input.${closest}"?`
      : `Add ${field} to input: if every record has it.`;
    return `${uses}, but ${declared}. ${fix}`;
  }

  if (first === "item" || first === "index") {
    if (isForeach) {
      return `${uses} in its foreach, where ${first} is not bound yet. ` +
        "Walk a list from input or another node.";
    }
    if (!scope.hasForeach) {
      return `${uses}, but ${first} is only bound in a node with foreach. ` +
        'Add foreach: "{{ some_list }}" to the node, or remove the reference.';
    }
    if (first === "index" && rest.length > 0) {
      return `${uses}, but index is a number and has no fields. Write {{ index }}.`;
    }
    if (first === "index") return ref(INDEX);
    return checkFields(scope.itemShape, reference, uses) ?? ref(ITEM);
  }

  if (scope.nodeNames.has(first)) {
    return checkFields(scope.shapes?.shapeOf(first), reference, uses) ?? ref(first);
  }

  return `${uses}, which is not a node or input field. ${suggestName(first, scope)}`;
}

/** Returns why the reference's path cannot exist in a value of `shape`, if it cannot. */
function checkFields(
  shape: ValueShape | undefined,
  reference: ParsedReference,
  uses: string,
): string | undefined {
  if (shape === undefined) return undefined;
  const [root, ...rest] = reference.path as [string, ...string[]];
  const result = followPath(shape, rest);
  return "problem" in result ? describePathProblem(result.problem, uses, root) : undefined;
}

function suggestName(name: string, scope: Scope): string {
  if (scope.inputFields.includes(name)) return `Did you mean "input.${name}"?`;
  const names = [...scope.nodeNames, "input"];
  if (scope.hasForeach) names.push("item", "index");
  const closest = findClosest(name, names);
  if (closest !== undefined) return `Did you mean "${closest}"?`;
  const closestField = findClosest(name, scope.inputFields);
  if (closestField !== undefined) return `Did you mean "input.${closestField}"?`;
  const valid = [...scope.nodeNames, ...scope.inputFields.map((field) => `input.${field}`)];
  return valid.length ? `Valid names: ${valid.join(", ")}.` : "There are no nodes yet.";
}
