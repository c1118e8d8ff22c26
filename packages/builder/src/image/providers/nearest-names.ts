/** "Did you mean" for unknown attribute names: the known names within a small edit distance, closest first. */
export function nearestNames(name: string, known: readonly string[], max = 3): string[] {
  const scored = known.map((k) => ({ k, d: editDistance(name.toLowerCase(), k.toLowerCase()) }));
  const limit = Math.max(2, Math.floor(name.length / 3));
  return scored.filter((s) => s.d <= limit).sort((a, b) => a.d - b.d || a.k.localeCompare(b.k)).slice(0, max).map((s) => s.k);
}

/** Levenshtein distance (insert, delete, substitute each cost 1). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
