import { Command, CommanderError } from "commander";
import { createRequire } from "node:module";
import { formatCliError } from "./format-error.js";
import { registerGraphCommand } from "./graph.js";
import { registerMockServerCommand } from "./mock-server.js";
import { registerReportCommand } from "./report.js";
import { registerRunCommand } from "./run.js";
import { registerRunsCommand } from "./runs.js";
import { registerValidateCommand } from "./validate.js";

const require = createRequire(import.meta.url);
const { version } = require("../../package.json") as { version: string };

/** Exit codes shared by every command. */
export const EXIT = {
  ok: 0,
  someRecordsFailed: 1,
  usage: 2,
  interrupted: 130,
} as const;

/** Holds the exit code a command's action decided on. */
export interface ExitCode {
  code: number;
}

export function createProgram(exit: ExitCode): Command {
  const program = new Command("plait")
    .description("Run graphs of LLM calls over a batch of records.")
    .version(version)
    .showHelpAfterError("(add --help to the command for its usage)")
    .exitOverride();
  registerRunCommand(program, exit);
  registerValidateCommand(program, exit);
  registerGraphCommand(program, exit);
  registerReportCommand(program, exit);
  registerRunsCommand(program, exit);
  registerMockServerCommand(program, exit);
  return program;
}

/** Runs the CLI and returns the process exit code; only bin/plait.js exits. */
export async function main(argv: string[]): Promise<number> {
  const exit: ExitCode = { code: EXIT.ok };
  const program = createProgram(exit);
  try {
    await program.parseAsync(argv);
    return exit.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return error.exitCode === 0 ? 0 : EXIT.usage;
    }
    process.stderr.write(formatCliError(error) + "\n");
    return EXIT.usage;
  }
}

export { version as plaitVersion };
