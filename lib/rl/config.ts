/**
 * One documented, validated config object per policy type (docs/architecture.md §7). Every field has a default,
 * so `{}` is a working config; docs/rl.md gives the reason behind each default. Parse with the
 * `parse…Config` helpers; unknown keys are rejected so that a typo fails loudly.
 */
import { z } from "zod";
import { GuardrailsSchema } from "./promotion-gate";

const pos = (d: number) => z.number().finite().positive().default(d);
const nonneg = (d: number) => z.number().finite().nonnegative().default(d);
const int = (d: number) => z.number().int().positive().default(d);
const unit = (d: number) => z.number().min(0).max(1).default(d);
const seed = z.union([z.string(), z.number()]).transform(String).default("fusionlab");

/**
 * The exploration box and what happens outside it. All distances are in normalised action units
 * u = (a − centre)/range, per dimension, and `excess(u, b)` = Σ_k max(0, |u_k − b_k| − halfWidth)
 * is how far an action u lies outside the box around the logged behaviour action b.
 */
export const BoxSchema = z
  .strictObject({
    /** Half-width of the exploration box: the uniform noise of the behaviour policy (docs/architecture.md §7: 0.15). */
    halfWidth: nonneg(0.15),
    /** φ = exp(−phiDecay · excess): 1 inside the box, decaying outside (critic target discount). */
    phiDecay: nonneg(10),
    /** Box penalty = penaltyWeight · (exp(penaltyRate · excess) − 1): 0 inside, exponential outside. */
    penaltyWeight: nonneg(1),
    penaltyRate: nonneg(10),
  })
  .prefault({});
export type BoxConfig = z.infer<typeof BoxSchema>;

/** Fields shared by both actor–critic agents. */
const agentFields = {
  seed,
  /** Discount per request (docs/architecture.md §7). */
  gamma: unit(0.9),
  /**
   * Requests of logged reward summed before bootstrapping: y = Σ_{k<n} γ^k r_{t+k} + γ^n φ Q′(s_{t+n}, μ′).
   * 1 is the one-step target of docs/architecture.md §7; docs/rl.md explains when a longer horizon is needed.
   */
  nStep: int(1),
  /** Hidden layer widths of the actor and of every critic. */
  hidden: z.array(z.number().int().positive()).min(1).default([64, 64]),
  /** Critics per reward group (watch time; other rewards). */
  ensembleSize: int(4),
  /** Weights of the two groups in the actor's objective (the scenario's reward is already weighted). */
  groupWeights: z.strictObject({ watch: nonneg(1), other: nonneg(1) }).prefault({}),
  /** λ: the actor maximises mean − λ · std over each group's ensemble (pessimism where critics disagree). */
  stdPenalty: nonneg(0.5),
  box: BoxSchema,
  criticLearningRate: pos(1e-3),
  actorLearningRate: pos(3e-4),
  /** Requests per gradient step. */
  batchSize: int(256),
  /** Soft target update: θ′ ← τ·θ + (1 − τ)·θ′ after every critic step. */
  tau: unit(0.01),
  /** Critic steps per actor step (delayed policy updates, as in TD3). */
  actorDelay: int(2),
};

/** User-state RL (IntegratedRL-MTF / UnifiedRL): one action per request from the user state. */
export const UserStateConfigSchema = z.strictObject(agentFields);
export type UserStateConfig = z.infer<typeof UserStateConfigSchema>;

