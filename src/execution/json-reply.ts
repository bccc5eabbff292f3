/**
 * Parses a model's reply as JSON. Models often wrap JSON in a fenced code
 * block (```json ... ```) even when told not to, so one fence around the
 * whole reply is removed first. Nothing else is repaired: a reply that still
 * does not parse is an error, because a guessed object would be silently wrong.
 */
export function parseJsonReply(text: string): { value: unknown } | { error: string } {
  let body = text.trim();
  const fence = /^```[A-Za-z0-9_-]*[ \t]*\r?\n([\s\S]*?)\r?\n?```$/.exec(body);
  if (fence) body = fence[1]!.trim();
  try {
    return { value: JSON.parse(body) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { error: `the reply is not valid JSON (${reason})` };
  }
}
