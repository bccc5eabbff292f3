import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { loadPipeline } from "../../src/graph/load-pipeline.js";
import { writeTempFiles } from "../config/temp-files.js";

/** Loads `main.yaml` among `files`; returns the error lines with the folder removed, or []. */
async function loadErrors(files: Record<string, string>): Promise<string[]> {
  const dir = await writeTempFiles(files);
  try {
    await loadPipeline(path.join(dir, "main.yaml"));
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.split("\n").map((line) => line.replaceAll(dir + "/", ""));
  }
}

/** A json node "category" whose schema lists label, confidence and details. */
const CATEGORY = `
  category:
    llm: fast
    prompt: "Classify {{ input.text }}"
    output: json
    schema:
      type: object
      properties:
        label: {type: string}
        confidence: {type: number}
        details:
          type: object
          additionalProperties: false
          properties:
            score: {type: number}
            reason: {type: string}
`;

function withCategory(nodes: string, outputs = 'v: "{{ category }}"'): string {
  return `input: [text]\nnodes:${CATEGORY}${nodes}\noutputs:\n  ${outputs}\n`;
}

describe("references into JSON fields", () => {
  it.each([
    ["a listed property", "{{ category.label }}"],
    ["a nested property", "{{ category.details.score }}"],
    ["the whole value", "{{ category }}"],
    ["a property among text", "Label {{ category.label }} at {{ category.confidence }}"],
  ])("accepts %s", async (_case, prompt) => {
    const yaml = withCategory(`  reply: {llm: fast, prompt: "${prompt}"}`);
    expect(await loadErrors({ "main.yaml": yaml })).toEqual([]);
  });

  it("rejects a misspelt property with file, line and column", async () => {
    const yaml = withCategory('  reply: {llm: fast, prompt: "Reply to a {{ category.lable }}"}');
    expect(await loadErrors({ "main.yaml": yaml })).toEqual([
      'main.yaml:18:42: node "reply" uses {{ category.lable }}, but the JSON schema of ' +
        'node "category" has no property "lable" (it lists label, confidence, details). ' +
        'Did you mean "label"?',
    ]);
  });

  it("rejects a misspelt nested property", async () => {
    const yaml = withCategory('  reply: {template: "{{ category.details.scroe }}"}');
    expect(await loadErrors({ "main.yaml": yaml })).toEqual([
      'main.yaml:18:22: node "reply" uses {{ category.details.scroe }}, but the JSON ' +
        'schema of node "category" has no property "scroe" in category.details (it lists ' +
        'score, reason). Did you mean "score"?',
    ]);
  });

  it("lists the properties when nothing is close", async () => {
    const yaml = withCategory('  reply: {template: "{{ category.zzzzzz }}"}');
    const [line] = await loadErrors({ "main.yaml": yaml });
    expect(line).toContain('has no property "zzzzzz" (it lists label, confidence, details)');
    expect(line).toContain('Use one of those, or add "zzzzzz" to the schema\'s properties.');
  });

  it("rejects fields of a string property", async () => {
    const yaml = withCategory('  reply: {template: "{{ category.label.text }}"}');
    expect(await loadErrors({ "main.yaml": yaml })).toEqual([
      'main.yaml:18:22: node "reply" uses {{ category.label.text }}, but category.label ' +
        'is a string (the JSON schema of node "category" says so), so it has no fields. ' +
        "Write {{ category.label }}.",
    ]);
  });

  it("rejects a misspelt property in outputs", async () => {
    const yaml = withCategory('  reply: {template: "x"}', 'label: "{{ category.lable }}"');
    expect(await loadErrors({ "main.yaml": yaml })).toEqual([
      'main.yaml:20:11: output "label" uses {{ category.lable }}, but the JSON schema of ' +
        'node "category" has no property "lable" (it lists label, confidence, details). ' +
        'Did you mean "label"?',
    ]);
  });

  it("reports every bad reference at once", async () => {
    const yaml = withCategory(
      '  a: {template: "{{ category.lable }}"}\n  b: {template: "{{ category.confidnce }}"}',
      'v: "{{ category.detail }}"',
    );
    const lines = await loadErrors({ "main.yaml": yaml });
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^main\.yaml:18:.*Did you mean "label"\?$/);
    expect(lines[1]).toMatch(/^main\.yaml:19:.*Did you mean "confidence"\?$/);
    expect(lines[2]).toMatch(/^main\.yaml:21:.*Did you mean "details"\?$/);
  });

  it("rejects fields of a text reply", async () => {
    const yaml =
      'nodes:\n  summary: {llm: fast, prompt: "x"}\n' +
      '  reply: {template: "{{ summary.text }}"}\noutputs: {v: "{{ reply }}"}\n';
    expect(await loadErrors({ "main.yaml": yaml })).toEqual([
      'main.yaml:3:22: node "reply" uses {{ summary.text }}, but summary is a string ' +
        '(node "summary" has output text), so it has no fields. Write {{ summary }}.',
    ]);
  });
});

