import type { z } from "zod";
import type { ConfigIssue } from "./errors.js";
import { findClosest, suggest } from "./suggest.js";
import {
  formatPath,
  locateKey,
  locateValue,
  type YamlPath,
  type YamlSource,
} from "./yaml-source.js";

/** Keys whose values must never be echoed in a message. */
const SECRET_KEYS = new Set(["api_key"]);

/**
 * Checks `value` (found at `path` in `source`) against a zod schema, adding
 * an issue with file, line and column for each problem. Returns the parsed
 * value, or undefined when there were problems.
 *
 * Each check in the schemas carries its expectation as its error text
 * ("a whole number of at least 1"), so messages read the same everywhere.
 * `validKeys` lists the keys an unknown key is compared with.
 */
export function checkShape<T>(
  schema: z.ZodType<T>,
  value: unknown,
  source: YamlSource,
  path: YamlPath,
  issues: ConfigIssue[],
  validKeys: readonly string[] = [],
): T | undefined {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const issuePath = [...path, ...(issue.path as (string | number)[])];
    const relative = issue.path as (string | number)[];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const keyPath = [...issuePath, key];
        issues.push({
          ...locateKey(source, keyPath),
          key: formatPath(keyPath),
          message: describeUnknownKey(issuePath, key, validKeys),
        });
      }
      continue;
    }
    const received = readPath(value, relative);
    issues.push({
      ...locateValue(source, issuePath),
      key: formatPath(issuePath),
      message: describeIssue(issue, issuePath, received),
    });
  }
  return undefined;
}

function describeUnknownKey(path: YamlPath, key: string, validKeys: readonly string[]): string {
  const where = path.length === 0 ? "at the top level" : `in ${formatPath(path)}`;
  return `unknown key "${key}" ${where}. ${suggest(key, validKeys, "keys")}`;
}

function describeIssue(issue: z.core.$ZodIssue, path: YamlPath, received: unknown): string {
  const key = formatPath(path);
  const last = path[path.length - 1];
  const expected = issue.message;
  if (received === undefined) {
    return `${key} is missing. Add "${String(last)}:" with ${expected}.`;
  }
  const isSecret = typeof last === "string" && SECRET_KEYS.has(last);
  let text = `${key} must be ${expected}, received ${describeValue(received, isSecret)}.`;
  if (issue.code === "invalid_value" && typeof received === "string") {
    const closest = findClosest(received, issue.values.map(String));
    if (closest !== undefined) text += ` Did you mean "${closest}"?`;
  }
  return text;
}

/** Shows a received value in a message; secrets show only their type. */
export function describeValue(value: unknown, isSecret = false): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (isSecret) return `a ${typeof value} (hidden)`;
  if (typeof value === "string") {
    const truncated = value.length > 40 ? value.slice(0, 40) + "..." : value;
    return JSON.stringify(truncated);
  }
  return String(value);
}

function readPath(value: unknown, path: readonly (string | number)[]): unknown {
  let current = value;
  for (const part of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}
