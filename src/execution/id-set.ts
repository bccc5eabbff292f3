const PARTITION_BITS = 10;
const PARTITIONS = 1 << PARTITION_BITS;
const FIRST_PARTITION_SLOTS = 16;
const MAX_LOAD = 0.85;
const GROWTH = 1.5;
/** Bit set in every stored tag, so a tag of 0 marks an empty slot. */
const OCCUPIED = 0x8000;
const TAG_MASK = 0x7fff;
const TWO_TO_32 = 4294967296;

/**
 * A set of record ids kept as 57-bit hashes, so checking a million ids for
 * repeats costs about 9 MB instead of the hundreds a Set of strings would
 * take. Two different ids share a hash with a chance of about n² / 2^58,
 * about 1 in 290,000 for a million ids, and such a pair is reported as a
 * repeat.
 *
 * The hashes are spread over 1,024 small tables by their low 10 bits. Each
 * table stores the next 15 bits as a 16-bit tag and the high 32 bits as a
 * key, 6 bytes a slot. Each table grows on its own, so a resize copies
 * about a thousandth of the set rather than all of it, and memory grows
 * smoothly with the set.
 */
export class IdSet {
  private readonly keys: Uint32Array[] = [];
  private readonly tags: Uint16Array[] = [];
  private readonly counts = new Uint32Array(PARTITIONS);
  private readonly hash = new Uint32Array(2);
  private count = 0;

  constructor() {
    for (let partition = 0; partition < PARTITIONS; partition++) {
      // First sizes spread over one growth step, so the tables grow at
      // different moments rather than all at once, which would leave every
      // old table as garbage at the same time.
      const slots = Math.round(FIRST_PARTITION_SLOTS * GROWTH ** (partition / PARTITIONS));
      this.keys.push(new Uint32Array(slots));
      this.tags.push(new Uint16Array(slots));
    }
  }

  /** Adds the id; returns false when it was already there. */
  add(id: string): boolean {
    hashId(id, this.hash);
    const low = this.hash[0]!;
    const key = this.hash[1]!;
    const partition = low & (PARTITIONS - 1);
    const tag = ((low >>> PARTITION_BITS) & TAG_MASK) | OCCUPIED;
    if (this.counts[partition]! + 1 > this.keys[partition]!.length * MAX_LOAD) {
      this.grow(partition);
    }
    if (!insert(this.keys[partition]!, this.tags[partition]!, key, tag)) return false;
    this.counts[partition]!++;
    this.count++;
    return true;
  }

  get size(): number {
    return this.count;
  }

  private grow(partition: number): void {
    const oldKeys = this.keys[partition]!;
    const oldTags = this.tags[partition]!;
    const slots = Math.ceil(oldKeys.length * GROWTH);
    const keys = new Uint32Array(slots);
    const tags = new Uint16Array(slots);
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldTags[i] !== 0) insert(keys, tags, oldKeys[i]!, oldTags[i]!);
    }
    this.keys[partition] = keys;
    this.tags[partition] = tags;
  }
}

/**
 * Inserts by linear probing from a home slot taken from the key's high
 * bits. Returns false when the same key and tag are already there.
 */
function insert(keys: Uint32Array, tags: Uint16Array, key: number, tag: number): boolean {
  const slots = keys.length;
  let i = Math.floor((key * slots) / TWO_TO_32);
  for (;;) {
    const slotTag = tags[i]!;
    if (slotTag === 0) {
      keys[i] = key;
      tags[i] = tag;
      return true;
    }
    if (slotTag === tag && keys[i] === key) return false;
    i++;
    if (i === slots) i = 0;
  }
}

/** Hashes a string into two well-mixed 32-bit words with two multiply-xor lanes. */
function hashId(id: string, out: Uint32Array): void {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < id.length; i++) {
    const code = id.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  out[0] = h1;
  out[1] = h2;
}
