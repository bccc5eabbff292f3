import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { InputRecord, RunListener } from "../../src/execution/events.js";
import { runRecords } from "../../src/execution/runner.js";
import type { CallGateway } from "../../src/execution/services.js";
import { compileJsonSchema } from "../../src/graph/json-schema.js";
import { loadPipeline } from "../../src/graph/load-pipeline.js";
import type { CallResult, LlmRequest } from "../../src/resources/types.js";
import { ManualClock } from "../../src/util/clock.js";

/** A gateway whose replies come from a function of the request; calls are logged. */
function fakeGateway(
  reply: (request: LlmRequest, node: string) => string | Error | { text: string; isTruncated: boolean },
  capacity = 4,
): CallGateway & { requests: Array<{ node: string; request: LlmRequest }> } {
  const requests: Array<{ node: string; request: LlmRequest }> = [];
  let next = 0;
  return {
    requests,
    capacity: () => capacity,
    async call(_alias, request, context) {
      requests.push({ node: context.node, request: { ...request } });
      await Promise.resolve();
      const answer = reply(request, context.node);
      if (answer instanceof Error) throw answer;
      const { text, isTruncated } = typeof answer === "string" ? { text: answer, isTruncated: false } : answer;
      const result: CallResult = {
        text,
        isTruncated,
        usage: { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0, cacheWriteTokens: 0 },
        callId: `c${next++}`,
        endpoint: "fake",
        latencyMs: 0,
        attempts: 1,
        costUsd: 0.001,
        isCached: false,
      };
      return result;
    },
  };
}

async function pipelineFile(yaml: string, extra: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "plait-runner-"));
  for (const [name, text] of Object.entries(extra)) await writeFile(path.join(dir, name), text);
  const file = path.join(dir, "pipeline.yaml");
  await writeFile(file, yaml);
  return file;
}

async function* recordsOf(values: Array<Record<string, unknown>>): AsyncGenerator<InputRecord> {
  let seq = 0;
  for (const value of values) {
    yield { id: String(value["id"] ?? seq + 1), seq, line: seq + 1, value };
    seq++;
  }
}

interface Captured {
  finished: Map<string, Record<string, unknown>>;
  failed: Map<string, { node?: string; kind: string; message: string; reply?: string }>;
  nodes: string[];
}

function capture(): RunListener & Captured {
  const finished = new Map<string, Record<string, unknown>>();
  const failed = new Map<string, { node?: string; kind: string; message: string }>();
  const nodes: string[] = [];
  return {
    finished,
    failed,
    nodes,
    onRecordFinished: (e) => finished.set(e.recordId, e.output),
    onRecordFailed: (e) => failed.set(e.recordId, e),
    onNodeFinished: (e) => nodes.push(`${e.recordId}:${e.node}`),
  };
}

async function run(
  file: string,
  gateway: CallGateway,
  values: Array<Record<string, unknown>>,
  extra: Partial<Parameters<typeof runRecords>[0]> = {},
) {
  const graph = await loadPipeline(file);
  const listener = capture();
  const totals = await runRecords({
    graph,
    gateway,
    records: recordsOf(values),
    maxInflightGraphs: 2,
    maxTotalConcurrent: 10,
    listeners: [listener],
    checkSchema: compileJsonSchema,
    ...extra,
  });
  return { totals, ...listener };
}

const CHAIN = `
name: chain
input: [text]
nodes:
  a: { llm: m, prompt: "A {{ input.text }}" }
  b: { llm: m, prompt: "B {{ a }}" }
  side: { llm: m, prompt: "S {{ input.text }}" }
  c: { template: "{{ b }} / {{ side }}" }
outputs:
  c: "{{ c }}"
`;

