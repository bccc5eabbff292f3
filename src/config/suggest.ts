/**
 * Edit distance between two strings: the Levenshtein distance, with a swap
 * of two adjacent characters also counted as one edit (optimal string
 * alignment), because swaps are a common typo ("fsat" for "fast").
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, rows[i - 2]![j - 2]! + 1);
      }
      row.push(distance);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

/**
 * Returns the candidate closest to `value`, when it is close enough to be a
 * likely typo: at most one edit per three characters, and at least one edit
 * allowed for names longer than one character.
 */
export function findClosest(value: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance =
      candidate.toLowerCase() === value.toLowerCase() ? 0.5 : editDistance(value, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A name that shares no letter with the candidate is no typo of it.
  const allowed = Math.min(Math.max(1, Math.floor(value.length / 3)), value.length - 1);
  return bestDistance <= allowed ? best : undefined;
}

/**
 * Builds the hint that ends an "unknown name" message: a did-you-mean for a
 * likely typo, else the list of valid names (`noun` names what they are).
 */
export function suggest(value: string, candidates: readonly string[], noun: string): string {
  const closest = findClosest(value, candidates);
  if (closest !== undefined) return `Did you mean "${closest}"?`;
  if (candidates.length === 0) return `There are no ${noun}.`;
  return `Valid ${noun}: ${candidates.join(", ")}.`;
}
