import type { Command } from "commander";
import type { ExitCode } from "./main.js";

// TODO: placeholder until the mock-server command is built; it registers nothing yet.
export function registerMockServerCommand(_program: Command, _exit: ExitCode): void {}
