import { POLICY_TYPES, TRAINING_PRESETS, type PolicyTypeKey } from "@/lib/policies/policy-input";
import { presetConfigs } from "@/lib/policies/presets";
import {
  parseEnhancedStateConfig,
  parseFixedConfig,
  parseProgressiveConfig,
  parseUserStateConfig,
} from "@/lib/rl/config";

/** Help text for the training and evaluation job forms' fields. */
export const TRAIN_HINTS: Record<string, string> = {
  policy: "Key of the policy that gets the new version; created on first use",
  name: "Display name of a new policy",
  preset:
    "Run times measured on the 2-core development machine (README, Training presets); a quick run's small " +
    "promotion gate rarely promotes",
  agentConfig: "Optional: overrides the preset's agent settings",
  trainingConfig: "Optional: overrides the preset's training settings",
  datasetId: "Train offline on these logs instead of simulated rounds",
  parentVersionId: "Continue from this version (lineage)",
};
export const EVALUATE_HINTS: Record<string, string> = {
  policyVersionId: "The version to evaluate",
  seeds: "Simulator seeds for the rollout value's confidence interval",
  datasetId: "Held-out logs for MTF-GAUC and the importance-sampling estimate",
};

/** The presets as the form offers them: with their run times (README "Training presets"). */
export const PRESET_OPTIONS = [
  { value: "quick", label: "Quick: ~4 s fixed, ~10 s user-state, ~10–15 s Enhanced-State (demos, tests)" },
  { value: "standard", label: "Standard: ~1 min fixed, ~3–4 min user-state, ~7–9 min Enhanced-State (real training)" },
] satisfies { value: (typeof TRAINING_PRESETS)[number]; label: string }[];
export const TRAIN_INITIAL = { preset: "quick" } as const;

/** A config setting shown as its own input; its hint gives each preset's value. */
export interface ConfigField {
  name: string;
  label: string;
  hint: string;
}
/** Per JSON field of a job form: the settings shown as inputs, chosen by the value of the field `by`. */
export type ConfigFieldSets = Record<string, { by: string; sets: Record<string, ConfigField[]> }>;

const AGENT: Record<PolicyTypeKey, [string, string][]> = {
  fixed: [
    ["iterations", "CEM iterations"],
    ["population", "Candidates per iteration"],
    ["sessionsPerCandidate", "Sessions per candidate"],
  ],
  user_state: [
    ["batchSize", "Batch size"],
    ["actorLearningRate", "Actor learning rate"],
    ["criticLearningRate", "Critic learning rate"],
    ["ensembleSize", "Critics per reward group"],
  ],
  enhanced_state: [
    ["batchSize", "Batch size"],
    ["actorLearningRate", "Actor learning rate"],
    ["criticLearningRate", "Critic learning rate"],
    ["ensembleSize", "Critics per reward group"],
  ],
};
const GATE: [string, string][] = [
  ["evalSessions", "Gate sessions per world"],
  ["gateWorlds", "Gate worlds"],
];
const TRAINING: Record<PolicyTypeKey, [string, string][]> = {
  fixed: GATE,
  user_state: [
    ["rounds", "Rounds"],
    ["sessionsPerRound", "Sessions per round"],
    ["stepsPerRound", "Gradient steps per round"],
    ...GATE,
  ],
  enhanced_state: [
    ["rounds", "Rounds"],
    ["sessionsPerRound", "Sessions per round"],
    ["stepsPerRound", "Gradient steps per round"],
    ...GATE,
  ],
};

const agentDefaults = (type: PolicyTypeKey): Record<string, unknown> =>
  type === "fixed" ? parseFixedConfig() : type === "user_state" ? parseUserStateConfig() : parseEnhancedStateConfig();

/** What the preset sets, else lib/rl's documented default: the value a run uses when the input is empty. */
function presetValue(
  type: PolicyTypeKey,
  part: "agent" | "training",
  name: string,
  preset: (typeof TRAINING_PRESETS)[number],
): unknown {
  const overrides = presetConfigs(type, preset)[part];
  if (name in overrides) return overrides[name];
  return (part === "agent" ? agentDefaults(type) : (parseProgressiveConfig() as Record<string, unknown>))[name];
}

/** The train-policy form's agent and training settings as inputs, per policy type. */
export function trainConfigFields(): ConfigFieldSets {
  const sets = (part: "agent" | "training", table: Record<PolicyTypeKey, [string, string][]>) =>
    Object.fromEntries(
      POLICY_TYPES.map((type) => [
        type,
        table[type].map(([name, label]) => ({
          name,
          label,
          hint: `empty: ${TRAINING_PRESETS.map((p) => `${p} ${String(presetValue(type, part, name, p))}`).join(", ")}`,
        })),
      ]),
    );
  return {
    agentConfig: { by: "type", sets: sets("agent", AGENT) },
    trainingConfig: { by: "type", sets: sets("training", TRAINING) },
  };
}
