import { describe, expect, it } from "vitest";
import { shapeFromJsonSchema } from "../../src/graph/schema-shape.js";
import { followPath, type ValueShape } from "../../src/graph/value-shape.js";

const ORIGIN = 'the JSON schema of node "n"';

/** Returns "ok", or the kind and field of the problem, for a path into a schema. */
function walk(schema: unknown, path: string): string {
  const result = followPath(shapeFromJsonSchema(schema, ORIGIN), path.split("."));
  if ("shape" in result) return "ok";
  const problem = result.problem;
  return problem.kind === "missing-field"
    ? `missing ${problem.field} at [${problem.at.join(".")}]`
    : `no fields at [${problem.at.join(".")}]`;
}

const LABELLED = {
  type: "object",
  properties: { label: { type: "string" }, tags: { type: "array", items: { type: "string" } } },
};

describe("shapeFromJsonSchema", () => {
  it.each<[string, unknown, string, string]>([
    ["a listed property", LABELLED, "label", "ok"],
    ["a missing property", LABELLED, "lable", "missing lable at []"],
    ["a field of a string", LABELLED, "label.x", "no fields at [label]"],
    ["an element of a list", LABELLED, "tags.0", "ok"],
    ["a field of a list element", LABELLED, "tags.0.x", "no fields at [tags.0]"],
    ["a list's own property", LABELLED, "tags.length", "ok"],
    [
      "a nullable object",
      { type: ["object", "null"], properties: { a: {} } },
      "b",
      "missing b at []",
    ],
    ["properties without a type", { properties: { a: {} } }, "b", "missing b at []"],
    ["additionalProperties false alone", { additionalProperties: false }, "b", "missing b at []"],
    ["an open object", { properties: { a: {} }, additionalProperties: true }, "b", "ok"],
    ["an object of anything", { type: "object" }, "b", "ok"],
    ["a schema reference", { $ref: "#/definitions/x", definitions: { x: {} } }, "b", "ok"],
    ["if and then", { if: {}, then: { properties: { b: {} } }, properties: { a: {} } }, "b", "ok"],
    ["a nullable number", { type: ["number", "null"] }, "x", "no fields at []"],
    ["a type that may be an object", { type: ["string", "object"] }, "x", "ok"],
    ["a tuple", { type: "array", items: [{ type: "string" }] }, "0.x", "ok"],
    ["the true schema", true, "x", "ok"],
  ])("walks %s", (_case, schema, path, expected) => {
    expect(walk(schema, path)).toBe(expected);
  });

  it("describes scalars for messages", () => {
    const shape = shapeFromJsonSchema({ type: ["integer", "null"] }, ORIGIN);
    const expected: ValueShape = {
      kind: "scalar",
      description: "a number or null",
      origin: 'the JSON schema of node "n" says so',
    };
    expect(shape).toEqual(expected);
  });

  it("keeps property order for messages", () => {
    const shape = shapeFromJsonSchema({ properties: { b: {}, a: {}, c: {} } }, ORIGIN);
    expect(shape.kind).toBe("object");
    if (shape.kind !== "object") return;
    expect([...shape.fields.keys()]).toEqual(["b", "a", "c"]);
  });
});
