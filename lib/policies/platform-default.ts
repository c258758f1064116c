import { db } from "@/lib/db/client";
import { DEFAULT_POLICY_KEY } from "@/lib/serving/policy-cache";

/**
 * Which policy the platform serves to users outside experiments (and to arms without a version):
 * the latest ready version of `default-fixed`, else the built-in centre of the action box — the
 * same rule lib/serving applies. Versions are immutable and never leave "ready", so the history of
 * which version was the default when follows from their registration times.
 */
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

/** Newest first; the first entry is the current default. */
export async function platformDefaultHistory(): Promise<DefaultPeriod[]> {
  const versions = await db.policyVersion.findMany({
    where: { status: "ready", policy: { key: DEFAULT_POLICY_KEY } },
    orderBy: { version: "asc" },
    select: { id: true, version: true, createdAt: true },
  });
  const periods: DefaultPeriod[] = [{ label: BUILT_IN_DEFAULT_LABEL, versionId: null, version: null, from: null, until: versions[0]?.createdAt ?? null }];
  versions.forEach((v, i) => periods.push({ label: `${DEFAULT_POLICY_KEY}@v${v.version}`, versionId: v.id, version: v.version, from: v.createdAt, until: versions[i + 1]?.createdAt ?? null }));
  return periods.reverse();
}

/** The current default, e.g. { label: "default-fixed@v1", versionId }. */
export async function currentPlatformDefault(): Promise<DefaultPeriod> {
  return (await platformDefaultHistory())[0];
}

/**
 * How an arm without a version reads: "platform default (default-fixed@v1)"; over an experiment that
 * ran while the default changed, every default it served in order ("… (default-fixed@v1, then default-fixed@v2)").
 */
export function defaultArmLabel(history: readonly DefaultPeriod[], from: Date = new Date(), until: Date | null = null): string {
  const served = [...history]
    .reverse()
    .filter((p) => (p.until === null || p.until > from) && (until === null || p.from === null || p.from <= until))
    .map((p) => p.label);
  return `platform default (${(served.length ? served : [history[0].label]).join(", then ")})`;
}

export { DEFAULT_POLICY_KEY };
