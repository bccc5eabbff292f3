import type { Random } from "../util/clock.js";
import { isRecord } from "./chat-request.js";
import { generateWords } from "./reply-text.js";

type Schema = Record<string, unknown>;

/** Nesting depth after which optional properties and array items are left out. */
const MAX_DEPTH = 8;

/**
 * Builds a value that meets `schema`, choosing enum members, numbers and
 * words with `random`. Supports type (or a list of types), properties and
 * required, items and prefixItems with minItems and maxItems, enum, const,
 * anyOf, oneOf, allOf of objects, local `$ref`s into `$defs` or
 * `definitions`, string minLength and maxLength and common formats,
 * and number bounds.
 *
 * NOTE: `pattern`, `multipleOf`, `uniqueItems` and `not` are not honoured, so
 * a schema that relies on them can get a value that fails it.
 */
export function generateJsonValue(schema: unknown, random: Random): unknown {
  return generateValue(schema, random, isRecord(schema) ? schema : {}, 0);
}

function generateValue(schema: unknown, random: Random, root: Schema, depth: number): unknown {
  if (!isRecord(schema)) return generateWords(random, 2, 6);
  // Required properties are filled past MAX_DEPTH, so a schema that
  // requires itself needs a hard stop.
  if (depth > MAX_DEPTH * 4) return null;
  const resolved = resolveRef(schema, root);
  if ("const" in resolved) return resolved.const;
  if (Array.isArray(resolved.enum) && resolved.enum.length > 0) {
    return resolved.enum[Math.floor(random() * resolved.enum.length)];
  }
  const alternatives = resolved.anyOf ?? resolved.oneOf;
  if (Array.isArray(alternatives) && alternatives.length > 0) {
    // The first alternative that is not plain null, so the reply carries data.
    const choice = alternatives.find((item) => !isNullSchema(item)) ?? alternatives[0];
    return generateValue(choice, random, root, depth + 1);
  }
  if (Array.isArray(resolved.allOf)) {
    return generateValue(mergeAllOf(resolved, root), random, root, depth + 1);
  }
  switch (pickType(resolved)) {
    case "object":
      return generateObject(resolved, random, root, depth);
    case "array":
      return generateArray(resolved, random, root, depth);
    case "integer":
      return generateNumber(resolved, random, true);
    case "number":
      return generateNumber(resolved, random, false);
    case "boolean":
      return random() < 0.5;
    case "null":
      return null;
    default:
      return generateString(resolved, random);
  }
}

function resolveRef(schema: Schema, root: Schema): Schema {
  let current = schema;
  // Bounded so that a $ref pointing at itself cannot loop forever.
  for (let hops = 0; hops < 16 && typeof current.$ref === "string"; hops++) {
    const target = followPointer(root, current.$ref);
    if (!isRecord(target)) return {};
    current = target;
  }
  return current;
}

function followPointer(root: Schema, ref: string): unknown {
  if (ref === "#") return root;
  if (!ref.startsWith("#/")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    node = isRecord(node) ? node[key] : undefined;
  }
  return node;
}

function isNullSchema(schema: unknown): boolean {
  return isRecord(schema) && schema.type === "null";
}

function pickType(schema: Schema): string {
  const type = schema.type;
  if (typeof type === "string") return type;
  if (Array.isArray(type)) {
    const first = type.find((item) => item !== "null") ?? type[0];
    return typeof first === "string" ? first : "string";
  }
  if (isRecord(schema.properties) || Array.isArray(schema.required)) return "object";
  if (schema.items !== undefined || schema.prefixItems !== undefined) return "array";
  return "string";
}

function mergeAllOf(schema: Schema, root: Schema): Schema {
  const properties: Schema = {};
  const required: string[] = [];
  const parts = [schema, ...(schema.allOf as unknown[])];
  for (const part of parts) {
    if (!isRecord(part)) continue;
    const resolved = resolveRef(part, root);
    if (isRecord(resolved.properties)) Object.assign(properties, resolved.properties);
    if (Array.isArray(resolved.required)) required.push(...resolved.required.map(String));
  }
  return { type: "object", properties, required };
}

