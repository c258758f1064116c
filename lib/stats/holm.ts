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

export interface HolmDecision {
  rejected: boolean;
  /**
   * The level Holm tested this hypothesis at: α/(m − k + 1) for the k-th smallest p-value if it was
   * rejected, otherwise α/(m − r) with r rejections, the level of the step that stopped. An
   * interval at this level excludes the null exactly when the hypothesis is rejected.
   */
  level: number;
}

/**
 * Holm's step-down test at family-wise level α over m hypotheses. Null p-values (not yet
 * testable) stay in the family (m counts them) and are never rejected, which keeps the family the
 * same look after look. Valid for always-valid p-values too: rejecting at any look implies
 * rejecting with each hypothesis's running-minimum p-value, itself a valid p-value.
 */
export function holmDecisions(pValues: readonly (number | null)[], alpha: number): HolmDecision[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p: p ?? Infinity, i })).sort((a, b) => a.p - b.p);
  let rejections = 0;
  while (rejections < m && order[rejections].p <= alpha / (m - rejections)) rejections++;
  const decisions: HolmDecision[] = pValues.map(() => ({
    rejected: false,
    level: alpha / Math.max(1, m - rejections),
  }));
  for (let k = 0; k < rejections; k++) decisions[order[k].i] = { rejected: true, level: alpha / (m - k) };
  return decisions;
}
