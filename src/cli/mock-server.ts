import { type Command, Option } from "commander";
import {
  FAULT_MODES,
  type FaultMode,
  type MockServerOptions,
  type ModelLatency,
  RETRY_AFTER_FORMATS,
  type RetryAfterFormat,
  startMockServer,
} from "../mock-server/index.js";
import type { ExitCode } from "./main.js";
import { UsageError } from "./usage-error.js";
import { parseNonNegative, parseShare, parseWholeNumber } from "./options.js";

interface MockServerFlags {
  port: number;
  latency: number;
  jitter: number;
  rateLimit?: number;
  maxConcurrent?: number;
  fail: number;
  failModes?: FaultMode[];
  slow?: number;
  retryAfterFormat: RetryAfterFormat;
  retryAfter?: number;
  seed?: number;
  model?: Record<string, ModelLatency>;
  promptCacheMinTokens?: number;
  ollamaOmitCachedPromptEvalCount?: boolean;
}

export function registerMockServerCommand(program: Command, exit: ExitCode): void {
  program
    .command("mock-server")
    .description(
      "Serve OpenAI, Anthropic and Ollama compatible chat APIs on 127.0.0.1 with " +
        "deterministic replies, to try pipelines and limits without spending money.",
    )
    .option(
      "--port <n>",
      "TCP port on 127.0.0.1; 0 picks a free one",
      parseWholeNumber("--port", 0, 65_535),
      8787,
    )
    .option(
      "--latency <ms>",
      "mean reply latency in milliseconds",
      parseNonNegative("--latency"),
      0,
    )
    .option(
      "--jitter <ms>",
      "latency varies uniformly by up to this many ms either way",
      parseNonNegative("--jitter"),
      0,
    )
    .option(
      "--rate-limit <rps>",
      "requests admitted in any 1 s window; more get 429",
      parseWholeNumber("--rate-limit", 1),
    )
    .option(
      "--max-concurrent <n>",
      "requests in flight at once; more get 429",
      parseWholeNumber("--max-concurrent", 1),
    )
    .option("--fail <p>", "share of requests that fail, 0 to 1", parseShare("--fail"), 0)
    .option(
      "--fail-modes <list>",
      `comma-separated faults --fail picks from: ${FAULT_MODES.join(", ")} (default: 500,drop)`,
      parseFaultModes,
    )
    .option(
      "--slow <ms>",
      "how long a slow fault stalls the body after the headers (default: 30000)",
      parseNonNegative("--slow"),
    )
    .addOption(
      new Option("--retry-after-format <format>", "how Retry-After is written on a 429")
        .choices(RETRY_AFTER_FORMATS)
        .default("seconds"),
    )
    .option(
      "--retry-after <seconds>",
      "fixed Retry-After on every 429, in whole seconds",
      parseWholeNumber("--retry-after", 1),
    )
    .option(
      "--seed <n>",
      "seed for fault choice and jitter (default: 1)",
      parseWholeNumber("--seed", 0),
    )
    .option(
      "--model <name=ms[:jitter]>",
      "latency and jitter in ms for one model; repeat for more models",
      collectModelLatency,
    )
    .option(
      "--prompt-cache-min-tokens <n>",
      "system prompts this long (in chars/4 tokens) count as cached when repeated (default: 1024)",
      parseWholeNumber("--prompt-cache-min-tokens", 1),
    )
    .option(
      "--ollama-omit-cached-prompt-eval-count",
      "leave prompt_eval_count out of Ollama replies to a repeated prompt, as Ollama does",
    )
    .addHelpText(
      "after",
      "\nRoutes: POST /v1/chat/completions, POST /v1/messages, POST /api/chat," +
        "\nGET /v1/models, GET /api/tags, GET /stats, POST /stats/reset." +
        "\nStops on Ctrl-C or SIGTERM with exit code 0.",
    )
    .action(async (flags: MockServerFlags) => {
      exit.code = await serveUntilStopped(toServerOptions(flags));
    });
}

function toServerOptions(flags: MockServerFlags): MockServerOptions {
  return {
    port: flags.port,
    latencyMs: flags.latency,
    jitterMs: flags.jitter,
    models: flags.model ?? {},
    rateLimit: flags.rateLimit,
    maxConcurrent: flags.maxConcurrent,
    failRate: flags.fail,
    failModes: flags.failModes,
    slowMs: flags.slow,
    retryAfterFormat: flags.retryAfterFormat,
    retryAfterSeconds: flags.retryAfter,
    seed: flags.seed,
    promptCacheMinTokens: flags.promptCacheMinTokens,
    ollamaOmitCachedPromptEvalCount: flags.ollamaOmitCachedPromptEvalCount === true,
  };
}

/** Starts the server, prints its address, and returns exit code 0 once a stop signal comes. */
async function serveUntilStopped(options: MockServerOptions): Promise<number> {
  let server;
  try {
    server = await startMockServer(options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      const port = String(options.port);
      throw new UsageError(
        `port ${port} is already in use; pick another with --port, or --port 0 for a free one`,
      );
    }
    throw error;
  }
  // Listening for signals before printing the address, because a script may
  // send SIGTERM as soon as it reads the line.
  const stopped = waitForStopSignal();
  // Tests and scripts read the address from this line. Nothing is logged per request.
  process.stdout.write(`plait mock-server listening on ${server.url}\n`);
  await stopped;
  await server.close();
  return 0;
}

function waitForStopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolve();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

function parseFaultModes(text: string): FaultMode[] {
  const modes = text.split(",").map((mode) => mode.trim());
  for (const mode of modes) {
    if (!(FAULT_MODES as readonly string[]).includes(mode)) {
      throw new UsageError(
        `--fail-modes must list faults from ${FAULT_MODES.join(", ")}, but it contains "${mode}"`,
      );
    }
  }
  return modes as FaultMode[];
}

/** Parses one `--model NAME=LATENCY_MS[:JITTER_MS]` and adds it to the earlier ones. */
function collectModelLatency(
  text: string,
  previous: Record<string, ModelLatency> | undefined,
): Record<string, ModelLatency> {
  // The last "=" splits, because Ollama model names may contain ":" but not "=".
  const split = text.lastIndexOf("=");
  const name = text.slice(0, split);
  const [latencyText = "", jitterText, ...rest] = text.slice(split + 1).split(":");
  const isValid =
    split > 0 &&
    rest.length === 0 &&
    isNonNegativeNumber(latencyText) &&
    (jitterText === undefined || isNonNegativeNumber(jitterText));
  if (!isValid) {
    throw new UsageError(
      "--model must be NAME=LATENCY_MS or NAME=LATENCY_MS:JITTER_MS with numbers of at least 0, " +
        `but it is "${text}"`,
    );
  }
  const latency: ModelLatency = { latencyMs: Number(latencyText) };
  if (jitterText !== undefined) latency.jitterMs = Number(jitterText);
  return { ...previous, [name]: latency };
}

function isNonNegativeNumber(text: string): boolean {
  const value = Number(text);
  return text.trim() !== "" && Number.isFinite(value) && value >= 0;
}
