import { nextHash } from "./string-hash.js";

const WORDS = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "zeta"];
/** Nesting beyond this gets null, so that a recursive schema still ends. */
const MAX_DEPTH = 8;

type Schema = Record<string, unknown>;

/**
 * Builds a value that meets a JSON Schema, chosen by `seed` so the same seed
 * always gives the same value. Covers what replies use: object (every listed
 * property, required ones included), array (minItems to maxItems), enum,
 * const, string (minLength, maxLength), number and integer (minimum,
 * maximum), boolean, null, anyOf and oneOf. `$ref`, patterns and formats are
 * not followed; such a schema gets a plain value of its type.
 */
export function sampleSchema(schema: unknown, seed: number, depth = 0): unknown {
  if (typeof schema !== "object" || schema === null || depth > MAX_DEPTH) return null;
  const node = schema as Schema;
  if ("const" in node) return node.const;
  if (Array.isArray(node.enum) && node.enum.length > 0) {
    return node.enum[seed % node.enum.length];
  }
  const choices = (node.anyOf ?? node.oneOf) as unknown[] | undefined;
  if (Array.isArray(choices) && choices.length > 0) {
    return sampleSchema(choices[seed % choices.length], nextHash(seed), depth + 1);
  }
  switch (typeOf(node)) {
    case "object":
      return sampleObject(node, seed, depth);
    case "array":
      return sampleArray(node, seed, depth);
    case "string":
      return sampleString(node, seed);
    case "integer":
      return sampleNumber(node, seed, true);
    case "number":
      return sampleNumber(node, seed, false);
    case "boolean":
      return seed % 2 === 0;
    case "null":
      return null;
    default:
      return WORDS[seed % WORDS.length];
  }
}

function typeOf(node: Schema): string | undefined {
  const type = node.type;
  if (typeof type === "string") return type;
  if (Array.isArray(type)) {
    const nonNull = type.find((entry) => entry !== "null");
    return typeof nonNull === "string" ? nonNull : "null";
  }
  if (typeof node.properties === "object") return "object";
  if (typeof node.items === "object") return "array";
  return undefined;
}

function sampleObject(node: Schema, seed: number, depth: number): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  const properties = (node.properties ?? {}) as Record<string, unknown>;
  const required = Array.isArray(node.required) ? (node.required as string[]) : [];
  let hash = seed;
  for (const name of new Set([...Object.keys(properties), ...required])) {
    hash = nextHash(hash);
    value[name] = sampleSchema(properties[name] ?? { type: "string" }, hash, depth + 1);
  }
  return value;
}

function sampleArray(node: Schema, seed: number, depth: number): unknown[] {
  const minItems = typeof node.minItems === "number" ? node.minItems : 1;
  const maxItems = typeof node.maxItems === "number" ? node.maxItems : minItems + 2;
  const length = minItems + (seed % (Math.max(minItems, maxItems) - minItems + 1));
  const items: unknown[] = [];
  let hash = seed;
  for (let index = 0; index < length; index++) {
    hash = nextHash(hash);
    items.push(sampleSchema(node.items ?? { type: "string" }, hash, depth + 1));
  }
  return items;
}

function sampleString(node: Schema, seed: number): string {
  const minLength = typeof node.minLength === "number" ? node.minLength : 0;
  const maxLength = typeof node.maxLength === "number" ? node.maxLength : Infinity;
  let text = WORDS[seed % WORDS.length]!;
  while (text.length < minLength) text += " " + WORDS[(seed + text.length) % WORDS.length];
  return text.slice(0, Math.max(minLength, Math.min(maxLength, text.length)));
}

function sampleNumber(node: Schema, seed: number, isInteger: boolean): number {
  const minimum = numberOr(node.minimum, numberOr(node.exclusiveMinimum, 0, 1), 0);
  const maximum = numberOr(node.maximum, numberOr(node.exclusiveMaximum, minimum + 100, -1), 0);
  const span = Math.max(0, maximum - minimum);
  if (isInteger) {
    const low = Math.ceil(minimum);
    const high = Math.floor(maximum);
    return high < low ? low : low + (seed % (high - low + 1));
  }
  return minimum + ((seed % 1000) / 1000) * span;
}

/** `value` moved by `step` when it is a number, else `fallback`. */
function numberOr(value: unknown, fallback: number, step: number): number {
  return typeof value === "number" ? value + step : fallback;
}
