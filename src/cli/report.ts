import type { Command } from "commander";
import type { ExitCode } from "./main.js";

// TODO: placeholder until the report command is built; it registers nothing yet.
export function registerReportCommand(_program: Command, _exit: ExitCode): void {}
