/**
 * A deliberately harmful fixed action: biases of 1e17 swamp every prediction, so every candidate
 * scores alike and the ranking ignores the scores (about −75% valid consumption in the simulator).
 */
export const SCORE_BLIND_ACTION = [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 1e17, 1e17, 1e17, 1e17, 1e17, 1e17, 1e17];

/** An experiment whose treatment serves `versionId`, with duration as guardrail and a webhook. */
export const harmfulExperiment = (key: string, layer: string, versionId: string, webhookUrl: string) => ({
  key,
  name: "Harmful treatment",
  layer,
  primaryMetric: "valid_consumption",
  guardrailMetrics: ["duration"],
  webhookUrl,
  arms: [
    { key: "control", control: true, weight: 0.5 },
    { key: "treatment", weight: 0.5, policyVersionId: versionId },
  ],
});
