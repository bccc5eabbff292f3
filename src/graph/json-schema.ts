import { createRequire } from "node:module";
import type { Ajv as AjvInstance, ErrorObject } from "ajv";

const require = createRequire(import.meta.url);

let shared: AjvInstance | undefined;

/**
 * Returns the one ajv instance of the process (compiled validators are
 * cached by schema), loading ajv on first use: it costs about 10 MB of
 * memory, which pipelines without a schema never need.
 * Formats ("format: email") are not checked, because ajv needs the separate
 * ajv-formats package for them; unknown keywords are still rejected, which
 * catches typos such as "requried".
 */
function getAjv(): AjvInstance {
  if (shared === undefined) {
    const { Ajv } = require("ajv") as typeof import("ajv");
    shared = new Ajv({
      allErrors: true,
      strict: true,
      strictTypes: false,
      strictTuples: false,
      validateFormats: false,
    });
  }
  return shared;
}

/**
 * Compiles a JSON Schema (draft-07) into a checker that returns one message
 * per problem, like `/label: must be one of billing, bug, other`; an empty
 * list means the value is valid. Throws when the schema itself is invalid.
 */
export function compileJsonSchema(schema: object): (value: unknown) => string[] {
  const validate = getAjv().compile(schema);
  return (value) => {
    if (validate(value)) return [];
    return (validate.errors ?? []).map(formatSchemaError);
  };
}

/** Returns why a schema cannot be compiled, or undefined when it can. */
export function findJsonSchemaProblem(schema: object): string | undefined {
  try {
    getAjv().compile(schema);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function formatSchemaError(error: ErrorObject): string {
  const where = error.instancePath === "" ? "/" : error.instancePath;
  if (error.keyword === "enum") {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
    const values = allowed.map((value) =>
      typeof value === "string" ? value : JSON.stringify(value),
    );
    return `${where}: must be one of ${values.join(", ")}`;
  }
  if (error.keyword === "additionalProperties") {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    return `${where}: must not have property "${extra}"`;
  }
  return `${where}: ${error.message ?? "is invalid"}`;
}

const JSON_TYPES = ["string", "number", "integer", "boolean", "object", "array", "null"];
/** Keywords whose values are data, not schemas, so a "type" inside them is data too. */
const DATA_KEYWORDS = new Set(["enum", "const", "default", "examples"]);

/** A `type` that names no JSON type, at its path inside the schema. */
export interface SchemaTypeProblem {
  path: string[];
  written: string;
}

/**
 * Finds every `type` in a schema that names no JSON type, such as
 * "objekt" or "strin", so the error can point at that line rather than
 * at the whole schema.
 */
export function findSchemaTypeProblems(schema: unknown, path: string[] = []): SchemaTypeProblem[] {
  if (schema === null || typeof schema !== "object") return [];
  if (Array.isArray(schema)) {
    return schema.flatMap((item, index) => findSchemaTypeProblems(item, [...path, String(index)]));
  }
  const problems: SchemaTypeProblem[] = [];
  for (const [key, value] of Object.entries(schema)) {
    if (DATA_KEYWORDS.has(key)) continue;
    const types = typeof value === "string" ? [value] : undefined;
    const list = Array.isArray(value) && value.every((item) => typeof item === "string");
    if (key === "type" && (types !== undefined || list)) {
      for (const written of types ?? (value as string[])) {
        if (!JSON_TYPES.includes(written)) problems.push({ path: [...path, key], written });
      }
      continue;
    }
    problems.push(...findSchemaTypeProblems(value, [...path, key]));
  }
  return problems;
}

/** Returns the JSON types a schema's `type` may name, for messages. */
export function jsonTypeNames(): string[] {
  return [...JSON_TYPES];
}
