import { db } from "@/lib/db/client";
import { PermanentJobError } from "@/lib/jobs/define-job";
import { DEFAULT_POLICY_KEY } from "@/lib/serving/policy-cache";
import { fixedPolicyConfig } from "@/lib/serving/serving-policy";
import {
  DEFAULT_FIXED_ACTION,
  FixedFusionPolicy,
  OraclePolicy,
  RandomPolicy,
  type Policy,
  type World,
} from "@/lib/simulator";
import type { Behaviour } from "@/lib/dataset-store/dataset-input";

/**
 * The platform's default fixed action: latest ready version of `default-fixed` (versionId), else the
 * centre of the action box (versionId null).
 */
export async function defaultFixedAction(): Promise<{ action: number[]; label: string; versionId: string | null }> {
  const v = await db.policyVersion.findFirst({
    where: { status: "ready", policy: { key: DEFAULT_POLICY_KEY } },
    orderBy: { version: "desc" },
  });
  return v
    ? { action: fixedPolicyConfig.parse(v.config).action, label: `${DEFAULT_POLICY_KEY}@${v.version}`, versionId: v.id }
    : { action: Array.from(DEFAULT_FIXED_ACTION), label: "built-in default", versionId: null };
}

/**
 * The policy that produces a dataset's logs. "fixed" is the platform's default fixed policy (latest
 * ready version of `default-fixed`, else the centre of the action box), as production would run it.
 */
export async function behaviourPolicy(behaviour: Behaviour): Promise<(world: World) => Policy> {
  if ("kind" in behaviour) {
    if (behaviour.kind === "random") return () => new RandomPolicy();
    if (behaviour.kind === "oracle") return (world) => new OraclePolicy(world);
    const { action } = await defaultFixedAction();
    return () => new FixedFusionPolicy(action, "default-fixed");
  }
  const v = await db.policyVersion.findUnique({ where: { id: behaviour.policyVersionId }, include: { policy: true } });
  if (!v || v.status !== "ready")
    throw new PermanentJobError(`policy version ${behaviour.policyVersionId} is not ready`);
  if (v.policy.type === "fixed") {
    const action = fixedPolicyConfig.parse(v.config).action;
    return () => new FixedFusionPolicy(action, `${v.policy.key}@${v.version}`);
  }
  throw new PermanentJobError(`policy type ${v.policy.type} cannot act as a behaviour policy in this build`);
}
