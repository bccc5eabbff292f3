/** Header values as undici's `request` returns them: lower-case names, repeats as arrays. */
export type RawReplyHeaders = Record<string, string | string[] | undefined>;

/**
 * The read-only part of a fetch `Headers` that the provider SDKs use on a
 * reply: get, has, iteration and forEach. Building a WHATWG `Headers`
 * validates and sorts every header on each call. This class keeps undici's
 * already lower-cased record as it is, joining repeated values with ", "
 * as `Headers.get` does.
 */
export class ReplyHeaders implements Iterable<[string, string]> {
  private readonly byName: Map<string, string>;

  constructor(raw: RawReplyHeaders) {
    this.byName = new Map();
    for (const name of Object.keys(raw)) {
      const value = raw[name];
      if (value === undefined) continue;
      this.byName.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
  }

  get(name: string): string | null {
    return this.byName.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.byName.has(name.toLowerCase());
  }

  entries(): IterableIterator<[string, string]> {
    return this.byName.entries();
  }

  keys(): IterableIterator<string> {
    return this.byName.keys();
  }

  forEach(callback: (value: string, name: string, headers: ReplyHeaders) => void): void {
    for (const [name, value] of this.byName) callback(value, name, this);
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.byName.entries();
  }
}
