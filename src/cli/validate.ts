import type { Command } from "commander";
import type { ExitCode } from "./main.js";

// TODO: placeholder until the validate command is built; it registers nothing yet.
export function registerValidateCommand(_program: Command, _exit: ExitCode): void {}