describe("runRecords", () => {
  it("passes values along the edges", async () => {
    const gateway = fakeGateway((r) => r.prompt.toUpperCase());
    const { totals, finished } = await run(await pipelineFile(CHAIN), gateway, [{ text: "x" }]);
    expect(totals.succeeded).toBe(1);
    expect(finished.get("1")).toEqual({ c: "B A X / S X" });
  });

  it("cancels only the failed node's downstream", async () => {
    const gateway = fakeGateway((r) =>
      r.prompt.startsWith("A") ? Object.assign(new Error("bad request"), { kind: "permanent" }) : "ok",
    );
    const { totals, failed, nodes } = await run(await pipelineFile(CHAIN), gateway, [{ text: "x" }]);
    expect(totals.failed).toBe(1);
    expect(failed.get("1")).toMatchObject({ node: "a", kind: "permanent", message: "bad request" });
    // side does not read a, so it still ran and its paid-for value was reported.
    expect(nodes).toEqual(["1:side"]);
    expect(gateway.requests.map((r) => r.node).sort()).toEqual(["a", "side"]);
  });

  it("keeps other records going when one fails", async () => {
    const gateway = fakeGateway((r) => (r.prompt.includes("boom") ? new Error("no") : "ok"));
    const { totals } = await run(await pipelineFile(CHAIN), gateway, [
      { text: "fine" },
      { text: "boom" },
      { text: "fine too" },
    ]);
    expect(totals).toMatchObject({ succeeded: 2, failed: 1 });
  });

  it("fails a record that lacks a declared field", async () => {
    const gateway = fakeGateway(() => "ok");
    const { failed } = await run(await pipelineFile(CHAIN), gateway, [{ other: 1 }]);
    expect(failed.get("1")?.kind).toBe("input");
    expect(failed.get("1")?.message).toMatch(/missing "text"/);
    expect(gateway.requests).toHaveLength(0);
  });

  it("never has more records in flight than the limit", async () => {
    let inFlight = 0;
    let peak = 0;
    const listener: RunListener = {
      onRecordAdmitted: () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
      },
      onRecordFinished: () => inFlight--,
      onRecordFailed: () => inFlight--,
    };
    const values = Array.from({ length: 20 }, (_, i) => ({ text: `t${i}` }));
    const { totals } = await run(await pipelineFile(CHAIN), fakeGateway(() => "ok"), values, {
      listeners: [listener],
      maxInflightGraphs: 3,
    });
    expect(totals.succeeded).toBe(20);
    expect(peak).toBe(3);
  });

  it("asks again when a JSON reply misses the schema", async () => {
    const file = await pipelineFile(`
name: json
input: [text]
nodes:
  label:
    llm: m
    prompt: "Label {{ input.text }}"
    output: json
    schema: { type: object, required: [label], properties: { label: { enum: [a, b] } } }
outputs:
  label: "{{ label.label }}"
`);
    let attempt = 0;
    const gateway = fakeGateway(() => (++attempt === 1 ? '{"label":"zzz"}' : '```json\n{"label":"b"}\n```'));
    const { finished } = await run(file, gateway, [{ text: "x" }]);
    expect(finished.get("1")).toEqual({ label: "b" });
    expect(gateway.requests).toHaveLength(2);
    expect(gateway.requests[1]!.request.prompt).toMatch(
      /^Label x\n\nYour previous reply could not be used: it does not match the schema: .*label.*\. Reply with JSON only\.$/,
    );
    expect(gateway.requests[0]!.request.jsonSchema).toBeDefined();
  });

  it("fails a JSON node after max_attempts with the reply", async () => {
    const file = await pipelineFile(`
name: json
input: [text]
nodes:
  label: { llm: m, prompt: "{{ input.text }}", output: json, max_attempts: 2 }
outputs:
  label: "{{ label }}"
`);
    const { failed } = await run(file, fakeGateway(() => "not json"), [{ text: "x" }]);
    expect(failed.get("1")).toMatchObject({ node: "label", kind: "invalid_json", reply: "not json" });
    expect(failed.get("1")?.message).toMatch(/^no usable reply after 2 attempts: the reply is not valid JSON/);
  });

  it("fails a truncated JSON reply without repairing it", async () => {
    const file = await pipelineFile(`
name: json
input: [text]
nodes:
  label: { llm: m, prompt: "{{ input.text }}", output: json, max_tokens: 5 }
outputs:
  label: "{{ label }}"
`);
    const gateway = fakeGateway(() => ({ text: '{"label": "lo', isTruncated: true }));
    const { failed } = await run(file, gateway, [{ text: "x" }]);
    expect(failed.get("1")?.kind).toBe("truncated");
    expect(failed.get("1")?.message).toMatch(/max_tokens 5/);
    expect(gateway.requests).toHaveLength(1);
  });

  it("fans out over a list with foreach, in order", async () => {
    const file = await pipelineFile(`
name: fan
input: [items]
nodes:
  each: { llm: m, foreach: "{{ input.items }}", prompt: "{{ index }}:{{ item }}" }
outputs:
  each: "{{ each }}"
`);
    const gateway = fakeGateway((r) => `<${r.prompt}>`);
    const { finished } = await run(file, gateway, [{ items: ["x", "y", "z"] }]);
    expect(finished.get("1")).toEqual({ each: ["<0:x>", "<1:y>", "<2:z>"] });
  });

  it("fails a record whose foreach value is not a list", async () => {
    const file = await pipelineFile(`
name: fan
input: [items]
nodes:
  each: { llm: m, foreach: "{{ input.items }}", prompt: "{{ item }}" }
outputs:
  each: "{{ each }}"
`);
    const { failed } = await run(file, fakeGateway(() => "ok"), [{ items: "nope" }]);
    expect(failed.get("1")?.message).toMatch(/foreach "\{\{ input.items \}\}" must give a list, but it gave string/);
  });

  it("fails a bad input list before any call", async () => {
    const file = await pipelineFile(`
name: fan
input: [items, text]
nodes:
  first: { llm: m, prompt: "{{ input.text }}" }
  each: { llm: m, foreach: "{{ input.items }}", prompt: "{{ first }} {{ item }}" }
outputs:
  each: "{{ each }}"
`);
    const gateway = fakeGateway(() => "ok");
    const { failed } = await run(file, gateway, [{ items: "nope", text: "t" }]);
    expect(failed.get("1")?.node).toBe("each");
    expect(failed.get("1")?.message).toMatch(/must give a list, but it gave string/);
    expect(gateway.requests).toHaveLength(0);
  });

  it("calls a user function and reports its throw", async () => {
    const file = await pipelineFile(
      `
name: fn
input: [n]
nodes:
  double: { function: ./lib.mjs#double, with: { n: "{{ input.n }}" } }
outputs:
  double: "{{ double }}"
`,
      {
        "lib.mjs":
          "export async function double({ n }) { if (n < 0) throw new Error('negative'); return n * 2; }",
      },
    );
    const { finished, failed } = await run(file, fakeGateway(() => "ok"), [
      { id: "p", n: 4 },
      { id: "n", n: -1 },
    ]);
    expect(finished.get("p")).toEqual({ double: 8 });
    expect(failed.get("n")?.kind).toBe("function");
    expect(failed.get("n")?.message).toMatch(/function "double" in .*lib\.mjs threw: negative/);
  });

  it("fails a function that returns a BigInt", async () => {
    const file = await pipelineFile(
      `
name: fn
input: [n]
nodes:
  big: { function: ./lib.mjs#big, with: { n: "{{ input.n }}" } }
outputs:
  big: "{{ big }}"
`,
      { "lib.mjs": "export function big({ n }) { return { value: BigInt(n) }; }" },
    );
    const { failed } = await run(file, fakeGateway(() => "ok"), [{ n: 1 }]);
    expect(failed.get("1")?.message).toMatch(
      /function "big" in .*lib\.mjs returned a BigInt, which cannot be saved as JSON/,
    );
  });

  /**
   * Starts a run of one record through a function that never settles, with
   * `options` added to its node, and waits until the timeout's sleep starts
   * (the module loads on real time).
   */
  async function startStuckFunction(options: string) {
    const file = await pipelineFile(
      `
name: fn
input: [n]
nodes:
  stuck: { function: ./lib.mjs#stuck, ${options}with: { n: "{{ input.n }}" } }
outputs:
  stuck: "{{ stuck }}"
`,
      { "lib.mjs": "export function stuck() { return new Promise(() => {}); }" },
    );
    const clock = new ManualClock();
    const listener = capture();
    const running = runRecords({
      graph: await loadPipeline(file),
      gateway: fakeGateway(() => "ok"),
      records: recordsOf([{ n: 1 }]),
      maxInflightGraphs: 1,
      maxTotalConcurrent: 1,
      listeners: [listener],
      clock,
      checkSchema: compileJsonSchema,
    });
    while (clock.pendingSleeps === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    return { clock, listener, running };
  }

  it("times out a function that never settles", async () => {
    const { clock, listener, running } = await startStuckFunction("");
    await clock.advance(300_000);
    const totals = await running;
    expect(totals.failed).toBe(1);
    expect(listener.failed.get("1")?.kind).toBe("timeout");
    expect(listener.failed.get("1")?.message).toMatch(/did not finish within 300 s/);
  });

  it("times out a function at its node's timeout", async () => {
    const { clock, listener, running } = await startStuckFunction("timeout: 2.5, ");
    await clock.advance(2_499);
    expect(listener.failed.size).toBe(0);
    await clock.advance(1);
    const totals = await running;
    expect(totals.failed).toBe(1);
    expect(listener.failed.get("1")?.message).toMatch(/did not finish within 2.5 s/);
  });

  it("reuses checkpointed nodes and skips finished records", async () => {
    const gateway = fakeGateway((r) => r.prompt.toUpperCase());
    const { totals, finished } = await run(await pipelineFile(CHAIN), gateway, [
      { id: "done", text: "x" },
      { id: "half", text: "y" },
    ], {
      resume: {
        finishedRecordIds: new Set(["done"]),
        nodeValues: new Map([["half", new Map([["a", { value: "FROM CHECKPOINT" }]])]]),
      },
    });
    expect(totals).toMatchObject({ skipped: 1, succeeded: 1 });
    expect(finished.get("half")).toEqual({ c: "B FROM CHECKPOINT / S Y" });
    expect(gateway.requests.map((r) => r.node).sort()).toEqual(["b", "side"]);
  });

  it("fails a record whose id repeats", async () => {
    const gateway = fakeGateway(() => "ok");
    const { totals, finished, failed } = await run(await pipelineFile(CHAIN), gateway, [
      { id: "a", text: "x" },
      { id: "b", text: "y" },
      { id: "a", text: "z" },
    ]);
    expect(totals).toMatchObject({ succeeded: 2, failed: 1 });
    expect([...finished.keys()].sort()).toEqual(["a", "b"]);
    expect(failed.get("a")?.message).toMatch(
      /^record on line 3 has id "a", which an earlier record already has/,
    );
  });

  it("stops admitting when the budget check says no", async () => {
    let admitted = 0;
    const { totals } = await run(
      await pipelineFile(CHAIN),
      fakeGateway(() => "ok"),
      Array.from({ length: 10 }, (_, i) => ({ text: String(i) })),
      { canAdmit: () => admitted++ < 4 },
    );
    expect(totals.stoppedBy).toBe("budget");
    expect(totals.succeeded).toBe(4);
  });
});

