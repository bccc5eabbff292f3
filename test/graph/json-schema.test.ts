import { describe, expect, it } from "vitest";
import { compileJsonSchema, findJsonSchemaProblem } from "../../src/graph/json-schema.js";

describe("compileJsonSchema", () => {
  const check = compileJsonSchema({
    type: "object",
    required: ["label"],
    properties: {
      label: { enum: ["billing", "bug", "other"] },
      score: { type: "number" },
    },
    additionalProperties: false,
  });

  it("accepts a valid value", () => {
    expect(check({ label: "bug", score: 1 })).toEqual([]);
  });

  it("lists every problem", () => {
    expect(check({ label: "sales", score: "high", extra: 1 })).toEqual([
      '/: must not have property "extra"',
      "/label: must be one of billing, bug, other",
      "/score: must be number",
    ]);
  });

  it("reports a missing property at the root", () => {
    expect(check({})).toEqual(["/: must have required property 'label'"]);
  });

  it("rejects an invalid schema", () => {
    expect(() => compileJsonSchema({ type: "objec" })).toThrow(/schema is invalid/);
  });

  it("rejects an unknown keyword", () => {
    expect(findJsonSchemaProblem({ type: "object", requried: ["a"] })).toBe(
      'strict mode: unknown keyword: "requried"',
    );
  });

  it("finds no problem in a valid schema", () => {
    expect(findJsonSchemaProblem({ type: "string", format: "email" })).toBeUndefined();
  });
});
