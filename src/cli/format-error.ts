import { RunFolderError } from "../checkpoint/run-folder-error.js";
import { UsageError } from "./usage-error.js";

/**
 * Turns an error that reached the CLI into the text shown to the user.
 * Known error classes show their own message; anything else is a bug in
 * plait, so its stack is shown too.
 */
export function formatCliError(error: unknown): string {
  if (error instanceof UsageError || error instanceof RunFolderError) {
    return `plait: ${error.message}`;
  }
  if (error instanceof Error && "issues" in error && typeof error.message === "string") {
    return error.message;
  }
  if (error instanceof Error) return `plait: internal error: ${error.stack ?? error.message}`;
  return `plait: internal error: ${String(error)}`;
}
