import { renderTemplate } from "../graph/template.js";
import { INDEX, INPUT, ITEM, type Graph, type Ref } from "../graph/types.js";
import type { EndpointConfig, ResourceConfig } from "../resources/types.js";
import type { InputRecord } from "./events.js";

/**
 * Output tokens assumed for a call whose node sets no `max_tokens`. An
 * estimate, not a bound: a model may write more.
 */
export const ASSUMED_OUTPUT_TOKENS = 256;

/** Characters per token, the rough rule for English text. */
const CHARS_PER_TOKEN = 4;

export interface AliasEstimate {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface CostEstimate {
  records: number;
  /** Records that could not be read; they would fail without a call. */
  invalidRecords: number;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  aliases: Record<string, AliasEstimate>;
  /** True when a foreach list is computed during the run, so its length was guessed as 1. */
  hasUnknownFanOut: boolean;
}

function tokensOf(text: string): number {
  return Math.max(1, Math.ceil(text.length / CHARS_PER_TOKEN));
}

/** Mean price over an alias's endpoints, weighted as the load balancer weighs them. */
function pricesOf(endpoints: EndpointConfig[]): { input: number; output: number } {
  let weight = 0;
  let input = 0;
  let output = 0;
  for (const endpoint of endpoints) {
    weight += endpoint.weight;
    input += endpoint.weight * endpoint.inputCostPer1m;
    output += endpoint.weight * endpoint.outputCostPer1m;
  }
  return weight === 0 ? { input: 0, output: 0 } : { input: input / weight, output: output / weight };
}

/**
 * Estimates the calls, tokens and cost of running the records, calling
 * nothing. Prompts are rendered from each record with every upstream LLM
 * reply stood in for by text of its `max_tokens` length, and every reply is
 * assumed to use its full `max_tokens`, so the estimate leans high.
 */
export async function estimateCost(
  graph: Graph,
  resources: ResourceConfig,
  records: AsyncIterable<InputRecord>,
): Promise<CostEstimate> {
  const estimate: CostEstimate = {
    records: 0,
    invalidRecords: 0,
    calls: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    aliases: {},
    hasUnknownFanOut: false,
  };
  for await (const record of records) {
    estimate.records++;
    if (record.value === undefined) {
      estimate.invalidRecords++;
      continue;
    }
    estimateGraph(graph, record.value, resources, estimate, 1);
  }
  // Sums of many small float products carry noise such as
  // 3.5537639500000213; a ten-billionth of a dollar is far below any price.
  estimate.costUsd = roundUsd(estimate.costUsd);
  for (const entry of Object.values(estimate.aliases)) entry.costUsd = roundUsd(entry.costUsd);
  return estimate;
}

function roundUsd(usd: number): number {
  return Math.round(usd * 1e10) / 1e10;
}

function estimateGraph(
  graph: Graph,
  input: Record<string, unknown>,
  resources: ResourceConfig,
  estimate: CostEstimate,
  times: number,
): void {
  const standIns = new Map<string, unknown>();
  const resolve = (ref: Ref): unknown => {
    let value: unknown;
    if (ref.node === INPUT) value = input;
    else if (ref.node === ITEM || ref.node === INDEX) value = "x".repeat(40);
    else value = standIns.get(ref.node);
    for (const key of ref.path) {
      if (value === null || typeof value !== "object") return value;
      value = (value as Record<string, unknown>)[key];
    }
    return value;
  };
  for (const node of graph.nodes) {
    let fanOut = 1;
    if (node.foreach !== undefined) {
      const list = renderTemplate(node.foreach, resolve);
      if (Array.isArray(list)) fanOut = list.length;
      else estimate.hasUnknownFanOut = true;
    }
    if (node.kind === "llm") {
      const outputTokens = node.maxTokens ?? ASSUMED_OUTPUT_TOKENS;
      const prompt = String(renderTemplate(node.prompt, resolve) ?? "");
      const system = node.system ? String(renderTemplate(node.system, resolve) ?? "") : "";
      const inputTokens = tokensOf(prompt) + (system === "" ? 0 : tokensOf(system));
      addCalls(estimate, resources, node.alias, times * fanOut, inputTokens, outputTokens);
      standIns.set(node.id, "x".repeat(outputTokens * CHARS_PER_TOKEN));
    } else if (node.kind === "subgraph") {
      const childInput: Record<string, unknown> = {};
      for (const key in node.with) childInput[key] = renderTemplate(node.with[key]!, resolve);
      estimateGraph(node.graph, childInput, resources, estimate, times * fanOut);
    } else if (node.kind === "template") {
      standIns.set(node.id, renderTemplate(node.template, resolve));
    } else {
      standIns.set(node.id, "x".repeat(200));
    }
  }
}

function addCalls(
  estimate: CostEstimate,
  resources: ResourceConfig,
  alias: string,
  calls: number,
  inputTokens: number,
  outputTokens: number,
): void {
  const prices = pricesOf(resources.aliases.get(alias) ?? []);
  const costUsd = (calls * (inputTokens * prices.input + outputTokens * prices.output)) / 1e6;
  const entry = (estimate.aliases[alias] ??= {
    calls: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
  });
  entry.calls += calls;
  entry.inputTokens += calls * inputTokens;
  entry.outputTokens += calls * outputTokens;
  entry.costUsd += costUsd;
  estimate.calls += calls;
  estimate.inputTokens += calls * inputTokens;
  estimate.outputTokens += calls * outputTokens;
  estimate.costUsd += costUsd;
}
