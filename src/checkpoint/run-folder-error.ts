/**
 * A run folder that cannot be used: missing, not a plait run, or damaged.
 * The message is meant for the user; the CLI shows it and exits 2.
 */
export class RunFolderError extends Error {
  override name = "RunFolderError";
}
