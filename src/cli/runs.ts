import type { Command } from "commander";
import type { ExitCode } from "./main.js";

// TODO: placeholder until the runs command is built; it registers nothing yet.
export function registerRunsCommand(_program: Command, _exit: ExitCode): void {}
