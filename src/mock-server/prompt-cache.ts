import { hashText } from "./random.js";

/** Keys remembered before the cache starts over, to bound memory on long runs. */
const MAX_ENTRIES = 100_000;

/**
 * Remembers which prompts the server has seen, so it can report cached
 * prompt tokens the way providers do: the first request with a long system
 * prompt writes it to the cache, and later ones read it.
 *
 * NOTE: real Anthropic caches only blocks marked with `cache_control`, and
 * OpenAI counts cached tokens in steps of 128. The mock ignores both rules so
 * that cached-token accounting is exercised whatever the client sends.
 */
export class PromptCache {
  private readonly seen = new Set<string>();

  constructor(private readonly minTokens: number) {}

  /**
   * Records a sighting of `system` for `model`. Returns how many of its
   * tokens were read from, or written to, the cache by this request.
   */
  lookupSystemPrompt(
    model: string,
    system: string,
    systemTokens: number,
  ): { readTokens: number; writeTokens: number } {
    if (system === "" || systemTokens < this.minTokens) return { readTokens: 0, writeTokens: 0 };
    const isHit = this.markSeen(`system:${model}`, system);
    return isHit
      ? { readTokens: systemTokens, writeTokens: 0 }
      : { readTokens: 0, writeTokens: systemTokens };
  }

  /** Records a sighting of a whole prompt. Returns true when it was seen before. */
  markPromptSeen(model: string, prompt: string): boolean {
    return this.markSeen(`prompt:${model}`, prompt);
  }

  private markSeen(namespace: string, text: string): boolean {
    // Two hashes and the length make an accidental collision negligible
    // without keeping long prompts in memory.
    const key = `${namespace}:${hashText(text)}:${hashText(text, 0x9e3779b9)}:${text.length}`;
    if (this.seen.has(key)) return true;
    if (this.seen.size >= MAX_ENTRIES) this.seen.clear();
    this.seen.add(key);
    return false;
  }
}
