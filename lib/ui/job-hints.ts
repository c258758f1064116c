/** Help text for the training and evaluation job forms' fields. */
export const TRAIN_HINTS: Record<string, string> = {
  policy: "Key of the policy that gets the new version; created on first use",
  name: "Display name of a new policy",
  preset: "quick: seconds (demos, tests; its small gate rarely promotes) · standard: real training, ~1 min fixed, ~4 min user-state, ~8 min Enhanced-State on 2 cores",
  agentConfig: "Optional agent settings (JSON), merged over the preset",
  trainingConfig: "Optional training settings (JSON: rounds, sessions per round…), merged over the preset",
  datasetId: "Train offline on these logs instead of simulated rounds",
  parentVersionId: "Continue from this version (lineage)",
};
export const EVALUATE_HINTS: Record<string, string> = {
  policyVersionId: "The version to evaluate",
  seeds: "Simulator seeds for the rollout value's confidence interval",
  datasetId: "Held-out logs for MTF-GAUC and the importance-sampling estimate",
};