describe("runRecords with a manual clock", () => {
  it("holds max_concurrent, max_total_concurrent and max_inflight_graphs", async () => {
    const clock = new ManualClock();
    const latencyMs: Record<string, number> = { slow: 1000, fast: 10 };
    const inFlight: Record<string, number> = { slow: 0, fast: 0 };
    const peak: Record<string, number> = { slow: 0, fast: 0 };
    let peakTotal = 0;
    const fastStarts: number[] = [];
    const gateway: CallGateway = {
      capacity: (alias) => (alias === "slow" ? 2 : 3),
      async call(alias, request) {
        inFlight[alias]!++;
        peak[alias] = Math.max(peak[alias]!, inFlight[alias]!);
        peakTotal = Math.max(peakTotal, inFlight["slow"]! + inFlight["fast"]!);
        if (alias === "fast") fastStarts.push(clock.now());
        await clock.sleep(latencyMs[alias]!);
        inFlight[alias]!--;
        return {
          text: request.prompt,
          isTruncated: false,
          usage: { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0, cacheWriteTokens: 0 },
          callId: "c",
          endpoint: alias,
          latencyMs: latencyMs[alias]!,
          attempts: 1,
          costUsd: 0,
          isCached: false,
        };
      },
    };
    const file = await pipelineFile(`
name: two-aliases
input: [text, kind]
nodes:
  slow_part: { llm: slow, prompt: "{{ input.text }}" }
  fast_part: { llm: fast, prompt: "{{ input.text }}" }
outputs:
  both: "{{ slow_part }} {{ fast_part }}"
`);
    let recordsInFlight = 0;
    let peakRecords = 0;
    const listener: RunListener = {
      onRecordAdmitted: () => {
        recordsInFlight++;
        peakRecords = Math.max(peakRecords, recordsInFlight);
      },
      onRecordFinished: () => recordsInFlight--,
    };
    const values = Array.from({ length: 12 }, (_, i) => ({ text: `t${i}`, kind: "x" }));
    const running = runRecords({
      graph: await loadPipeline(file),
      gateway,
      records: recordsOf(values),
      maxInflightGraphs: 6,
      maxTotalConcurrent: 4,
      listeners: [listener],
      clock,
      checkSchema: compileJsonSchema,
    });
    await clock.runAll();
    const totals = await running;
    expect(totals.succeeded).toBe(12);
    expect(peak["slow"]).toBe(2);
    expect(peak["fast"]).toBe(2);
    expect(peakTotal).toBe(4);
    expect(peakRecords).toBe(6);
    // The fast alias is not held behind the slow one: the first six records'
    // fast calls finish long before the first slow call does.
    expect(fastStarts.slice(0, 6)).toEqual([0, 0, 10, 10, 20, 20]);
    // Two slow calls at a time for 12 records of one slow call each.
    expect(clock.now()).toBe(6000);
  });
});
