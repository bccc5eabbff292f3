import { Ajv, type ErrorObject } from "ajv";

// One instance for the process: compiled validators are cached by schema.
// Formats ("format: email") are not checked, because ajv needs the separate
// ajv-formats package for them; unknown keywords are still rejected, which
// catches typos such as "requried".
const ajv = new Ajv({
  allErrors: true,
  strict: true,
  strictTypes: false,
  strictTuples: false,
  validateFormats: false,
});

/**
 * Compiles a JSON Schema (draft-07) into a checker that returns one message
 * per problem, like `/label: must be one of billing, bug, other`; an empty
 * list means the value is valid. Throws when the schema itself is invalid.
 */
export function compileJsonSchema(schema: object): (value: unknown) => string[] {
  const validate = ajv.compile(schema);
  return (value) => {
    if (validate(value)) return [];
    return (validate.errors ?? []).map(formatSchemaError);
  };
}

/** Returns why a schema cannot be compiled, or undefined when it can. */
export function findJsonSchemaProblem(schema: object): string | undefined {
  try {
    ajv.compile(schema);
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
