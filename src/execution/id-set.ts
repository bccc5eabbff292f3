/**
 * A set of record ids kept as 53-bit hashes in a typed array, so checking a
 * million ids for repeats costs about 16 MB instead of the hundreds a Set of
 * strings would take. Two different ids share a hash with a chance of about
 * n² / 2^54, about 1 in 18,000 for ten million ids. Such a pair would be
 * reported as a repeat.
 */
export class IdSet {
  private slots = new Float64Array(1 << 12);
  private count = 0;

  /** Adds the id; returns false when it was already there. */
  add(id: string): boolean {
    if ((this.count + 1) * 2 > this.slots.length) this.grow();
    const hash = hashId(id);
    const inserted = insert(this.slots, hash);
    if (inserted) this.count++;
    return inserted;
  }

  get size(): number {
    return this.count;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Float64Array(old.length * 2);
    for (let i = 0; i < old.length; i++) {
      if (old[i] !== 0) insert(this.slots, old[i]!);
    }
  }
}

/** Linear probing; 0 marks an empty slot, so no hash is 0. */
function insert(slots: Float64Array, hash: number): boolean {
  const mask = slots.length - 1;
  let i = hash % slots.length & mask;
  for (;;) {
    const slot = slots[i]!;
    if (slot === 0) {
      slots[i] = hash;
      return true;
    }
    if (slot === hash) return false;
    i = (i + 1) & mask;
  }
}

/** Hashes a string to 53 bits with two 32-bit multiply-xor lanes. Never returns 0. */
function hashId(id: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < id.length; i++) {
    const code = id.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const hash = 4294967296 * (2097151 & h2) + (h1 >>> 0);
  return hash === 0 ? 1 : hash;
}
