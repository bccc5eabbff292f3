import type { Command } from "commander";
import type { ExitCode } from "./main.js";

// TODO: placeholder until the graph command is built; it registers nothing yet.
export function registerGraphCommand(_program: Command, _exit: ExitCode): void {}