describe("references where the shape is unknown", () => {
  const schemaNode = (schema: string) =>
    `nodes:\n  j: {llm: fast, prompt: x, output: json, schema: ${schema}}\n` +
    '  r: {template: "{{ j.anything.deeper }}"}\noutputs: {v: "{{ r }}"}\n';

  const listing = "type: object, properties: {a: {type: string}}";
  const readAnything = 'r: {template: "{{ j.anything }}"}\noutputs: {v: "{{ r }}"}\n';

  it.each([
    ["no schema", `nodes:\n  j: {llm: fast, prompt: x, output: json}\n  ${readAnything}`],
    ["an object schema without properties", schemaNode("{type: object}")],
    ["additionalProperties true", schemaNode(`{${listing}, additionalProperties: true}`)],
    [
      "additionalProperties as a schema",
      schemaNode(`{${listing}, additionalProperties: {type: number}}`),
    ],
    [
      "patternProperties",
      schemaNode(`{${listing}, patternProperties: {"^x": {type: string}}}`),
    ],
    ["a combined schema", schemaNode(`{anyOf: [{${listing}}]}`)],
    ["an untyped property", schemaNode("{type: object, properties: {anything: {}}}")],
    [
      "a function node",
      `nodes:\n  f: {function: ./lib.mjs#run}\n  ${readAnything.replace("j.", "f.")}`,
    ],
  ])("accepts any field with %s", async (_case, yaml) => {
    const lib = "export function run() { return {}; }\n";
    expect(await loadErrors({ "main.yaml": yaml, "lib.mjs": lib })).toEqual([]);
  });

  it("rejects any field of an object that allows none", async () => {
    const yaml = schemaNode("{type: object, additionalProperties: false}");
    const [line] = await loadErrors({ "main.yaml": yaml });
    expect(line).toContain('has no property "anything" (it lists no property)');
    expect(line).toContain('Add "anything" to the schema\'s properties.');
  });

  it("follows a template that is one reference", async () => {
    const yaml = withCategory(
      '  pick: {template: "{{ category.details }}"}\n  r: {template: "{{ pick.reasn }}"}',
    );
    const [line] = await loadErrors({ "main.yaml": yaml });
    expect(line).toMatch(/^main\.yaml:19:18: node "r" uses \{\{ pick\.reasn \}\}, /);
    expect(line).toContain('the JSON schema of node "category" has no property "reasn"');
    expect(line).toMatch(/Did you mean "reason"\?$/);
  });

  it("treats a template with text as a string", async () => {
    const yaml = withCategory(
      '  pick: {template: "x {{ category }}"}\n  r: {template: "{{ pick.label }}"}',
    );
    const [line] = await loadErrors({ "main.yaml": yaml });
    expect(line).toContain(
      'but pick is a string (node "pick" joins text and values into a string)',
    );
  });
});

