import { describe, expect, it } from "vitest";
import { findSchemaInText, generateJsonValue } from "../../src/mock-server/json-reply.js";
import { createSeededRandom } from "../../src/mock-server/random.js";

function generate(schema: Record<string, unknown>, seed = 1): unknown {
  return generateJsonValue(schema, createSeededRandom(seed));
}

describe("generateJsonValue", () => {
  it("fills required properties missing from properties", () => {
    const value = generate({ type: "object", required: ["label"], properties: {} });
    expect(typeof (value as { label: unknown }).label).toBe("string");
  });

  it("picks the same enum member for the same seed", () => {
    const schema = { enum: ["a", "b", "c", "d", "e"] };
    expect(generate(schema, 5)).toBe(generate(schema, 5));
    const picks = new Set(Array.from({ length: 40 }, (_, seed) => generate(schema, seed)));
    expect(picks.size).toBeGreaterThan(1);
  });

  it("returns const values as they are", () => {
    expect(generate({ const: { fixed: true } })).toEqual({ fixed: true });
  });

  it("prefers the non-null type of a nullable field", () => {
    expect(typeof generate({ type: ["null", "integer"] })).toBe("number");
    expect(typeof generate({ anyOf: [{ type: "null" }, { type: "boolean" }] })).toBe("boolean");
  });

  it("keeps numbers inside exclusive bounds", () => {
    for (let seed = 0; seed < 50; seed++) {
      const value = generate({ type: "integer", exclusiveMinimum: 0, exclusiveMaximum: 3 }, seed);
      expect([1, 2]).toContain(value);
    }
  });

  it("meets string length bounds", () => {
    const long = generate({ type: "string", minLength: 200 }) as string;
    const short = generate({ type: "string", maxLength: 3 }) as string;
    expect(long.length).toBeGreaterThanOrEqual(200);
    expect(short.length).toBeLessThanOrEqual(3);
  });

  it("meets array length bounds", () => {
    const value = generate({ type: "array", items: { type: "integer" }, minItems: 5, maxItems: 6 });
    expect((value as unknown[]).length).toBeGreaterThanOrEqual(5);
    expect((value as unknown[]).length).toBeLessThanOrEqual(6);
  });

  it("merges allOf object parts", () => {
    const value = generate({
      allOf: [
        { type: "object", required: ["a"], properties: { a: { type: "integer" } } },
        { type: "object", required: ["b"], properties: { b: { type: "boolean" } } },
      ],
    }) as { a: unknown; b: unknown };
    expect(typeof value.a).toBe("number");
    expect(typeof value.b).toBe("boolean");
  });

  it("stops on a schema that requires itself", () => {
    const schema = {
      $ref: "#/$defs/node",
      $defs: {
        node: {
          type: "object",
          required: ["child"],
          properties: { child: { $ref: "#/$defs/node" } },
        },
      },
    };
    expect(() => generate(schema)).not.toThrow();
  });
});

describe("findSchemaInText", () => {
  it("finds a schema after other braces", () => {
    const text = 'Use {{ name }} and reply as {"type": "object", "required": ["x"]} please.';
    expect(findSchemaInText(text)).toEqual({ type: "object", required: ["x"] });
  });

  it("ignores JSON that is not a schema", () => {
    expect(findSchemaInText('Example: {"label": "bug"}')).toBeUndefined();
  });
});
