/** Edit distance between two strings: insertions, deletions and substitutions. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * Returns the candidate closest to `value`, when it is close enough to be a
 * likely typo: at most one edit per three characters, and at least one edit
 * allowed.
 */
export function findClosest(value: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance =
      candidate.toLowerCase() === value.toLowerCase() ? 0.5 : levenshtein(value, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(1, Math.floor(value.length / 3));
  return bestDistance <= allowed ? best : undefined;
}

/**
 * Builds the hint that ends an "unknown name" message: a did-you-mean for a
 * likely typo, else the list of valid names (`noun` says what they are).
 */
export function suggest(value: string, candidates: readonly string[], noun: string): string {
  const closest = findClosest(value, candidates);
  if (closest !== undefined) return `Did you mean "${closest}"?`;
  if (candidates.length === 0) return `There are no ${noun}.`;
  return `Valid ${noun}: ${candidates.join(", ")}.`;
}
