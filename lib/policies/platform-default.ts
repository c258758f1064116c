import { db } from "@/lib/db/client";
import { BUILT_IN_DEFAULT_LABEL, type DefaultPeriod } from "@/lib/policies/default-periods";
import { DEFAULT_POLICY_KEY } from "@/lib/serving/policy-cache";

/**
 * Which version was the platform default when, newest first (the first entry is the current one).
 * The platform serves users outside experiments, and arms without a version, the latest ready
 * version of `default-fixed`, else the built-in centre of the action box — the rule lib/serving
 * applies. Versions are immutable and never leave "ready", so their registration times are the
 * history.
 */
export async function platformDefaultHistory(): Promise<DefaultPeriod[]> {
  const versions = await db.policyVersion.findMany({
    where: { status: "ready", policy: { key: DEFAULT_POLICY_KEY } },
    orderBy: { version: "asc" },
    select: { id: true, version: true, createdAt: true },
  });
  const periods: DefaultPeriod[] = [
    {
      label: BUILT_IN_DEFAULT_LABEL,
      versionId: null,
      version: null,
      from: null,
      until: versions[0]?.createdAt ?? null,
    },
  ];
  versions.forEach((v, i) =>
    periods.push({
      label: `${DEFAULT_POLICY_KEY}@v${v.version}`,
      versionId: v.id,
      version: v.version,
      from: v.createdAt,
      until: versions[i + 1]?.createdAt ?? null,
    }),
  );
  return periods.reverse();
}

export { DEFAULT_POLICY_KEY };
