/** A fenced code block anywhere in a reply, with its language tag. */
const FENCED_BLOCK = /```([A-Za-z0-9_-]*)[ \t]*\r?\n([\s\S]*?)\r?\n?```/g;

/**
 * Parses a model's reply as JSON. Models often wrap JSON in a fenced code
 * block (```json ... ```) even when the prompt requests bare JSON, often
 * after a line of text. So the reply's only fenced block, or its only
 * block tagged json, is taken when there is one. Nothing else is repaired:
 * a reply that still does not parse is an error, because a guessed object
 * would be silently wrong.
 */
export function parseJsonReply(text: string): { value: unknown } | { error: string } {
  const body = jsonBody(text.trim());
  try {
    return { value: JSON.parse(body) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { error: `the reply is not valid JSON (${reason})` };
  }
}

function jsonBody(reply: string): string {
  const blocks = [...reply.matchAll(FENCED_BLOCK)];
  if (blocks.length === 1) return blocks[0]![2]!.trim();
  const tagged = blocks.filter((block) => block[1]!.toLowerCase() === "json");
  if (tagged.length === 1) return tagged[0]![2]!.trim();
  return reply;
}
