/**
 * A mistake in how plait was invoked (a missing file, a bad flag value).
 * The CLI prints the message and exits 2; nothing has been spent.
 */
export class UsageError extends Error {
  override name = "UsageError";
}
