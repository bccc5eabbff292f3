import path from "node:path";
import { describe, expect, it } from "vitest";
import { drawGraph } from "../../src/graph/draw.js";
import { loadPipeline } from "../../src/graph/load-pipeline.js";
import { writeTempFiles } from "../config/temp-files.js";

const FIXTURES = path.resolve("test/fixtures/pipelines");

describe("drawGraph", () => {
  it("draws a Mermaid flowchart", async () => {
    const graph = await loadPipeline(`${FIXTURES}/triage.yaml`);
    expect(drawGraph(graph, "mermaid")).toBe(
      [
        "flowchart TD",
        '  n1(["input: ticket, customer"])',
        '  n2["summary<br/>llm fast"]',
        '  n3["category<br/>llm fast (json)"]',
        '  n4["reply<br/>llm smart"]',
        '  n5(["outputs: summary, label, reply"])',
        "  n1 --> n2",
        "  n2 --> n3",
        "  n3 --> n4",
        "  n2 --> n4",
        "  n2 --> n5",
        "  n3 --> n5",
        "  n4 --> n5",
        "",
      ].join("\n"),
    );
  });

  it("draws nested pipelines as Mermaid subgraphs", async () => {
    const graph = await loadPipeline(`${FIXTURES}/nested/report.yaml`);
    const file = path.relative(process.cwd(), `${FIXTURES}/nested/summarise.yaml`);
    expect(drawGraph(graph, "mermaid")).toBe(
      [
        "flowchart TD",
        '  n1(["input: document, sections"])',
        '  n12["verdict<br/>llm smart"]',
        '  n13(["outputs: title, verdict"])',
        `  subgraph g2["whole<br/>pipeline summarise (${file})"]`,
        '    n3["whole/input<br/>inputs of a nested pipeline"]',
        '    n4["whole/short<br/>llm fast"]',
        '    n5["whole/title<br/>template"]',
        '    n6["whole<br/>outputs of pipeline summarise"]',
        "  end",
        '  subgraph g7["each<br/>for each {{ input.sections }}<br/>pipeline summarise"]',
        '    n8(["input: text"])',
        '    n9["short<br/>llm fast"]',
        '    n10["title<br/>template"]',
        '    n11(["outputs: summary, title"])',
        "  end",
        "  n8 --> n9",
        "  n9 --> n10",
        "  n9 --> n11",
        "  n10 --> n11",
        "  n1 --> n3",
        "  n3 --> n4",
        "  n4 --> n5",
        "  n4 --> n6",
        "  n5 --> n6",
        "  n1 --> g7",
        "  n6 --> n12",
        "  g7 --> n12",
        "  n6 --> n13",
        "  n12 --> n13",
        "",
      ].join("\n"),
    );
  });

  it("marks foreach nodes and escapes Mermaid labels", async () => {
    const dir = await writeTempFiles({
      "main.yaml": `
input: [items]
nodes:
  each:
    llm: fast
    foreach: '{{ input.items }} "<#>"'
    prompt: "{{ item }}"
outputs: {all: "{{ each }}"}
`,
    });
    const mermaid = drawGraph(await loadPipeline(`${dir}/main.yaml`), "mermaid");
    expect(mermaid).toContain(
      '  n2[["each<br/>llm fast<br/>for each {{ input.items }} #quot;#lt;#35;#gt;#quot;"]]\n',
    );
  });

  it("draws Graphviz clusters", async () => {
    const graph = await loadPipeline(`${FIXTURES}/nested/report.yaml`);
    const dot = drawGraph(graph, "dot");
    expect(dot.startsWith('digraph "report" {\n  rankdir=TB;\n')).toBe(true);
    expect(dot).toContain("  subgraph cluster_g2 {\n");
    expect(dot).toContain('    n4 [label="whole/short\\nllm fast", shape=box];\n');
    // Edges into and out of the foreach cluster use its input and outputs boxes.
    expect(dot).toContain("  n1 -> n8;\n");
    expect(dot).toContain("  n11 -> n12;\n");
    expect(dot).not.toContain("g7 ->");
    expect(dot.trimEnd().endsWith("}")).toBe(true);
  });

  it("draws a readable text list", async () => {
    const graph = await loadPipeline(`${FIXTURES}/triage.yaml`);
    const file = `${FIXTURES}/triage.yaml`;
    expect(drawGraph(graph, "text")).toBe(
      [
        `pipeline ticket-triage (${file})`,
        "input: ticket, customer",
        "nodes:",
        "  summary: llm fast; reads input.customer, input.ticket",
        "  category: llm fast (json); reads summary",
        "  reply: llm smart; reads category.label, summary",
        "outputs:",
        "  summary: {{ summary }}",
        "  label: {{ category.label }}",
        "  reply: {{ reply }}",
        "",
      ].join("\n"),
    );
  });

  it("lists a foreach pipeline's own graph in text", async () => {
    const graph = await loadPipeline(`${FIXTURES}/nested/report.yaml`);
    const text = drawGraph(graph, "text");
    expect(text).toContain(
      "  each: pipeline summarise, for each {{ input.sections }}; reads index, item\n" +
        "    pipeline summarise (",
    );
    expect(text).toContain("      short: llm fast; reads input.text\n");
  });
});
