import { describe, expect, it } from "vitest";
import { parseTemplate, readPath, renderTemplate } from "../../src/graph/template.js";
import type { CompiledTemplate, Ref } from "../../src/graph/types.js";

const ref = (node: string, ...path: string[]): Ref => ({
  node,
  path,
  source: [node, ...path].join("."),
});

describe("parseTemplate", () => {
  it("splits text and references", () => {
    const parsed = parseTemplate("Hi {{ input.name }}, see {{summary.items.0}}!");
    expect(parsed.errors).toEqual([]);
    expect(parsed.parts).toEqual([
      { text: "Hi " },
      { reference: { path: ["input", "name"], source: "input.name", offset: 3 } },
      { text: ", see " },
      { reference: { path: ["summary", "items", "0"], source: "summary.items.0", offset: 25 } },
      { text: "!" },
    ]);
  });

  it("keeps text without references whole", () => {
    expect(parseTemplate("no refs } here").parts).toEqual([{ text: "no refs } here" }]);
  });

  it("accepts hyphens and underscores in names", () => {
    const parsed = parseTemplate("{{ my-node.some_field }}");
    expect(parsed.errors).toEqual([]);
  });

  it.each([
    ["Hi {{ name", 3, "has a {{ that is never closed. Add }} after the name."],
    ["{{ }}", 0, "has an empty {{ }}. Write a name inside, like {{ input.text }}."],
    [
      "x {{ a..b }}",
      2,
      "uses {{ a..b }}, which is not a dotted path. Write names and list indexes " +
        "separated by dots, like {{ summary.items.0 }}.",
    ],
    [
      "{{ 0.a }}",
      0,
      "uses {{ 0.a }}, which is not a dotted path. Write names and list indexes " +
        "separated by dots, like {{ summary.items.0 }}.",
    ],
    [
      "{{ name | upper }}",
      0,
      "uses {{ name | upper }}, but templates take only dotted paths; filters and calls " +
        "are not supported. Use a function node to transform values.",
    ],
  ])("rejects %j", (text, offset, message) => {
    expect(parseTemplate(text).errors).toEqual([{ offset, message }]);
  });
});

describe("renderTemplate", () => {
  const values: Record<string, unknown> = {
    list: [1, 2],
    text: "hello",
    object: { a: 1 },
    nothing: null,
  };
  const resolve = (r: Ref) => readPath(values[r.node], r.path);
  const template = (...segments: CompiledTemplate["segments"]): CompiledTemplate => ({
    source: "",
    segments,
  });

  it("returns a lone reference's value itself", () => {
    expect(renderTemplate(template({ ref: ref("list") }), resolve)).toEqual([1, 2]);
    expect(renderTemplate(template({ ref: ref("object") }), resolve)).toEqual({ a: 1 });
  });

  it("joins parts as a string", () => {
    const rendered = renderTemplate(
      template(
        { text: "t=" },
        { ref: ref("text") },
        { text: " l=" },
        { ref: ref("list") },
        { text: " o=" },
        { ref: ref("object") },
        { text: " n=" },
        { ref: ref("nothing") },
        { text: " u=" },
        { ref: ref("missing") },
      ),
      resolve,
    );
    expect(rendered).toBe('t=hello l=[1,2] o={"a":1} n= u=');
  });

  it("returns literal text and the empty string", () => {
    expect(renderTemplate(template({ text: "plain" }), resolve)).toBe("plain");
    expect(renderTemplate(template(), resolve)).toBe("");
  });

  it("reads paths into lists and objects", () => {
    expect(readPath({ a: [{ b: 3 }] }, ["a", "0", "b"])).toBe(3);
    expect(readPath({ a: 1 }, ["a", "b"])).toBeUndefined();
    expect(readPath({ a: 1 }, ["constructor"])).toBeUndefined();
  });

  it("renders fast enough for every node of every record", () => {
    const compiled = template({ text: "A " }, { ref: ref("text") }, { text: " B" });
    const started = performance.now();
    for (let i = 0; i < 200_000; i++) renderTemplate(compiled, resolve);
    // 200,000 renders well within a second leaves room for the rest of a run.
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
