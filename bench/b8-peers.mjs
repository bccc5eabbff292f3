// B8: peers. Two workloads against the same mock servers, each run by
// plait and by three peers in bench/peers (their own package.json):
// the openai SDK with p-limit, one variant per record and one stage by
// stage, and LangChain.js ChatOpenAI.batch with maxConcurrency.
// W1 is B3's: a -> (b, c), 2,000 records, 100 +/- 50 ms, 64 at once.
// W2 mixes B4's aliases with B5's cap: a and b on `fast` (50 ms, 64 at
// once, 20 requests/s, 429 beyond), c on `slow` (2 s, 4 at once) for one
// record in three and on `fast` for the rest. With 120 records that is
// 320 fast calls (16 s at 20 a second) beside 40 slow ones (20 s at 4 at
// once), so a tool gains by keeping both endpoints busy together. With
// half the records on `slow`, `slow` alone sets the pace and every tool
// that keeps it full ties.
// Servers enforce the limits (429 beyond them), so no tool gains by
// sending more than an endpoint takes. Makespans are timed at the
// servers, from the first request to the last reply, for every tool alike.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Figures } from "./lib/figures.mjs";
import { StatsPoller, nowEpochMs, startMock } from "./lib/mock.mjs";
import { PEERS_DIR, makeTempDir } from "./lib/paths.mjs";
import { requireBuild, runPlait } from "./lib/run-plait.mjs";
import {
  fanOutPipeline,
  mockEndpoint,
  splitRecordEvery,
  ticketRecord,
  writeRecords,
} from "./lib/workloads.mjs";

const PEERS = ["openai-record", "openai-stage", "langchain-batch"];
/**
 * Retries for the peers' own retry loops. Their defaults (openai 2,
 * LangChain 6) lose records to 429s, and so did 10 for the per-record peer,
 * which sends up to 32 calls at once to `slow`.
 */
const PEER_MAX_RETRIES = 100;

const WORKLOADS = {
  w1: {
    records: Number(process.env.B8_W1_RECORDS ?? 2_000),
    makeRecord: ticketRecord,
    servers: { main: ["--latency", "100", "--jitter", "50", "--max-concurrent", "64"] },
    aliases: { main: { model: "bench-main", maxConcurrent: 64, plait: {} } },
    /** Two calls of a record run at once, so 32 records keep 64 calls in flight. */
    recordLimit: 32,
    target: 1.0,
  },
  w2: {
    records: Number(process.env.B8_W2_RECORDS ?? 120),
    makeRecord: splitRecordEvery(3),
    servers: {
      fast: ["--latency", "50", "--max-concurrent", "64", "--rate-limit", "20"],
      slow: ["--latency", "2000", "--max-concurrent", "4"],
    },
    aliases: {
      fast: { model: "bench-fast", maxConcurrent: 64, plait: { rate_limit: 100 } },
      slow: { model: "bench-slow", maxConcurrent: 4, plait: {} },
    },
    recordLimit: 32,
    target: 1.25,
    /** No tool can finish sooner: `slow` runs its calls 4 at a time, `fast` admits 20 a second. */
    lowerBoundMs(records) {
      const slowCalls = records.filter((record) => record.slow.length > 0).length;
      const fastCalls = records.length * 3 - slowCalls;
      return Math.max(Math.ceil(slowCalls / 4) * 2000, (fastCalls / 20) * 1000);
    },
  },
};

/** W2 as a plait pipeline: c is two foreach nodes, one per alias, and a record fills one list. */
function mixedPipeline() {
  return [
    "name: bench-mixed",
    "input: [text, slow, fast]",
    "nodes:",
    "  a:",
    "    llm: fast",
    '    prompt: "Summarise: {{ input.text }}"',
    "    max_tokens: 60",
    "  b:",
    "    llm: fast",
    '    prompt: "Label this summary: {{ a }}"',
    "    max_tokens: 20",
    "  c_slow:",
    "    llm: slow",
    '    foreach: "{{ input.slow }}"',
    '    prompt: "Draft a reply to: {{ a }}"',
    "    max_tokens: 60",
    "  c_fast:",
    "    llm: fast",
    '    foreach: "{{ input.fast }}"',
    '    prompt: "Draft a reply to: {{ a }}"',
    "    max_tokens: 60",
    "outputs:",
    '  label: "{{ b }}"',
    '  slow: "{{ c_slow }}"',
    '  fast: "{{ c_fast }}"',
    "",
  ].join("\n");
}

function ensurePeersInstalled() {
  if (existsSync(path.join(PEERS_DIR, "node_modules"))) return;
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const result = spawnSync(npm, ["ci", "--prefix", PEERS_DIR, "--no-audit", "--no-fund"], {
    stdio: "inherit",
  });
  if (result.status !== 0) throw new Error("npm ci --prefix bench/peers failed");
}

function countLines(file) {
  if (!existsSync(file)) return 0;
  let count = 0;
  for (const byte of readFileSync(file)) if (byte === 10) count++;
  return count;
}

