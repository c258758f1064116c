/**
 * Holm's step-down adjustment (controls the family-wise error rate; uniformly more powerful than
 * Bonferroni). Null entries (not estimable) are skipped and not counted in the family.
 */
export function holmAdjust(pValues: readonly (number | null)[]): (number | null)[] {
  const order = pValues
    .map((p, i) => ({ p, i }))
    .filter((e): e is { p: number; i: number } => e.p !== null)
    .sort((a, b) => a.p - b.p);
  const adjusted: (number | null)[] = pValues.map(() => null);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    // max over earlier ranks keeps the adjusted values monotone in the raw ones.
    running = Math.max(running, Math.min(1, (order.length - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}
