import { createWriteStream, writeFileSync } from "node:fs";
import path from "node:path";
import { once } from "node:events";

/** Writes `count` JSON Lines records from `makeRecord(i)`, in 1 MB chunks. */
export async function writeRecords(file, count, makeRecord) {
  const out = createWriteStream(file);
  let chunk = "";
  for (let i = 0; i < count; i++) {
    chunk += JSON.stringify(makeRecord(i)) + "\n";
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, "drain");
      chunk = "";
    }
  }
  out.end(chunk);
  await once(out, "finish");
  return file;
}

/** A short, distinct ticket text per record, so no two prompts hit the result cache. */
export function ticketRecord(i) {
  return { id: `r${i}`, text: `ticket ${i}: the invoice for order ${i * 7919} is wrong` };
}

/**
 * B1 and B2: two LLM nodes and one template on the simulated provider
 * with zero latency, so only plait's own work is timed.
 */
export function writeSchedulerFiles(dir) {
  const pipeline = path.join(dir, "pipeline.yaml");
  writeFileSync(
    pipeline,
    [
      "name: bench-scheduler",
      "input: [text]",
      "nodes:",
      "  summary:",
      "    llm: sim",
      '    prompt: "Summarise: {{ input.text }}"',
      "  label:",
      "    llm: sim",
      '    prompt: "Label this summary: {{ summary }}"',
      "  line:",
      '    template: "{{ label }}: {{ summary }}"',
      "outputs:",
      '  line: "{{ line }}"',
      "",
    ].join("\n"),
  );
  const resources = path.join(dir, "resources.yaml");
  writeFileSync(
    resources,
    [
      "endpoints:",
      "  sim:",
      "    provider: simulated",
      "    max_concurrent: 1000",
      "max_total_concurrent: 1000",
      "max_inflight_graphs: 1000",
      "",
    ].join("\n"),
  );
  return { pipeline, resources };
}

/**
 * The B3 shape, a -> (b, c): one call, then two calls that both read its
 * reply. Every node calls `alias`.
 */
export function fanOutPipeline(alias) {
  return [
    "name: bench-fan-out",
    "input: [text]",
    "nodes:",
    "  a:",
    `    llm: ${alias}`,
    '    prompt: "Summarise: {{ input.text }}"',
    "    max_tokens: 60",
    "  b:",
    `    llm: ${alias}`,
    '    prompt: "Label this summary: {{ a }}"',
    "    max_tokens: 20",
    "  c:",
    `    llm: ${alias}`,
    '    prompt: "Draft a reply to: {{ a }}"',
    "    max_tokens: 60",
    "outputs:",
    '  label: "{{ b }}"',
    '  reply: "{{ c }}"',
    "",
  ].join("\n");
}

/** One endpoint on a mock server's OpenAI route, as YAML lines under `endpoints:`. */
export function mockEndpoint(alias, url, model, settings) {
  const lines = [
    `  ${alias}:`,
    "    provider: openai",
    `    model: ${model}`,
    `    base_url: ${url}/v1`,
    "    api_key: sk-bench",
    "    timeout: 60",
  ];
  for (const [key, value] of Object.entries(settings)) lines.push(`    ${key}: ${value}`);
  return lines.join("\n");
}

/**
 * B4 and W2 records pick their alias by data: a foreach over an empty list
 * makes no call, so `{slow: [text], fast: []}` calls only `slow`.
 */
export function splitRecord(i) {
  return splitRecordEvery(2)(i);
}

/** Like splitRecord, but one record in `every` lists its text for `slow`. */
export function splitRecordEvery(every) {
  return (i) => {
    const text = `ticket ${i}: the invoice for order ${i * 7919} is wrong`;
    const isSlow = i % every === 0;
    return { id: `r${i}`, text, slow: isSlow ? [text] : [], fast: isSlow ? [] : [text] };
  };
}