function generateObject(schema: Schema, random: Random, root: Schema, depth: number): unknown {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required.map(String) : [];
  const value: Record<string, unknown> = {};
  // Optional properties are filled too, until the depth limit, because a
  // pipeline reading one of them should see a value.
  const names = depth < MAX_DEPTH ? Object.keys(properties) : [];
  for (const name of [...names, ...required]) {
    if (name in value) continue;
    value[name] = generateValue(properties[name], random, root, depth + 1);
  }
  return value;
}

function generateArray(schema: Schema, random: Random, root: Schema, depth: number): unknown {
  const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
  const minItems = readBound(schema.minItems) ?? 0;
  const maxItems = readBound(schema.maxItems) ?? Math.max(minItems, 3);
  const wanted = depth < MAX_DEPTH ? 1 + Math.floor(random() * 3) : 0;
  const prefixCount = depth < MAX_DEPTH ? prefix.length : 0;
  const count = Math.min(maxItems, Math.max(minItems, wanted, prefixCount));
  const items: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const itemSchema = i < prefix.length ? prefix[i] : schema.items;
    items.push(generateValue(itemSchema ?? {}, random, root, depth + 1));
  }
  return items;
}

function generateNumber(schema: Schema, random: Random, isInteger: boolean): number {
  const exclusiveMin = readNumber(schema.exclusiveMinimum);
  const exclusiveMax = readNumber(schema.exclusiveMaximum);
  const step = isInteger ? 1 : 0.01;
  let min = typeof schema.minimum === "number" ? schema.minimum : 0;
  if (exclusiveMin !== undefined) min = Math.max(min, exclusiveMin + step);
  let max = typeof schema.maximum === "number" ? schema.maximum : Math.max(min, 0) + 100;
  if (exclusiveMax !== undefined) max = Math.min(max, exclusiveMax - step);
  if (max < min) max = min;
  if (isInteger) {
    const low = Math.ceil(min);
    const high = Math.max(low, Math.floor(max));
    return low + Math.floor(random() * (high - low + 1));
  }
  const value = Math.round((min + random() * (max - min)) * 100) / 100;
  return Math.min(max, Math.max(min, value));
}

function generateString(schema: Schema, random: Random): string {
  let text = formatExample(schema.format, random) ?? generateWords(random, 2, 8);
  const minLength = readBound(schema.minLength) ?? 0;
  const maxLength = readBound(schema.maxLength);
  while (text.length < minLength) text += ` ${generateWords(random, 2, 4)}`;
  if (maxLength !== undefined) text = text.slice(0, maxLength);
  return text;
}

function formatExample(format: unknown, random: Random): string | undefined {
  const n = Math.floor(random() * 9000) + 1000;
  switch (format) {
    case "date-time":
      return "2024-05-17T09:30:00Z";
    case "date":
      return "2024-05-17";
    case "time":
      return "09:30:00Z";
    case "email":
      return `user${n}@example.com`;
    case "uri":
    case "url":
      return `https://example.com/item/${n}`;
    case "uuid":
      return `00000000-0000-4000-8000-00000000${n}`;
    default:
      return undefined;
  }
}

function readNumber(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function readBound(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/**
 * Finds the first JSON Schema object written in a prompt (an object with a
 * `type` or `properties` key), so that JSON mode without a schema parameter
 * can still reply in the shape a prompt spells out.
 */
export function findSchemaInText(text: string): Schema | undefined {
  let start = text.indexOf("{");
  // A bounded number of candidates keeps this cheap on long prompts.
  for (let tries = 0; start >= 0 && tries < 32; tries++) {
    const end = findObjectEnd(text, start);
    if (end > start) {
      const candidate = tryParse(text.slice(start, end + 1));
      if (isRecord(candidate) && ("type" in candidate || "properties" in candidate)) {
        return candidate;
      }
    }
    start = text.indexOf("{", start + 1);
  }
  return undefined;
}

function findObjectEnd(text: string, start: number): number {
  let depth = 0;
  let isInString = false;
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (isInString) {
      if (char === "\\") i++;
      else if (char === '"') isInString = false;
    } else if (char === '"') {
      isInString = true;
    } else if (char === "{") {
      depth++;
    } else if (char === "}") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
