/**
 * The one name among `candidates` that `typed` most likely meant, for a "did you mean" hint: a name
 * equal to it but for case, else the single nearest within a few edits (one for names of up to four
 * characters, two beyond). Undefined when none is near or two are equally near: a wrong hint is worse
 * than none.
 */
export function closestName(typed: string, candidates: Iterable<string>): string | undefined {
  const names = [...new Set(candidates)].filter((name) => name !== typed);
  const sameButCase = names.filter((name) => name.toLowerCase() === typed.toLowerCase());
  if (sameButCase.length === 1) return sameButCase[0];
  const limit = typed.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  let tied = false;
  for (const name of names) {
    const distance = editDistance(typed.toLowerCase(), name.toLowerCase(), limit);
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
      tied = false;
    } else if (distance === bestDistance) {
      tied = true;
    }
  }
  return bestDistance <= limit && !tied ? best : undefined;
}

/** Levenshtein distance of `a` and `b`, with an adjacent swap counting as one edit; `limit + 1` once it exceeds `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (rows[i - 1]?.[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      let cost = Math.min((rows[i - 1]?.[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) cost = Math.min(cost, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      row.push(cost);
    }
    rows.push(row);
  }
  return Math.min(rows[a.length]?.[b.length] ?? limit + 1, limit + 1);
}
