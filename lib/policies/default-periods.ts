/** Periods during which one policy version was the platform default (pure: see platform-default.ts for the query). */
export interface DefaultPeriod {
  /** "default-fixed@v2", or the built-in fallback. */
  label: string;
  versionId: string | null;
  version: number | null;
  /** null: since the platform first started. */
  from: Date | null;
  /** null: still the default. */
  until: Date | null;
}

export const BUILT_IN_DEFAULT_LABEL = "built-in default (centre of the action box)";

/**
 * How an arm without a version reads: "platform default (default-fixed@v1)"; over an experiment that
 * ran while the default changed, every default it served in order ("… (default-fixed@v1, then default-fixed@v2)").
 */
export function defaultArmLabel(
  history: readonly DefaultPeriod[],
  from: Date = new Date(),
  until: Date | null = null,
): string {
  const served = [...history]
    .reverse()
    .filter((p) => (p.until === null || p.until > from) && (until === null || p.from === null || p.from <= until))
    .map((p) => p.label);
  return `platform default (${(served.length ? served : [history[0].label]).join(", then ")})`;
}