async function runPlaitOn(work, dir, input, servers) {
  const pipeline = path.join(dir, "pipeline.yaml");
  writeFileSync(pipeline, work.name === "w1" ? fanOutPipeline("main") : mixedPipeline());
  const resources = path.join(dir, "resources.yaml");
  const endpoints = Object.entries(work.aliases).map(([alias, settings]) =>
    mockEndpoint(alias, servers[alias].url, settings.model, {
      max_concurrent: settings.maxConcurrent,
      ...settings.plait,
    }),
  );
  writeFileSync(
    resources,
    ["endpoints:", ...endpoints, "max_inflight_graphs: 256", ""].join("\n"),
  );
  const output = path.join(dir, "plait-results.jsonl");
  // results.jsonl is flushed at least every second, so sampling its lines
  // times record completions to within about a second.
  const finishedAtMs = [];
  let seen = 0;
  const sampler = setInterval(() => {
    const lines = countLines(output);
    const atMs = nowEpochMs();
    for (; seen < lines; seen++) finishedAtMs.push(atMs);
  }, 50);
  const result = await runPlait([
    "run", pipeline, "--resources", resources, "--input", input, "--output", output,
    "--runs-dir", path.join(dir, "runs"), "--progress", "none", "--json",
  ]);
  clearInterval(sampler);
  const lines = countLines(output);
  for (; seen < lines; seen++) finishedAtMs.push(nowEpochMs());
  if (result.summary === null) {
    throw new Error(`plait printed no summary (exit ${result.code}):\n${result.stderr}`);
  }
  const settings =
    `max_inflight_graphs 256, ` +
    Object.entries(work.aliases)
      .map(([alias, s]) => `${alias} max_concurrent ${s.maxConcurrent}` +
        (s.plait.rate_limit ? ` rate_limit ${s.plait.rate_limit}` : ""))
      .join(", ");
  return { finishedAtMs, failed: result.summary.totals.failed, settings };
}

function runPeer(peer, work, dir, input, servers) {
  const spec = {
    input,
    recordLimit: work.recordLimit,
    maxRetries: PEER_MAX_RETRIES,
    aliases: Object.fromEntries(
      Object.entries(work.aliases).map(([alias, s]) => [
        alias,
        { url: servers[alias].url, model: s.model, maxConcurrent: s.maxConcurrent },
      ]),
    ),
  };
  const specFile = path.join(dir, `${peer}.json`);
  writeFileSync(specFile, JSON.stringify(spec));
  const child = spawn(process.execPath, [path.join(PEERS_DIR, "run-peer.mjs"), peer, specFile], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`peer ${peer} exited with ${code}:\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split("\n").at(-1)));
    });
  });
}

/** Runs one tool on fresh server counters and times it from the servers' side. */
async function measure(tool, work, dir, input, servers) {
  await Promise.all(Object.values(servers).map((server) => server.reset()));
  // Let the rate window of the previous tool's requests pass.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const pollers = Object.values(servers).map((server) => new StatsPoller(server).start());
  const outcome =
    tool === "plait"
      ? await runPlaitOn(work, dir, input, servers)
      : await runPeer(tool, work, dir, input, servers);
  await Promise.all(pollers.map((poller) => poller.stop()));
  const firstMs = Math.min(...pollers.map((poller) => poller.firstRequestAtMs() ?? Infinity));
  const lastMs = Math.max(...pollers.map((poller) => poller.lastSuccessAtMs() ?? -Infinity));
  const makespanMs = lastMs - firstMs;
  const halfMs = firstMs + makespanMs / 2;
  const doneAtHalf = outcome.finishedAtMs.filter((atMs) => atMs <= halfMs).length;
  const stats = await Promise.all(Object.values(servers).map((server) => server.stats()));
  return {
    tool,
    makespanMs,
    shareDoneAtHalf: doneAtHalf / work.records,
    failed: outcome.failed,
    settings: outcome.settings,
    rateLimited: stats.reduce((sum, s) => sum + s.rateLimited.total, 0),
    requests: stats.reduce((sum, s) => sum + s.requests.total, 0),
  };
}

async function runWorkload(name, figures) {
  const work = { ...WORKLOADS[name], name };
  const dir = makeTempDir(`b8-${name}`);
  const input = await writeRecords(path.join(dir, "input.jsonl"), work.records, work.makeRecord);
  const servers = {};
  for (const [alias, flags] of Object.entries(work.servers)) servers[alias] = await startMock(flags);
  const runs = {};
  try {
    for (const tool of ["plait", ...PEERS]) {
      runs[tool] = await measure(tool, work, dir, input, servers);
      const run = runs[tool];
      figures.note(
        `${name} ${tool}: ${(run.makespanMs / 1000).toFixed(2)} s, ` +
          `${(run.shareDoneAtHalf * 100).toFixed(0)}% done at half time, ` +
          `${run.failed} failed, ${run.requests} requests (${run.rateLimited} got 429); ` +
          `settings: ${run.settings}`,
      );
    }
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
  }
  const plait = runs.plait;
  if (work.lowerBoundMs !== undefined) {
    const records = Array.from({ length: work.records }, (_, i) => work.makeRecord(i));
    const boundMs = work.lowerBoundMs(records);
    figures.note(
      `${name} lower bound for any tool ${(boundMs / 1000).toFixed(2)} s; plait took ` +
        `${(plait.makespanMs / boundMs).toFixed(2)} times that`,
    );
  }
  for (const peer of PEERS) {
    const ratio = runs[peer].makespanMs / plait.makespanMs;
    figures.atLeast(`b8.${name}.${peer}_over_plait`, ratio, work.target);
  }
  figures.atLeast(`b8.${name}.plait_done_at_half`, plait.shareDoneAtHalf, 0.4);
  figures.atMost(`b8.${name}.plait_failed`, plait.failed, 0, 0);
  return runs;
}

export async function main() {
  requireBuild();
  ensurePeersInstalled();
  const figures = new Figures("b8-peers");
  const only = process.env.B8_ONLY;
  const raw = {};
  for (const name of Object.keys(WORKLOADS)) {
    if (only === undefined || only === name) raw[name] = await runWorkload(name, figures);
  }
  figures.raw = raw;
  return figures.finish();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
