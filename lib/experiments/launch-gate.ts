import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { allowedHarmOf } from "@/lib/experiments/analysis-plan";
import { judgeArm, type ArmGate, type GateMetric, type OfflineComparison } from "@/lib/experiments/gate-decision";
import type { GateOverride } from "@/lib/experiments/experiment-input";
import type { ExperimentRow } from "@/lib/experiments/serialize-experiment";
import { metricDefinitions } from "@/lib/metrics/metric-catalogue";
import { platformDefaultHistory } from "@/lib/policies/platform-default";

const relativeSchema = z.object({ relative: z.object({ mean: z.number(), ci: z.tuple([z.number(), z.number()]) }) });
const storedResult = z.object({ vsBaseline: z.record(z.string(), relativeSchema) });

async function versionLabels(ids: string[]): Promise<Map<string, string>> {
  const rows = await db.policyVersion.findMany({
    where: { id: { in: ids } },
    select: { id: true, version: true, policy: { select: { key: true } } },
  });
  return new Map(rows.map((v) => [v.id, `${v.policy.key}@v${v.version}`]));
}

/**
 * The gate for every treatment arm of `e`: the latest completed OfflineEvaluation of the version the
 * arm serves whose baseline is what the control arm serves — its version, or, for a control without
 * one, the platform default as it is now (the version the rank path would serve it; null = the
 * built-in action). Arms without a version are compared as the platform default they serve.
 */
export async function launchGate(
  e: Pick<ExperimentRow, "arms" | "primaryMetric" | "guardrailMetrics" | "guardrailHarm">,
): Promise<ArmGate[]> {
  const current = (await platformDefaultHistory())[0];
  const control = e.arms.find((a) => a.isControl);
  if (!control) throw new AppError("internal", "experiment without a control arm");
  const served = (a: { policyVersionId: string | null }) => a.policyVersionId ?? current.versionId;
  const labels = await versionLabels(e.arms.map(served).filter((id): id is string => id !== null));
  const labelOf = (id: string | null) => (id === null ? current.label : (labels.get(id) ?? id));
  const baselineId = served(control);
  const baseline = { versionId: baselineId, label: labelOf(baselineId) };
  const definitions = await metricDefinitions([e.primaryMetric, ...e.guardrailMetrics]);
  const metrics: GateMetric[] = definitions.map((m) => ({
    key: m.key,
    role: m.key === e.primaryMetric ? "primary" : "guardrail",
    direction: m.direction,
    allowedHarm: m.key === e.primaryMetric ? null : allowedHarmOf(e, m),
  }));
  const gates: ArmGate[] = [];
  for (const arm of e.arms.filter((a) => !a.isControl)) {
    const versionId = served(arm);
    const row =
      versionId === null
        ? null
        : await db.offlineEvaluation.findFirst({
            where: { policyVersionId: versionId, baselineVersionId: baselineId },
            orderBy: { createdAt: "desc" },
          });
    const parsed = row ? storedResult.safeParse(row.result) : null;
    const comparison: OfflineComparison | null =
      row && parsed?.success
        ? {
            id: row.id,
            scenario: row.scenario,
            evaluatedAt: row.createdAt.toISOString(),
            relative: Object.fromEntries(Object.entries(parsed.data.vsBaseline).map(([k, v]) => [k, v.relative])),
          }
        : null;
    gates.push(judgeArm({ arm: arm.key, versionId, versionLabel: labelOf(versionId), baseline, comparison, metrics }));
  }
  return gates;
}

/**
 * Refuses (409) a launch — start, ramp-up — while a treatment lacks an evaluation against the
 * control or is significantly worse offline, unless `override` gives the editor's reason. Returns
 * what goes into the audit entry: the gate's result per arm and the override, if one was used.
 */
export async function assertLaunchGate(
  e: Pick<ExperimentRow, "key" | "arms" | "primaryMetric" | "guardrailMetrics" | "guardrailHarm">,
  override: GateOverride | undefined,
  action: "start" | "ramp up",
) {
  const gates = await launchGate(e);
  const blocked = gates.filter((g) => g.status === "harmful" || g.status === "missing");
  const summary = gates.map((g) => ({
    key: g.arm,
    status: g.status,
    version: g.versionLabel,
    baseline: g.baseline.label,
    evaluationId: g.evaluation?.id ?? null,
    findings: g.findings.filter((f) => f.lift !== null),
  }));
  if (blocked.length && !override)
    throw new AppError(
      "conflict",
      `launch gate: ` +
        `cannot ${action} ${e.key}: ${blocked.map((g) => g.message).join("; ")}. An editor may override with { ` +
        `"override": { "reason": "…" } }`,
      blocked.map((g) => ({ path: `arms.${g.arm}`, message: g.message })),
    );
  return {
    arms: summary,
    override: blocked.length && override ? { reason: override.reason, overrode: blocked.map((g) => g.arm) } : null,
  };
}
