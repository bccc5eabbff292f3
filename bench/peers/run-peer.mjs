// Runs one B8 peer over a workload and prints one JSON line: when it
// started, when each record finished (epoch ms), how many failed, and the
// settings it used. Usage:
//   node run-peer.mjs PEER SPEC_FILE
// where PEER is openai-record, openai-stage or langchain-batch, and
// SPEC_FILE is JSON: { input, aliases: { NAME: { url, model, maxConcurrent } },
// recordLimit, maxRetries }.
import { readFileSync } from "node:fs";
import { ChatOpenAI } from "@langchain/openai";
import OpenAI from "openai";
import pLimit from "p-limit";
import { loadRecords, prompts } from "./workload.mjs";

const [peer, specFile] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specFile, "utf8"));
const records = loadRecords(spec.input);
const now = () => performance.timeOrigin + performance.now();

/** openai SDK clients, one per alias; the SDK retries 429s itself, honouring Retry-After. */
function openaiClients() {
  const clients = {};
  for (const [alias, endpoint] of Object.entries(spec.aliases)) {
    const client = new OpenAI({
      baseURL: `${endpoint.url}/v1`,
      apiKey: "sk-bench",
      maxRetries: spec.maxRetries,
      timeout: 60_000,
    });
    clients[alias] = async (prompt) => {
      const reply = await client.chat.completions.create({
        model: endpoint.model,
        messages: [{ role: "user", content: prompt.text }],
        max_tokens: prompt.maxTokens,
      });
      return reply.choices[0].message.content ?? "";
    };
  }
  return clients;
}

/** Runs one record's graph: a, then b and c at once, each on the alias its prompt names. */
async function runRecord(record, call) {
  const first = prompts.first(record);
  const a = await call(first.alias, first);
  await Promise.all(prompts.second(record, a).map((prompt) => call(prompt.alias, prompt)));
}

/** Every record's whole graph under one p-limit of `recordLimit` records. */
async function openaiPerRecord() {
  const clients = openaiClients();
  const limit = pLimit(spec.recordLimit);
  const finishedAtMs = new Array(records.length);
  let failed = 0;
  await Promise.all(
    records.map((record, i) =>
      limit(async () => {
        try {
          await runRecord(record, (alias, prompt) => clients[alias](prompt));
          finishedAtMs[i] = now();
        } catch {
          failed++;
        }
      }),
    ),
  );
  return {
    finishedAtMs: finishedAtMs.filter(Boolean),
    failed,
    settings: `p-limit(${spec.recordLimit}) over records, openai maxRetries ${spec.maxRetries}`,
  };
}

/** Stage by stage: every record's a, then every b and c, with one p-limit per alias. */
async function openaiPerStage() {
  const clients = openaiClients();
  const limits = {};
  for (const [alias, endpoint] of Object.entries(spec.aliases)) {
    limits[alias] = pLimit(endpoint.maxConcurrent);
  }
  const call = (prompt) => limits[prompt.alias](() => clients[prompt.alias](prompt));
  const firsts = await Promise.allSettled(records.map((record) => call(prompts.first(record))));
  const finishedAtMs = [];
  let failed = 0;
  await Promise.all(
    records.map(async (record, i) => {
      if (firsts[i].status === "rejected") {
        failed++;
        return;
      }
      try {
        await Promise.all(prompts.second(record, firsts[i].value).map(call));
        finishedAtMs.push(now());
      } catch {
        failed++;
      }
    }),
  );
  const perAlias = Object.entries(spec.aliases)
    .map(([alias, endpoint]) => `${alias} ${endpoint.maxConcurrent}`)
    .join(", ");
  return {
    finishedAtMs,
    failed,
    settings: `p-limit per alias (${perAlias}), stage by stage, openai maxRetries ${spec.maxRetries}`,
  };
}

/** LangChain: one ChatOpenAI per alias, `.batch` per stage and alias with maxConcurrency. */
async function langchainBatch() {
  const models = {};
  for (const [alias, endpoint] of Object.entries(spec.aliases)) {
    models[alias] = new ChatOpenAI({
      model: endpoint.model,
      apiKey: "sk-bench",
      configuration: { baseURL: `${endpoint.url}/v1` },
      maxRetries: spec.maxRetries,
      timeout: 60_000,
    });
  }
  // Runs prompts grouped by alias, each group as one batch call.
  const runStage = async (items) => {
    const groups = new Map();
    items.forEach((item, index) => {
      const group = groups.get(item.prompt.alias) ?? [];
      group.push({ ...item, index });
      groups.set(item.prompt.alias, group);
    });
    const out = new Array(items.length);
    await Promise.all(
      [...groups].map(async ([alias, group]) => {
        const model = models[alias];
        const replies = await model.batch(
          group.map((item) => [["user", item.prompt.text]]),
          { maxConcurrency: spec.aliases[alias].maxConcurrent },
          { returnExceptions: true },
        );
        replies.forEach((reply, k) => (out[group[k].index] = reply));
      }),
    );
    return out;
  };
  const firsts = await runStage(records.map((record, r) => ({ r, prompt: prompts.first(record) })));
  const failedRecords = new Set();
  firsts.forEach((reply, r) => reply instanceof Error && failedRecords.add(r));
  const second = [];
  records.forEach((record, r) => {
    if (failedRecords.has(r)) return;
    for (const prompt of prompts.second(record, String(firsts[r].content))) second.push({ r, prompt });
  });
  const replies = await runStage(second);
  const doneAtMs = now();
  replies.forEach((reply, k) => reply instanceof Error && failedRecords.add(second[k].r));
  const perAlias = Object.entries(spec.aliases)
    .map(([alias, endpoint]) => `${alias} ${endpoint.maxConcurrent}`)
    .join(", ");
  return {
    // A batch call returns all its replies together, so every record ends when its stage ends.
    finishedAtMs: new Array(records.length - failedRecords.size).fill(doneAtMs),
    failed: failedRecords.size,
    settings:
      `ChatOpenAI.batch per stage and alias, maxConcurrency (${perAlias}), ` +
      `maxRetries ${spec.maxRetries}`,
  };
}

const peers = {
  "openai-record": openaiPerRecord,
  "openai-stage": openaiPerStage,
  "langchain-batch": langchainBatch,
};
if (peers[peer] === undefined) {
  throw new Error(`unknown peer "${peer}": use ${Object.keys(peers).join(", ")}`);
}
const startedAtMs = now();
const outcome = await peers[peer]();
process.stdout.write(JSON.stringify({ peer, startedAtMs, endedAtMs: now(), ...outcome }) + "\n");