describe("references into foreach items", () => {
  const EXTRACT = `
input: [text]
nodes:
  extract:
    llm: fast
    prompt: "{{ input.text }}"
    output: json
    schema:
      type: object
      properties:
        tags:
          type: array
          items:
            type: object
            properties: {name: {type: string}, score: {type: number}}
`;

  it("accepts a listed field of item", async () => {
    const yaml =
      EXTRACT +
      '  each: {llm: fast, foreach: "{{ extract.tags }}",\n' +
      '    prompt: "{{ item.name }} {{ index }}"}\n' +
      'outputs: {v: "{{ each }}"}\n';
    expect(await loadErrors({ "main.yaml": yaml })).toEqual([]);
  });

  it("rejects a misspelt field of item", async () => {
    const yaml =
      EXTRACT +
      '  each: {llm: fast, foreach: "{{ extract.tags }}", prompt: "{{ item.nmae }}"}\n' +
      'outputs: {v: "{{ each }}"}\n';
    expect(await loadErrors({ "main.yaml": yaml })).toEqual([
      'main.yaml:16:61: node "each" uses {{ item.nmae }}, but the JSON schema of node ' +
        '"extract" has no property "nmae" in item (it lists name, score). Did you mean "name"?',
    ]);
  });

  it("knows the elements of a foreach node's results", async () => {
    const yaml =
      EXTRACT +
      '  each:\n    llm: fast\n    foreach: "{{ extract.tags }}"\n    prompt: "{{ item.name }}"\n' +
      "    output: json\n    schema: {type: object, properties: {verdict: {type: string}}}\n" +
      '  again: {template: "{{ item.verdct }}", foreach: "{{ each }}"}\n' +
      '  first: {template: "{{ each.0.verdict }} {{ each.0.verdit }}"}\n' +
      'outputs: {v: "{{ again }}"}\n';
    const lines = await loadErrors({ "main.yaml": yaml });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/node "again" uses \{\{ item\.verdct \}\}.*Did you mean "verdict"\?$/);
    expect(lines[1]).toMatch(
      /node "first" uses \{\{ each\.0\.verdit \}\}, .* has no property "verdit" in each\.0 /,
    );
  });

  it("rejects a foreach over a text reply", async () => {
    const yaml =
      "nodes:\n  s: {llm: fast, prompt: x}\n" +
      '  each: {template: "{{ item }}", foreach: "{{ s }}"}\n' +
      'outputs: {v: "{{ each }}"}\n';
    expect(await loadErrors({ "main.yaml": yaml })).toEqual([
      'main.yaml:3:43: node "each" has foreach: "{{ s }}", which gives a string (node "s" ' +
        "has output text), not a list. Point foreach at a list, like a JSON field whose " +
        "schema has type: array.",
    ]);
  });
});

describe("references into nested pipeline outputs", () => {
  const CHILD = `
input: [text]
nodes:
  j:
    llm: fast
    prompt: "{{ input.text }}"
    output: json
    schema: {type: object, properties: {topic: {type: string}, tone: {type: string}}}
outputs:
  facts: "{{ j }}"
  note: "about {{ j.topic }}"
`;

  it("accepts fields the child's outputs have", async () => {
    const yaml =
      "input: [doc]\nnodes:\n  sub: {pipeline: child.yaml, with: {text: \"{{ input.doc }}\"}}\n" +
      'outputs: {t: "{{ sub.facts.topic }}", n: "{{ sub.note }}"}\n';
    expect(await loadErrors({ "main.yaml": yaml, "child.yaml": CHILD })).toEqual([]);
  });

  it("rejects a misspelt field inside a child's output", async () => {
    const yaml =
      "input: [doc]\nnodes:\n  sub: {pipeline: child.yaml, with: {text: \"{{ input.doc }}\"}}\n" +
      'outputs: {t: "{{ sub.facts.topc }}", n: "{{ sub.note.x }}"}\n';
    expect(await loadErrors({ "main.yaml": yaml, "child.yaml": CHILD })).toEqual([
      'main.yaml:4:15: output "t" uses {{ sub.facts.topc }}, but the JSON schema of node ' +
        '"j" has no property "topc" in sub.facts (it lists topic, tone). Did you mean "topic"?',
      'main.yaml:4:42: output "n" uses {{ sub.note.x }}, but sub.note is a string ' +
        "(output \"note\" of child.yaml joins text and values into a string), so it has no " +
        "fields. Write {{ sub.note }}.",
    ]);
  });

  it("checks outputs of a child under foreach", async () => {
    const yaml =
      "input: [docs]\nnodes:\n" +
      '  sub: {pipeline: child.yaml, foreach: "{{ input.docs }}", with: {text: "{{ item }}"}}\n' +
      'outputs: {t: "{{ sub.0.facts.tone }}", u: "{{ sub.0.factz }}"}\n';
    const lines = await loadErrors({ "main.yaml": yaml, "child.yaml": CHILD });
    expect(lines).toEqual([
      'main.yaml:4:44: output "u" uses {{ sub.0.factz }}, but the pipeline of node "sub" ' +
        'has no output "factz" in sub.0 (it lists facts, note). Did you mean "facts"?',
    ]);
  });
});
