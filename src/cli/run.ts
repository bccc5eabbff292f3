import type { Command } from "commander";
import type { ExitCode } from "./main.js";

// TODO: placeholder until the run command is built; it registers nothing yet.
export function registerRunCommand(_program: Command, _exit: ExitCode): void {}
