import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadPipeline } from "../../src/graph/load-pipeline.js";
import { describeUnusedNode, findUnusedNodes } from "../../src/graph/summary.js";
import { writeTempFiles } from "../config/temp-files.js";

const FIXTURES = path.resolve("test/fixtures/pipelines");

async function load(files: Record<string, string>) {
  const dir = await writeTempFiles(files);
  return loadPipeline(path.join(dir, "main.yaml"));
}

describe("findUnusedNodes", () => {
  it("finds none in pipelines whose nodes all feed outputs", async () => {
    expect(findUnusedNodes(await loadPipeline(`${FIXTURES}/triage.yaml`))).toEqual([]);
    expect(findUnusedNodes(await loadPipeline(`${FIXTURES}/nested/report.yaml`))).toEqual([]);
    const digest = await loadPipeline(path.resolve("pipelines/document-digest.yaml"));
    expect(findUnusedNodes(digest)).toEqual([]);
  });

  it("finds a node and the chain only it reads", async () => {
    const graph = await load({
      "main.yaml": [
        "input: [text]",
        "nodes:",
        '  kept: {llm: fast, prompt: "A {{ input.text }}"}',
        '  stray: {llm: fast, prompt: "B {{ helper }}"}',
        '  helper: {template: "C {{ input.text }}"}',
        "outputs:",
        '  kept: "{{ kept }}"',
        "",
      ].join("\n"),
    });
    const unused = findUnusedNodes(graph);
    expect(unused.map((node) => [node.id, node.isPaid])).toEqual([
      ["helper", false],
      ["stray", true],
    ]);
    expect(unused[1]!.location.line).toBe(4);
  });

  it("finds unused nodes inside a nested pipeline", async () => {
    const graph = await load({
      "main.yaml": [
        "input: [text]",
        "nodes:",
        '  inner: {pipeline: inner.yaml, with: {text: "{{ input.text }}"}}',
        "outputs:",
        '  result: "{{ inner.result }}"',
        "",
      ].join("\n"),
      "inner.yaml": [
        "input: [text]",
        "nodes:",
        '  used: {llm: fast, prompt: "A {{ input.text }}"}',
        '  wasted: {llm: fast, prompt: "B {{ input.text }}"}',
        "outputs:",
        '  result: "{{ used }}"',
        "",
      ].join("\n"),
    });
    expect(findUnusedNodes(graph).map((node) => node.id)).toEqual(["inner/wasted"]);
  });

  it("says where the node is and that it costs", () => {
    const line = describeUnusedNode({
      id: "stray",
      location: { file: "p.yaml", line: 4, column: 3 },
      isPaid: true,
    });
    expect(line).toBe(
      'p.yaml:4: node "stray" feeds no output, yet it runs for every record, and its ' +
        "LLM calls are paid for; use it in outputs or another node, or remove it",
    );
  });
});
