import { assignInExperiment } from "@/lib/assignment";
import { findExperiment } from "@/lib/experiments/find-experiment";
import { toPlacement } from "@/lib/experiments/placement";

/**
 * GET /experiments/{id}/assignment: where this experiment's allocation puts the user. Stateless, so
 * it answers the same for draft, running and stopped experiments (what the allocation says).
 */
export async function experimentAssignment(ref: string, userId: string) {
  const e = await findExperiment(ref);
  return assignInExperiment(e.layer.key, toPlacement(e), userId);
}
