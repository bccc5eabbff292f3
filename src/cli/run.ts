import { Command, Option } from "commander";
import type { ExitCode } from "./main.js";
import { parseChoice, parseNonNegative, parseWholeNumber } from "./options.js";
import { DEFAULT_RUNS_DIR, runSession, type RunCommandOptions } from "./run-session.js";

export function registerRunCommand(program: Command, exit: ExitCode): void {
  program
    .command("run")
    .description("Run every record of the input through the pipeline's graph.")
    .argument("<pipeline>", "pipeline file (YAML)")
    .requiredOption("-r, --resources <file>", "resource file binding aliases to endpoints")
    .option("-i, --input <file>", 'records as JSON Lines or CSV with a header; "-" for stdin')
    .option("-o, --output <file>", "results file (default: results.jsonl in the run folder)")
    .option("--runs-dir <dir>", "folder that holds run folders", DEFAULT_RUNS_DIR)
    .option("--id-field <name>", "record field used as the record id", "id")
    .option("--limit <n>", "run only the first N records", parseWholeNumber("--limit", 1))
    .option(
      "--max-inflight <n>",
      "records in flight at once (overrides max_inflight_graphs)",
      parseWholeNumber("--max-inflight", 1),
    )
    .option(
      "--max-cost <usd>",
      "stop admitting records once the run's spend, across all its attempts, reaches this " +
        "many US dollars; --resume keeps the budget of the run unless given a new one",
      parseNonNegative("--max-cost"),
    )
    .option("--no-max-cost", "run without a budget, dropping one stored by an earlier attempt")
    .option("--dry-run", "count calls and estimate the cost; call nothing")
    .option("--trace <file>", "write Chrome trace events (open in Perfetto)")
    .addOption(
      new Option(
        "--progress <mode>",
        "progress display: plain, bar, dashboard or none (default: dashboard on a terminal)",
      )
        .argParser(parseChoice("--progress", ["plain", "bar", "dashboard", "none"] as const)),
    )
    .option("--no-dashboard", "show plain progress lines instead of the dashboard")
    .option("--no-color", "print without colour (NO_COLOR is honoured too)")
    .option("--json", "print the final summary as one JSON object on stdout")
    .option("--resume [run]", "continue a stopped run (default: the latest of this pipeline)")
    .option("--force", "resume even though the pipeline, resources or input changed")
    .addHelpText(
      "after",
      "\nExit codes: 0 all records succeeded, 1 some failed or the budget stopped the run," +
        "\n2 bad usage, configuration or input, or no endpoint could be reached (nothing" +
        "\nspent), 130 interrupted (resumable).",
    )
    .action(async (pipeline: string, options: Omit<RunCommandOptions, "pipeline">) => {
      exit.code = await runSession({ ...options, pipeline });
    });
}
