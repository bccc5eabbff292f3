import { UNKNOWN, listOf, type ValueShape } from "./value-shape.js";

/*
 * Keywords that add or replace properties from elsewhere (a referenced or
 * combined schema). A level that has one of them is left unknown rather
 * than merged, so no valid reference is ever rejected.
 */
const COMBINING_KEYWORDS = [
  "$ref",
  "allOf",
  "anyOf",
  "oneOf",
  "if",
  "then",
  "else",
  "dependencies",
  "dependentSchemas",
];

const SCALAR_TYPES: Record<string, string> = {
  string: "a string",
  number: "a number",
  integer: "a number",
  boolean: "a boolean",
  null: "null",
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Derives the shape of the values a JSON Schema (draft-07) accepts, as far
 * as templates care. An object level is known when it lists `properties`,
 * or sets `additionalProperties: false`. Fields beyond the listed ones are
 * rejected unless `additionalProperties` is `true` or a schema, or
 * `patternProperties` is set, because each declares that other fields are
 * expected.
 * When `additionalProperties` is left out, the listed properties are taken
 * as the fields a template can rely on, although JSON Schema would accept
 * others. `origin` names the schema in messages.
 */
export function shapeFromJsonSchema(schema: unknown, origin: string): ValueShape {
  if (!isPlainObject(schema)) return UNKNOWN;
  if (COMBINING_KEYWORDS.some((keyword) => keyword in schema)) return UNKNOWN;
  const types = readTypes(schema.type);
  const nonNull = types?.filter((type) => type !== "null");

  const hasObjectType = nonNull === undefined || (nonNull.length === 1 && nonNull[0] === "object");
  if (hasObjectType && ("properties" in schema || schema.additionalProperties === false)) {
    return objectShape(schema, origin);
  }
  const hasArrayType = nonNull?.length === 1 && nonNull[0] === "array";
  if (hasArrayType) {
    // A list form of `items` describes a tuple, element by element.
    const items = isPlainObject(schema.items) ? shapeFromJsonSchema(schema.items, origin) : UNKNOWN;
    return listOf(items);
  }
  if (types !== undefined && types.length > 0 && types.every((type) => type in SCALAR_TYPES)) {
    const descriptions = [...new Set(types.map((type) => SCALAR_TYPES[type]!))];
    const description = descriptions.join(" or ");
    return { kind: "scalar", description, origin: `${origin} says so` };
  }
  return UNKNOWN;
}

function readTypes(type: unknown): string[] | undefined {
  if (typeof type === "string") return [type];
  if (Array.isArray(type) && type.every((item) => typeof item === "string")) return type;
  return undefined;
}

function objectShape(schema: Record<string, unknown>, origin: string): ValueShape {
  const properties = isPlainObject(schema.properties) ? schema.properties : {};
  const names = Object.keys(properties);
  const additional = schema.additionalProperties;
  // Nothing listed and other properties allowed: any field may be there.
  if (names.length === 0 && additional !== false) return UNKNOWN;
  const isOpen =
    additional === true || isPlainObject(additional) || "patternProperties" in schema;
  const fields = new Map<string, ValueShape>();
  for (const name of names) fields.set(name, shapeFromJsonSchema(properties[name], origin));
  return { kind: "object", fields, isOpen, origin, fieldNoun: "property" };
}
