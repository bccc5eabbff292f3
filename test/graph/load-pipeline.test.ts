import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadResources } from "../../src/config/load-resources.js";
import { ConfigError } from "../../src/config/errors.js";
import { loadPipeline } from "../../src/graph/load-pipeline.js";
import { INDEX, INPUT, ITEM, type GraphNode } from "../../src/graph/types.js";
import { writeTempFiles } from "../config/temp-files.js";

const FIXTURES = path.resolve("test/fixtures");

/** Loads `main.yaml` from the given files and returns the error lines, folder removed. */
async function loadErrors(
  files: Record<string, string>,
  options: Parameters<typeof loadPipeline>[1] = {},
): Promise<string[]> {
  const dir = await writeTempFiles(files);
  const error = await loadPipeline(path.join(dir, "main.yaml"), options).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).message.split("\n").map((line) => line.replaceAll(dir + "/", ""));
}

async function loadFiles(files: Record<string, string>) {
  const dir = await writeTempFiles(files);
  return { dir, graph: await loadPipeline(path.join(dir, "main.yaml")) };
}

function byId(nodes: GraphNode[]): Map<string, GraphNode> {
  return new Map(nodes.map((node) => [node.id, node]));
}

describe("loadPipeline", () => {
  it("compiles the triage example", async () => {
    const resources = await loadResources(`${FIXTURES}/config/simulated.yaml`, {});
    const graph = await loadPipeline(`${FIXTURES}/pipelines/triage.yaml`, { resources });
    expect(graph.name).toBe("ticket-triage");
    expect(graph.inputFields).toEqual(["ticket", "customer"]);
    expect(graph.nodes.map((node) => [node.id, node.kind, node.deps])).toEqual([
      ["summary", "llm", []],
      ["category", "llm", ["summary"]],
      ["reply", "llm", ["category", "summary"]],
    ]);
    const summary = graph.nodes[0]!;
    expect(summary).toMatchObject({
      alias: "fast",
      temperature: 0,
      maxTokens: 120,
      output: "text",
      maxAttempts: 3,
      priority: 0,
      location: { file: `${FIXTURES}/pipelines/triage.yaml`, line: 4, column: 3 },
    });
    expect(summary.kind === "llm" && summary.prompt.segments).toEqual([
      { text: "Ticket from " },
      { ref: { node: INPUT, path: ["customer"], source: "input.customer" } },
      { text: ": " },
      { ref: { node: INPUT, path: ["ticket"], source: "input.ticket" } },
    ]);
    expect(graph.nodes[1]).toMatchObject({ output: "json", schema: { required: ["label"] } });
    expect(graph.outputs.label!.segments).toEqual([
      { ref: { node: "category", path: ["label"], source: "category.label" } },
    ]);
  });

  it("orders nodes after their deps", async () => {
    const { graph } = await loadFiles({
      "main.yaml": `
nodes:
  last: {template: "{{ middle }}"}
  middle: {template: "{{ first }}"}
  first: {template: "x"}
outputs: {out: "{{ last }}"}
`,
    });
    expect(graph.name).toBe("main");
    expect(graph.inputFields).toEqual([]);
    expect(graph.nodes.map((node) => node.id)).toEqual(["first", "middle", "last"]);
  });

  it("reads every llm option", async () => {
    const { graph } = await loadFiles({
      "main.yaml": `
nodes:
  ask:
    llm: fast
    prompt: hi
    system: "be brief"
    stop: END
    max_attempts: 5
    priority: -2
    timeout: 1.5
  many:
    llm: fast
    prompt: hi
    stop: [a, b]
outputs: {a: "{{ ask }}", b: "{{ many }}"}
`,
    });
    expect(graph.nodes[0]).toMatchObject({
      system: { source: "be brief", segments: [{ text: "be brief" }] },
      stop: ["END"],
      maxAttempts: 5,
      priority: -2,
      timeoutMs: 1500,
    });
    expect(graph.nodes[1]).toMatchObject({ stop: ["a", "b"] });
  });

  it("binds item and index inside foreach", async () => {
    const { graph } = await loadFiles({
      "main.yaml": `
input: [items]
nodes:
  each:
    llm: fast
    foreach: "{{ input.items }}"
    prompt: "{{ index }}: {{ item.text }}"
outputs: {all: "{{ each }}"}
`,
    });
    const each = graph.nodes[0]!;
    expect(each.foreach?.segments).toEqual([
      { ref: { node: INPUT, path: ["items"], source: "input.items" } },
    ]);
    expect(each.kind === "llm" && each.prompt.segments).toEqual([
      { ref: { node: INDEX, path: [], source: "index" } },
      { text: ": " },
      { ref: { node: ITEM, path: ["text"], source: "item.text" } },
    ]);
    expect(each.deps).toEqual([]);
  });

  it("resolves a function path and export", async () => {
    const { dir, graph } = await loadFiles({
      "main.yaml": `
input: [text]
nodes:
  named: {function: ./lib/f.mjs#score, with: {text: "{{ input.text }}"}}
  plain: {function: lib/f.mjs, foreach: "{{ named }}", with: {value: "{{ item }}"}}
outputs: {out: "{{ plain }}"}
`,
      "lib/f.mjs": "export function score() { return 1; }\nexport default score;\n",
    });
    expect(graph.nodes[0]).toMatchObject({
      kind: "function",
      modulePath: path.join(dir, "lib/f.mjs"),
      exportName: "score",
    });
    expect(graph.nodes[1]).toMatchObject({ exportName: "default", deps: ["named"] });
  });

  it("names a function the module does not export", async () => {
    const errors = await loadErrors({
      "main.yaml": 'nodes:\n  f: {function: ./lib.mjs#scor}\noutputs: {v: "{{ f }}"}\n',
      "lib.mjs": "export function score() { return 1; }\n",
    });
    expect(errors).toEqual([
      'main.yaml:2:17: node "f" uses ./lib.mjs#scor, but that module has no exported ' +
        'function (did you mean "score"?).',
    ]);
  });

  it("reports an empty outputs mapping", async () => {
    const errors = await loadErrors({ "main.yaml": 'nodes:\n  a: {template: "x"}\noutputs: {}\n' });
    expect(errors).toEqual([
      'main.yaml:3:10: outputs is empty. Add at least one output, like label: "{{ category }}".',
    ]);
  });

  it("reports a mistyped output without calling outputs empty", async () => {
    const errors = await loadErrors({
      "main.yaml": 'nodes:\n  a: {template: "x"}\noutputs: {a: "{{ a }}", n: 5}\n',
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/outputs\.n/);
  });

  it("points at a schema type that is not a JSON type", async () => {
    const errors = await loadErrors({
      "main.yaml":
        "nodes:\n  c:\n    llm: fast\n    prompt: x\n    output: json\n    schema:\n" +
        "      type: objekt\n      properties:\n        code: {type: strin}\n" +
        "        type: {type: string}\n        kind: {enum: [{type: odd}]}\n" +
        'outputs: {v: "{{ c }}"}\n',
    });
    expect(errors).toEqual([
      'main.yaml:7:13: node "c" has type "objekt" in its schema, which is not a JSON type; ' +
        'did you mean "object"?',
      'main.yaml:9:22: node "c" has type "strin" in its schema, which is not a JSON type; ' +
        'did you mean "string"?',
    ]);
  });

  it("says an export is not a function", async () => {
    const errors = await loadErrors({
      "main.yaml": 'nodes:\n  f: {function: ./lib.mjs#limit}\noutputs: {v: "{{ f }}"}\n',
      "lib.mjs": "export const limit = 42;\n",
    });
    expect(errors).toEqual([
      'main.yaml:2:17: node "f" uses ./lib.mjs#limit, which that module exports as a ' +
        "number, not a function.",
    ]);
  });

  it("asks for #name when the module has no default export", async () => {
    const errors = await loadErrors({
      "main.yaml": 'nodes:\n  f: {function: ./lib.mjs}\noutputs: {v: "{{ f }}"}\n',
      "lib.mjs": "export function score() { return 1; }\n",
    });
    expect(errors).toEqual([
      'main.yaml:2:17: node "f" uses ./lib.mjs without #name, and that module has no ' +
        "default export; name the export after #.",
    ]);
  });

  it.each([
    [
      "unknown reference",
      'nodes:\n  summary: {template: "x"}\n  verdict: {template: "{{ summry }}"}\n' +
        'outputs: {v: "{{ verdict }}"}\n',
      'main.yaml:3:24: node "verdict" uses {{ summry }}, which is not a node or input ' +
        'field. Did you mean "summary"?',
    ],
    [
      "unknown reference in a block prompt",
      "input: [ticket]\nnodes:\n  a:\n    llm: fast\n    prompt: |\n      Text:\n" +
        '      see {{ input.ticket }} and {{ tickt }}\noutputs: {v: "{{ a }}"}\n',
      'main.yaml:7:34: node "a" uses {{ tickt }}, which is not a node or input field. ' +
        'Did you mean "input.ticket"?',
    ],
    [
      "unknown name with nothing close",
      'nodes:\n  a: {template: "x"}\noutputs: {v: "{{ zzzzzz }}"}\n',
      'main.yaml:3:15: output "v" uses {{ zzzzzz }}, which is not a node or input field. ' +
        "Valid names: a.",
    ],
    [
      "input field not declared",
      'input: [ticket]\nnodes:\n  a: {template: "{{ input.tickets }}"}\noutputs: {v: "{{ a }}"}\n',
      'main.yaml:3:18: node "a" uses {{ input.tickets }}, but input declares ticket. ' +
        'Did you mean "input.ticket"?',
    ],
    [
      "input field with no input",
      'nodes:\n  a: {template: "{{ input.text }}"}\noutputs: {v: "{{ a }}"}\n',
      'main.yaml:2:18: node "a" uses {{ input.text }}, but input declares no fields. ' +
        "Add text to input: if every record has it.",
    ],
    [
      "item outside foreach",
      'nodes:\n  a: {template: "{{ item }}"}\noutputs: {v: "{{ a }}"}\n',
      'main.yaml:2:18: node "a" uses {{ item }}, but item is only bound in a node with ' +
        'foreach. Add foreach: "{{ some_list }}" to the node, or remove the reference.',
    ],
    [
      "index in an output",
      'nodes:\n  a: {template: "x"}\noutputs: {v: "{{ index }}"}\n',
      'main.yaml:3:15: output "v" uses {{ index }}, but index is only bound in a node ' +
        'with foreach. Add foreach: "{{ some_list }}" to the node, or remove the reference.',
    ],
    [
      "item in the foreach itself",
      'nodes:\n  a: {template: "x", foreach: "{{ item }}"}\noutputs: {v: "{{ a }}"}\n',
      'main.yaml:2:32: node "a" uses {{ item }} in its foreach, where item is not bound ' +
        "yet. Walk a list from input or another node.",
    ],
    [
      "unclosed braces",
      'nodes:\n  a: {template: "x {{ b"}\n  b: {template: "y"}\noutputs: {v: "{{ a }}"}\n',
      'main.yaml:2:20: node "a" has a {{ that is never closed. Add }} after the name.',
    ],
    [
      "unknown node key",
      'nodes:\n  a: {llm: fast, promt: "x"}\noutputs: {v: "{{ a }}"}\n',
      'main.yaml:2:6: nodes.a.prompt is missing. Add "prompt:" with a template string ' +
        "(the prompt).\n" +
        'main.yaml:2:18: unknown key "promt" in nodes.a. Did you mean "prompt"?',
    ],
    [
      "missing prompt",
      'nodes:\n  a: {llm: fast}\noutputs: {v: "{{ a }}"}\n',
      'main.yaml:2:6: nodes.a.prompt is missing. Add "prompt:" with a template string ' +
        "(the prompt).",
    ],
    [
      "wrong type",
      'nodes:\n  a: {llm: fast, prompt: x, max_tokens: lots}\noutputs: {v: "{{ a }}"}\n',
      'main.yaml:2:41: nodes.a.max_tokens must be a whole number of at least 1, received "lots".',
    ],
    [
      "bad output kind",
      'nodes:\n  a: {llm: fast, prompt: x, output: yaml}\noutputs: {v: "{{ a }}"}\n',
      'main.yaml:2:37: nodes.a.output must be one of text, json, received "yaml".',
    ],
    [
      "unknown top-level key",
      'nodes:\n  a: {template: x}\noutput: {v: "{{ a }}"}\n',
      'main.yaml:1:1: outputs is missing. Add "outputs:" with a mapping from each output ' +
        'name to a template, like {label: "{{ category }}"}.\n' +
        'main.yaml:3:1: unknown key "output" at the top level. Did you mean "outputs"?',
    ],
    [
      "node without a kind",
      'nodes:\n  a: {lm: fast, prompt: x}\noutputs: {v: "{{ a }}"}\n',
      'main.yaml:2:3: node "a" has no kind. Add one of llm, template, pipeline, function. ' +
        'Did you mean "llm"?',
    ],
    [
      "node with two kinds",
      'nodes:\n  a: {llm: fast, template: x, prompt: x}\noutputs: {v: "{{ a }}"}\n',
      'main.yaml:2:3: node "a" has llm and template, but a node has one kind. Keep one.',
    ],
    [
      "reserved node name",
      'nodes:\n  item: {template: x}\noutputs: {v: "x"}\n',
      'main.yaml:2:3: node name "item" is reserved for templates. Choose another name.',
    ],
    [
      "invalid node name",
      'nodes:\n  "a/b": {template: x}\noutputs: {v: "x"}\n',
      'main.yaml:2:3: node name "a/b" is invalid. Use letters, digits, _ and -, starting ' +
        "with a letter or _.",
    ],
    [
      "duplicate input field",
      'input: [a, a]\nnodes:\n  n: {template: x}\noutputs: {v: "{{ n }}"}\n',
      "main.yaml:1:12: input lists a twice. Remove one.",
    ],
    [
      "schema on a text node",
      'nodes:\n  a: {llm: fast, prompt: x, schema: {type: object}}\noutputs: {v: "{{ a }}"}\n',
      'main.yaml:2:37: node "a" has a schema, but its output is text. Add output: json, ' +
        "or remove the schema.",
    ],
    [
      "invalid JSON Schema",
      "nodes:\n  a: {llm: fast, prompt: x, output: json, schema: {type: object, requried: [x]}}\n" +
        'outputs: {v: "{{ a }}"}\n',
      'main.yaml:2:51: node "a" has an invalid JSON Schema: strict mode: unknown keyword: ' +
        '"requried". Fix the schema.',
    ],
    [
      "missing function file",
      'nodes:\n  f: {function: ./nope.mjs#run}\noutputs: {v: "{{ f }}"}\n',
      'main.yaml:2:17: node "f" uses ./nope.mjs, which does not exist (looked for ' +
        "nope.mjs). Write function: ./path/to/module.mjs#exportName, with the path " +
        "relative to the pipeline file.",
    ],
    [
      "bad export name",
      'nodes:\n  f: {function: "./main.yaml#not-a-name"}\noutputs: {v: "{{ f }}"}\n',
      'main.yaml:2:17: node "f" names export "not-a-name", which is not a JavaScript ' +
        "identifier. Write function: ./path/to/module.mjs#exportName, with the path " +
        "relative to the pipeline file.",
    ],
    [
      "empty nodes",
      'nodes: {}\noutputs: {v: "x"}\n',
      "main.yaml:1:8: nodes is empty. Add at least one node, like summary: {llm: fast, " +
        "prompt: ...}.",
    ],
    [
      "bad YAML",
      "nodes:\n  a: [\n",
      "main.yaml:3:1: invalid YAML: Flow sequence in block collection must be " +
        "sufficiently indented and end with a ]",
    ],
  ])("rejects %s", async (_case, yaml, expected) => {
    const lines = await loadErrors({ "main.yaml": yaml });
    expect(lines.join("\n")).toBe(expected);
  });

  it("names the chain of a cycle", async () => {
    const lines = await loadErrors({
      "main.yaml": `
nodes:
  a: {template: "{{ c }}"}
  b: {template: "{{ a }}"}
  c: {template: "{{ b }}"}
  d: {template: "{{ d }}"}
outputs: {v: "{{ a }}"}
`,
    });
    expect(lines).toEqual([
      "main.yaml:3:3: nodes form a cycle: a -> c -> b -> a (each uses the next). " +
        "Remove one of these references.",
      'main.yaml:6:3: node "d" uses itself. Remove the reference to d.',
    ]);
  });

  it("checks aliases against the resources", async () => {
    const resources = await loadResources(`${FIXTURES}/config/simulated.yaml`, {});
    const lines = await loadErrors(
      {
        "main.yaml": 'nodes:\n  a: {llm: fsat, prompt: x}\n  b: {llm: huge, prompt: x}\n' +
          'outputs: {v: "{{ a }}{{ b }}"}\n',
      },
      { resources },
    );
    expect(lines).toEqual([
      `main.yaml:2:12: node "a" uses alias "fsat", which is not in ${FIXTURES}/config/` +
        'simulated.yaml. Did you mean "fast"?',
      `main.yaml:3:12: node "b" uses alias "huge", which is not in ${FIXTURES}/config/` +
        "simulated.yaml. Valid aliases: fast, smart.",
    ]);
  });

  it("reports a missing file", async () => {
    const dir = await writeTempFiles({});
    await expect(loadPipeline(path.join(dir, "none.yaml"))).rejects.toThrow(
      `${dir}/none.yaml: pipeline file not found. Check the path.`,
    );
  });
});

describe("nested pipelines", () => {
  it("flattens a nested pipeline into parent/child ids", async () => {
    const graph = await loadPipeline(`${FIXTURES}/pipelines/nested/report.yaml`);
    const nodes = byId(graph.nodes);
    expect(graph.nodes.map((node) => node.id)).toEqual([
      "whole/input",
      "whole/short",
      "whole/title",
      "whole",
      "each",
      "verdict",
    ]);
    expect(nodes.get("whole/input")).toMatchObject({
      kind: "object",
      deps: [],
      fields: {
        text: { segments: [{ ref: { node: INPUT, path: ["document"] } }] },
      },
    });
    expect(nodes.get("whole/short")).toMatchObject({
      kind: "llm",
      deps: ["whole/input"],
      prompt: {
        segments: [{ text: "Summarise: " }, { ref: { node: "whole/input", path: ["text"] } }],
      },
    });
    expect(nodes.get("whole/title")?.deps).toEqual(["whole/short"]);
    expect(nodes.get("whole")).toMatchObject({
      kind: "object",
      deps: ["whole/short", "whole/title"],
      nestedPipeline: { name: "summarise" },
      fields: {
        summary: { segments: [{ ref: { node: "whole/short", path: [] } }] },
        title: { segments: [{ ref: { node: "whole/title", path: [] } }] },
      },
    });
    expect(nodes.get("verdict")?.deps).toEqual(["whole", "each"]);
  });

  it("keeps a foreach pipeline as a subgraph", async () => {
    const graph = await loadPipeline(`${FIXTURES}/pipelines/nested/report.yaml`);
    const each = byId(graph.nodes).get("each")!;
    expect(each.kind).toBe("subgraph");
    if (each.kind !== "subgraph") return;
    expect(each.graph.name).toBe("summarise");
    expect(each.graph.nodes.map((node) => node.id)).toEqual(["short", "title"]);
    expect(each.foreach.segments).toEqual([
      { ref: { node: INPUT, path: ["sections"], source: "input.sections" } },
    ]);
    expect(each.with.text!.segments).toEqual([
      { text: "Section " },
      { ref: { node: INDEX, path: [], source: "index" } },
      { text: ": " },
      { ref: { node: ITEM, path: [], source: "item" } },
    ]);
  });

  it("flattens nesting to any depth", async () => {
    const graph = await loadPipeline(`${FIXTURES}/pipelines/nested/outer.yaml`);
    const nodes = byId(graph.nodes);
    expect(graph.nodes.map((node) => node.id)).toEqual([
      "split",
      "inner/input",
      "inner/whole/input",
      "inner/whole/short",
      "inner/whole/title",
      "inner/whole",
      "inner/each",
      "inner/verdict",
      "inner",
    ]);
    expect(nodes.get("inner/input")?.deps).toEqual(["split"]);
    expect(nodes.get("inner/whole/input")).toMatchObject({
      deps: ["inner/input"],
      fields: { text: { segments: [{ ref: { node: "inner/input", path: ["document"] } }] } },
    });
    expect(nodes.get("inner/each")?.deps).toEqual(["inner/input"]);
    expect(graph.outputs.verdict!.segments).toEqual([
      { ref: { node: "inner", path: ["verdict"], source: "inner.verdict" } },
    ]);
  });

  it("checks bindings and outputs of a nested pipeline", async () => {
    const lines = await loadErrors({
      "main.yaml": `
input: [doc]
nodes:
  sub:
    pipeline: child.yaml
    with: {txet: "{{ input.doc }}"}
  use: {template: "{{ sub.summry }}"}
outputs: {v: "{{ use }}"}
`,
      "child.yaml": `
input: [text, lang]
nodes:
  s: {template: "{{ input.text }} {{ input.lang }}"}
outputs: {summary: "{{ s }}"}
`,
    });
    expect(lines).toEqual([
      expect.stringMatching(
        /^main\.yaml:6:11: node "sub" does not bind text, lang, which .*child\.yaml declares in input\. Add under with: text: "\{\{ \.\.\. \}\}", lang: "\{\{ \.\.\. \}\}"\.$/,
      ),
      expect.stringMatching(
        /^main\.yaml:6:18: node "sub" binds txet, but .*child\.yaml has no input field "txet"\. Did you mean "text"\?$/,
      ),
      'main.yaml:7:20: node "use" uses {{ sub.summry }}, but the pipeline of node "sub" ' +
        'has no output "summry". Did you mean "summary"?',
    ]);
  });

  it("reports errors inside a nested file at its own lines", async () => {
    const lines = await loadErrors({
      "main.yaml": 'nodes:\n  sub: {pipeline: child.yaml}\noutputs: {v: "{{ sub.out }}"}\n',
      "child.yaml": 'nodes:\n  s: {template: "{{ nope }}"}\noutputs: {out: "{{ s }}"}\n',
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /child\.yaml:2:18: node "s" uses \{\{ nope \}\}, which is not a node or input field\./,
    );
  });

  it("names the chain of a pipeline that includes itself", async () => {
    const dir = await writeTempFiles({
      "main.yaml": 'nodes:\n  b: {pipeline: b.yaml}\noutputs: {v: "{{ b }}"}\n',
      "b.yaml": 'nodes:\n  back: {pipeline: ./main.yaml}\noutputs: {v: "{{ back }}"}\n',
    });
    const error = (await loadPipeline(path.join(dir, "main.yaml")).catch(
      (caught: unknown) => caught,
    )) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues).toHaveLength(1);
    const issue = error.issues[0]!;
    expect(issue.file).toMatch(/b\.yaml$/);
    expect(issue.line).toBe(2);
    expect(issue.column).toBe(20);
    expect(issue.message).toMatch(
      /^node "back" includes \.\/main\.yaml, which includes itself: .*main\.yaml -> .*b\.yaml -> .*main\.yaml\. A pipeline cannot include itself, directly or not\.$/,
    );
  });

  it("rejects a missing nested file", async () => {
    const lines = await loadErrors({
      "main.yaml": 'nodes:\n  b: {pipeline: gone.yaml}\noutputs: {v: "{{ b }}"}\n',
    });
    expect(lines).toEqual([
      expect.stringMatching(
        /^main\.yaml:2:17: node "b" uses gone\.yaml, which does not exist \(looked for .*gone\.yaml\)\. Paths are relative to the pipeline file that includes them\.$/,
      ),
    ]);
  });
});
