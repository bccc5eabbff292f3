import { readFile } from "node:fs/promises";
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import type { Document, Node } from "yaml";
import type { SourceLocation } from "../graph/types.js";
import { ConfigError } from "./errors.js";

/** A parsed YAML file that can still tell where each value was written. */
export interface YamlSource {
  /** The path as the user gave it, for messages. */
  file: string;
  text: string;
  doc: Document;
  lineCounter: LineCounter;
}

export type YamlPath = readonly (string | number)[];

/**
 * Reads and parses a YAML file. A missing file, a YAML syntax error or an
 * empty file throws a ConfigError; `role` names the file's role in messages.
 * `file` is the path shown in messages; `readFrom` defaults to it.
 */
export async function readYamlSource(
  file: string,
  role: string,
  readFrom: string = file,
): Promise<YamlSource> {
  let text: string;
  try {
    text = await readFile(readFrom, "utf8");
  } catch (error) {
    throw new ConfigError([{ file, line: 0, column: 0, message: describeReadError(error, role) }]);
  }
  return parseYamlSource(file, text, role);
}

export function parseYamlSource(file: string, text: string, role: string): YamlSource {
  const lineCounter = new LineCounter();
  // prettyErrors is off because its messages quote the source line, which
  // may hold an API key.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const source: YamlSource = { file, text, doc, lineCounter };
  const firstError = doc.errors[0];
  if (firstError) {
    // Later parser errors are mostly echoes of the first one, so only the
    // first is reported.
    const { file: _, ...where } = locateOffset(source, firstError.pos[0]);
    const message = `invalid YAML: ${firstError.message}`;
    throw new ConfigError([{ file, ...where, message }]);
  }
  if (doc.contents === null) {
    throw new ConfigError([{ file, line: 0, column: 0, message: `the ${role} is empty` }]);
  }
  return source;
}

function describeReadError(error: unknown, role: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return `${role} not found. Check the path.`;
  if (code === "EISDIR") return `${role} is a folder; give the path of a YAML file.`;
  if (code === "EACCES") return `${role} cannot be read: permission denied.`;
  return `${role} cannot be read: ${(error as Error).message}`;
}

export function locateOffset(source: YamlSource, offset: number): SourceLocation {
  const { line, col } = source.lineCounter.linePos(offset);
  return { file: source.file, line, column: col };
}

/** Returns the YAML node at `path`, or undefined when some key is absent. */
export function nodeAt(source: YamlSource, path: YamlPath): Node | undefined {
  const node = source.doc.getIn(path, true);
  return isNode(node) ? node : undefined;
}

/**
 * Returns where the value at `path` was written. When it is absent (a missing
 * required key), the nearest enclosing value that exists is used.
 */
export function locateValue(source: YamlSource, path: YamlPath): SourceLocation {
  for (let length = path.length; length >= 0; length--) {
    const node = length === 0 ? source.doc.contents : nodeAt(source, path.slice(0, length));
    if (node && isNode(node) && node.range) return locateOffset(source, node.range[0]);
  }
  return { file: source.file, line: 1, column: 1 };
}

/** Returns where the key of the entry at `path` was written, for unknown-key messages. */
export function locateKey(source: YamlSource, path: YamlPath): SourceLocation {
  const parent =
    path.length === 1 ? source.doc.contents : nodeAt(source, path.slice(0, -1));
  const last = path[path.length - 1];
  if (isMap(parent)) {
    for (const pair of parent.items) {
      const key = pair.key;
      if (isScalar(key) && key.value === last && key.range) {
        return locateOffset(source, key.range[0]);
      }
    }
  }
  if (isSeq(parent)) return locateValue(source, path);
  return locateValue(source, path.slice(0, -1));
}

/**
 * Returns where the `occurrence`-th (from 0) `{{` of a string scalar was written.
 * Counting `{{` in the raw source finds it whatever the quoting or block
 * style, because no YAML style rewrites braces.
 */
export function locateBraces(
  source: YamlSource,
  path: YamlPath,
  occurrence: number,
): SourceLocation {
  const node = nodeAt(source, path);
  if (!isScalar(node) || !node.range) return locateValue(source, path);
  const raw = source.text.slice(node.range[0], node.range[1]);
  let index = -2;
  for (let seen = 0; seen <= occurrence; seen++) {
    index = raw.indexOf("{{", index + 2);
    if (index < 0) return locateOffset(source, node.range[0]);
  }
  return locateOffset(source, node.range[0] + index);
}

/** Dotted key path for messages: `endpoints.smart[1].model`. */
export function formatPath(path: YamlPath): string {
  let text = "";
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else text += text === "" ? part : `.${part}`;
  }
  return text;
}