/** Enhanced-State RL (arXiv 2409.11678): one action per user–item pair from the enhanced state. */
export const EnhancedStateConfigSchema = z.strictObject({
  ...agentFields,
  /** Width of the user part of the enhanced state, computed once per request and broadcast over candidates. */
  userWidth: int(32),
  /**
   * Temperature of the soft selection over a logged list in the actor objective, applied to the
   * list's fusion scores standardised within the list (docs/rl.md, "list-level actor objective").
   */
  selectionTemperature: pos(1),
  /**
   * What the pair critics regress on (docs/rl.md §4): "list" — the sum over the shown items of
   * their values against the list's reward plus the next list's value; "item" — each shown item
   * against its OWN immediate reward plus an equal share of the continuation (the list's
   * bootstrapped future / items shown), so immediate item value is learnt per item, supervised.
   */
  criticTarget: z.enum(["list", "item"]).default("list"),
  /**
   * Unshown candidates logged per request during training rollouts and added to the actor's soft
   * selection (docs/rl.md §4): half the best-scored ones just outside the slate, half uniform among
   * the rest. 0: the actor only reorders the items that were shown.
   */
  unshownCandidates: z.number().int().min(0).max(100).default(0),
});
export type EnhancedStateConfig = z.infer<typeof EnhancedStateConfigSchema>;

/** Cross-entropy method over the fixed action (normalised units), against the simulator. */
export const FixedConfigSchema = z.strictObject({
  seed,
  iterations: int(10),
  population: int(16),
  /** Share of each population kept as elites. */
  eliteFraction: z.number().gt(0).max(1).default(0.25),
  /** Initial and minimum standard deviation of the search distribution (normalised units). */
  initStd: pos(0.3),
  minStd: nonneg(0.02),
  /** Weight of the previous distribution when refitting to the elites (damps noisy updates). */
  smoothing: unit(0.3),
  /** Sessions simulated per candidate action; all candidates of one iteration share their sessions. */
  sessionsPerCandidate: int(400),
  numEnvs: int(64),
  /** Guarded metrics may not fall below the behaviour's (when one is given) beyond their allowed harm. */
  guardrails: GuardrailsSchema,
  /** Penalty per unit of relative guardrail harm, in units of the behaviour's session reward. */
  guardrailPenalty: nonneg(10),
});
export type FixedConfig = z.infer<typeof FixedConfigSchema>;

/** Rounds of collect → train → evaluate → promote (docs/architecture.md §7). */
export const ProgressiveConfigSchema = z.strictObject({
  seed,
  rounds: int(4),
  /** Sessions simulated with the exploring behaviour policy per round. */
  sessionsPerRound: int(3000),
  /** Gradient steps per round (critic steps; the actor steps every actorDelay of them). */
  stepsPerRound: int(1500),
  /**
   * Promotion gate (docs/rl.md §6): validation sessions per held-out world, the number of held-out
   * worlds (seeds disjoint from the training world and from evaluate-policy's), the family-wise
   * error of the reward test, and the guardrails.
   */
  evalSessions: int(1000),
  gateWorlds: int(3),
  gateAlpha: z.number().gt(0).lt(1).default(0.05),
  guardrails: GuardrailsSchema,
  /**
   * "gate": promote only checkpoints that pass the gate (the default, and what production needs);
   * "always": promote each round's best checkpoint whatever the gate says (research and debugging:
   * the gate's numbers are still recorded).
   */
  promotion: z.enum(["gate", "always"]).default("gate"),
  /**
   * Validations per round, evenly spaced over its steps; the best checkpoint that beats the
   * behaviour is promoted (early stopping against the simulator: an actor trained longer on the
   * same critics can overshoot).
   */
  checkpoints: int(1),
  /** Uniform exploration half-width around the behaviour action (normalised units). */
  explorationNoise: nonneg(0.15),
  /** Requests kept in the replay buffer (oldest dropped first). */
  bufferCapacity: int(200_000),
  numEnvs: int(64),
  /** Report progress every this many gradient steps. */
  progressEvery: int(100),
});
export type ProgressiveConfig = z.infer<typeof ProgressiveConfigSchema>;

export const parseUserStateConfig = (input: unknown = {}): UserStateConfig => UserStateConfigSchema.parse(input ?? {});
export const parseEnhancedStateConfig = (input: unknown = {}): EnhancedStateConfig =>
  EnhancedStateConfigSchema.parse(input ?? {});
export const parseFixedConfig = (input: unknown = {}): FixedConfig => FixedConfigSchema.parse(input ?? {});
export const parseProgressiveConfig = (input: unknown = {}): ProgressiveConfig =>
  ProgressiveConfigSchema.parse(input ?? {});
