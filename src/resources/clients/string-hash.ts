/** FNV-1a over UTF-16 code units: a fast, stable 32-bit hash, not a cryptographic one. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Returns the next value of a xorshift32 sequence, never 0 for a non-zero input. */
export function nextHash(hash: number): number {
  let next = hash === 0 ? 0x9e3779b9 : hash;
  next ^= next << 13;
  next ^= next >>> 17;
  next ^= next << 5;
  return next >>> 0;
}
