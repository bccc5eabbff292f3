import type { CompiledTemplate, Ref } from "./types.js";

/** A `{{ path }}` found in a template, before its first name is resolved. */
export interface ParsedReference {
  path: string[];
  /** The text between the braces, trimmed. */
  source: string;
  /** Index of the opening `{{` in the template text. */
  offset: number;
}

export type ParsedPart = { text: string } | { reference: ParsedReference };

export interface TemplateSyntaxError {
  /** Index of the opening `{{` the error is about. */
  offset: number;
  message: string;
}

export interface ParsedTemplate {
  parts: ParsedPart[];
  errors: TemplateSyntaxError[];
}

// A path segment: a name (letters, digits, _ and -, not starting with a
// digit or -) or a list index.
const NAME_SEGMENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const INDEX_SEGMENT = /^[0-9]+$/;

/**
 * Splits template text into literal text and `{{ dotted.path }}` references.
 * There is no escape for a literal `{{`, and filters are not supported.
 */
export function parseTemplate(text: string): ParsedTemplate {
  const parts: ParsedPart[] = [];
  const errors: TemplateSyntaxError[] = [];
  let position = 0;
  while (position < text.length) {
    const open = text.indexOf("{{", position);
    if (open < 0) break;
    const close = text.indexOf("}}", open + 2);
    if (close < 0) {
      errors.push({
        offset: open,
        message: "has a {{ that is never closed. Add }} after the name.",
      });
      break;
    }
    if (open > position) parts.push({ text: text.slice(position, open) });
    const source = text.slice(open + 2, close).trim();
    const problem = checkPath(source);
    if (problem) errors.push({ offset: open, message: problem });
    else parts.push({ reference: { path: source.split("."), source, offset: open } });
    position = close + 2;
  }
  if (position < text.length) parts.push({ text: text.slice(position) });
  return { parts, errors };
}

function checkPath(source: string): string | undefined {
  if (source === "") return "has an empty {{ }}. Write a name inside, like {{ input.text }}.";
  if (source.includes("{{")) return `has a {{ inside {{ ${source} }}. Close the first one.`;
  if (/[|(]/.test(source)) {
    return (
      `uses {{ ${source} }}, but templates take only dotted paths; ` +
      "filters and calls are not supported. Use a function node to transform values."
    );
  }
  const segments = source.split(".");
  const isValid = segments.every(
    (segment, i) => NAME_SEGMENT.test(segment) || (i > 0 && INDEX_SEGMENT.test(segment)),
  );
  if (isValid) return undefined;
  return (
    `uses {{ ${source} }}, which is not a dotted path. ` +
    "Write names and list indexes separated by dots, like {{ summary.items.0 }}."
  );
}

/**
 * Builds a template's value. A template that is one reference and nothing
 * else returns the referenced value itself, so a list or object stays one.
 * Otherwise the parts are joined: strings as they are, undefined and null as
 * nothing, anything else as JSON. Runs for every node of every record, so it
 * avoids regular expressions and allocations beyond the result.
 */
export function renderTemplate(
  template: CompiledTemplate,
  resolve: (ref: Ref) => unknown,
): unknown {
  const segments = template.segments;
  if (segments.length === 1) {
    const only = segments[0]!;
    return "ref" in only ? resolve(only.ref) : only.text;
  }
  let result = "";
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if ("text" in segment) {
      result += segment.text;
      continue;
    }
    const value = resolve(segment.ref);
    if (typeof value === "string") result += value;
    else if (value !== undefined && value !== null) result += JSON.stringify(value);
  }
  return result;
}

/**
 * Walks `path` into a value: object keys, and list indexes written as
 * digits. Returns undefined when any step is missing. Only own properties
 * are read, so a path like `constructor` finds nothing.
 */
export function readPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (let i = 0; i < path.length; i++) {
    if (current === null || typeof current !== "object") return undefined;
    const key = path[i]!;
    if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Returns every reference of a template, in order. */
export function templateRefs(template: CompiledTemplate): Ref[] {
  const refs: Ref[] = [];
  for (const segment of template.segments) if ("ref" in segment) refs.push(segment.ref);
  return refs;
}
