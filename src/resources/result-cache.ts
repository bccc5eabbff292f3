import type { CallResult, LlmRequest } from "./types.js";

/**
 * Least-recently-used store of finished temperature-0 calls. A Map keeps
 * insertion order, so re-inserting on a hit moves an entry to the young end
 * and the first key is always the oldest.
 */
export class ResultCache {
  private readonly entries = new Map<string, CallResult>();
  private readonly schemaKeys = new WeakMap<object, string>();

  /** @param maxEntries Entries kept; 0 turns the cache off. */
  constructor(private readonly maxEntries: number) {}

  /**
   * Returns the cache key of a request to `model`, or undefined when the
   * request is not cacheable. Only temperature 0 replies are repeatable
   * enough to reuse.
   */
  keyOf(model: string, request: LlmRequest): string | undefined {
    if (this.maxEntries === 0 || request.temperature !== 0) return undefined;
    const stop = request.stop === undefined ? "" : JSON.stringify(request.stop);
    const schema = request.jsonSchema === undefined ? "" : this.schemaKeyOf(request.jsonSchema);
    const system = request.system ?? "";
    // Length prefixes keep fields from running together whatever they contain.
    return (
      model.length + ":" + model + system.length + ":" + system + request.prompt.length + ":" +
      request.prompt + (request.maxTokens ?? "") + ";" + stop + ";" + (request.isJson === true) +
      ";" + schema
    );
  }

  get(key: string): CallResult | undefined {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, result: CallResult): void {
    this.entries.delete(key);
    this.entries.set(key, result);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private schemaKeyOf(schema: Record<string, unknown>): string {
    let key = this.schemaKeys.get(schema);
    if (key === undefined) {
      key = JSON.stringify(schema);
      this.schemaKeys.set(schema, key);
    }
    return key;
  }
}
