/**
 * Scenario = one validated simulator configuration (docs/architecture.md §6). Every field has a default, so `{}`
 * is the default scenario; docs/simulator.md gives each parameter's reason. Parse with
 * `parseScenario` (a JSON string or an already-parsed object); unknown keys are rejected so that a
 * typo in a scenario file fails loudly instead of silently using a default.
 */
import { z } from "zod";

export const ACTIVITY_LEVELS = ["high_active", "full_active", "middle_active", "low_active"] as const;
export type ActivityLevel = (typeof ACTIVITY_LEVELS)[number];

/**
 * Latent response channels of the true model. longView and the interactions are conditional on a
 * valid play; completion is the expected fraction watched beyond the long-view mark; hate is
 * unconditional. The first PREDICTED_CHANNELS are what the MTL layer predicts (hate is not a
 * fusion task).
 */
export const CHANNELS = ["click", "longView", "completion", "like", "follow", "comment", "forward", "hate"] as const;
export type Channel = (typeof CHANNELS)[number];
export const NUM_CHANNELS = CHANNELS.length;
export const PREDICTED_CHANNELS = 7;

export const ITEM_SEGMENTS = ["fresh", "long", "short", "ad", "popular", "clickbait"] as const;
export type ItemSegment = (typeof ITEM_SEGMENTS)[number];

const num = (d: number) => z.number().finite().default(d);
const pos = (d: number) => z.number().finite().positive().default(d);
const nonneg = (d: number) => z.number().finite().nonnegative().default(d);
const prob = (d: number) => z.number().min(0).max(1).default(d);
const count = (d: number) => z.number().int().positive().default(d);

type ChannelDefaults = Partial<
  Record<
    "bias" | "affinity" | "quality" | "clickbait" | "ad" | "logDuration" | "freshness" | "popularity" | "userSd",
    number
  >
>;

/**
 * Logit of one channel: bias + Σ coefficient · item trait + affinity · (user·item interest) + user offset ~ N(0,
 * userSd).
 */
const channel = (d: ChannelDefaults) =>
  z
    .strictObject({
      bias: num(d.bias ?? 0),
      affinity: num(d.affinity ?? 0),
      quality: num(d.quality ?? 0),
      clickbait: num(d.clickbait ?? 0),
      ad: num(d.ad ?? 0),
      logDuration: num(d.logDuration ?? 0),
      freshness: num(d.freshness ?? 0),
      popularity: num(d.popularity ?? 0),
      userSd: nonneg(d.userSd ?? 0.3),
    })
    .prefault({});

const activity = (share: number, sessionWeight: number, patienceMean: number, leaveProb: number, clickBias: number) =>
  z
    .strictObject({
      share: nonneg(share),
      sessionWeight: pos(sessionWeight),
      patienceMean: pos(patienceMean),
      leaveProb: prob(leaveProb),
      clickBias: num(clickBias),
    })
    .prefault({});

const segmentBias = z.strictObject({
  segment: z.enum(ITEM_SEGMENTS),
  channel: z.enum(CHANNELS).exclude(["hate"]),
  logit: z.number().finite(),
});
export type SegmentBias = z.infer<typeof segmentBias>;

export const DEFAULT_SEGMENT_BIASES: SegmentBias[] = [
  { segment: "fresh", channel: "click", logit: 1.0 },
  { segment: "long", channel: "longView", logit: -1.0 },
  { segment: "long", channel: "completion", logit: -0.8 },
  { segment: "ad", channel: "click", logit: 0.8 },
  { segment: "popular", channel: "like", logit: 0.8 },
  { segment: "clickbait", channel: "longView", logit: 0.8 },
];

export const ScenarioSchema = z.strictObject({
  name: z.string().default("default"),
  world: z
    .strictObject({
      users: count(5000),
      items: count(30000),
      topics: z.number().int().min(2).max(256).default(16),
    })
    .prefault({}),
  users: z
    .strictObject({
      interestConcentration: pos(0.3),
      interestScale: nonneg(1),
      patienceShape: pos(4),
      activity: z
        .strictObject({
          high_active: activity(0.25, 3, 9, 0.005, 0.2),
          full_active: activity(0.45, 2, 7, 0.01, 0.1),
          middle_active: activity(0.2, 1, 5, 0.015, 0),
          low_active: activity(0.1, 0.5, 4, 0.025, -0.2),
        })
        .prefault({}),
    })
    .prefault({}),
  items: z
    .strictObject({
      adShare: prob(0.05),
      durationLogMean: num(Math.log(25)),
      durationLogSd: pos(0.9),
      minDurationSeconds: pos(3),
      maxDurationSeconds: pos(600),
      meanAgeDays: pos(10),
      freshnessScaleDays: pos(2),
      secondaryTopicMax: prob(0.4),
      clickbaitAlpha: pos(0.6),
      clickbaitBeta: pos(5),
      popularityQualityCorrelation: z.number().min(-1).max(1).default(0.5),
    })
    .prefault({}),
  observation: z
    .strictObject({
      interestNoiseSd: nonneg(0.5),
      propensityNoiseSd: nonneg(0.3),
      patienceNoiseSd: nonneg(0.3),
      topicNoiseSd: nonneg(0.05),
      qualityNoiseSd: nonneg(0.5),
      popularityNoiseSd: nonneg(0.3),
      clickbaitNoiseSd: nonneg(0.3),
      recentRateDecay: prob(0.7),
    })
    .prefault({}),
  response: z
    .strictObject({
      validPlaySeconds: pos(10),
      longViewSeconds: pos(18),
      click: channel({
        bias: -0.8,
        affinity: 0.6,
        quality: 0.4,
        clickbait: 1,
        ad: -1,
        logDuration: -0.3,
        freshness: 0.1,
        popularity: 0.3,
        userSd: 0.4,
      }),
      longView: channel({
        bias: -0.2,
        affinity: 0.6,
        quality: 0.6,
        clickbait: -1.5,
        ad: -0.5,
        logDuration: -0.5,
        userSd: 0.4,
      }),
      completion: channel({ bias: -0.5, affinity: 0.5, quality: 0.6, clickbait: -1, logDuration: -0.6, userSd: 0.3 }),
      like: channel({ bias: -4.5, affinity: 0.5, quality: 0.6, clickbait: -1, popularity: 0.3, userSd: 0.3 }),
      follow: channel({ bias: -7, affinity: 0.6, quality: 0.5, userSd: 0.3 }),
      comment: channel({ bias: -6.5, affinity: 0.4, quality: 0.4, clickbait: 0.5, userSd: 0.3 }),
      forward: channel({ bias: -7, affinity: 0.4, quality: 0.5, popularity: 0.4, userSd: 0.3 }),
      hate: channel({ bias: -5.5, affinity: -1, quality: -0.8, clickbait: 2, ad: 1, userSd: 0.3 }),
    })
    .prefault({}),
  prediction: z
    .strictObject({
      miscalibration: z.boolean().default(true),
      segmentBiases: z.array(segmentBias).default(DEFAULT_SEGMENT_BIASES),
      userNoiseSd: nonneg(0.3),
      itemNoiseSd: nonneg(0.4),
      pairNoiseSd: nonneg(0.8),
      watchTimeScaleSeconds: pos(20),
      freshDays: pos(2),
      longVideoSeconds: pos(60),
      popularZ: num(1.28),
      clickbaitThreshold: prob(0.5),
    })
    .prefault({}),
  session: z
    .strictObject({
      candidates: count(100),
      shown: count(5),
      maxRequests: count(200),
      matchedFraction: prob(0.8),
      retrievalTemperature: pos(1),
    })
    .prefault({}),
  patience: z
    .strictObject({
      costPerRequest: nonneg(1),
      fatigue: nonneg(0.05),
      restoreValid: nonneg(0.2),
      restoreLongView: nonneg(0.2),
      restoreInteraction: nonneg(0.3),
      drainSkip: nonneg(0.4),
      drainHate: nonneg(3),
      drainClickbait: nonneg(1),
      capFactor: z.number().min(1).default(1.5),
    })
    .prefault({}),
  reward: z
    .strictObject({
      validPlay: num(1),
      longView: num(0),
      watchMinutes: num(1),
      like: num(0.5),
      follow: num(1),
      comment: num(0.5),
      forward: num(1),
      hate: num(-2),
    })
    .prefault({}),
  oracle: z.strictObject({ patienceValue: nonneg(1) }).prefault({}),
});

export type Scenario = z.infer<typeof ScenarioSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type RewardWeights = Scenario["reward"];

/** Validates a scenario given as JSON text or a parsed object; throws a ZodError listing every bad field. */
export function parseScenario(input: string | unknown): Scenario {
  const value: unknown = typeof input === "string" ? JSON.parse(input) : input;
  const scenario = ScenarioSchema.parse(value ?? {});
  if (scenario.session.shown > scenario.session.candidates) {
    throw new RangeError(
      `session.shown (${scenario.session.shown}) exceeds session.candidates (${scenario.session.candidates})`,
    );
  }
  if (scenario.session.candidates > scenario.world.items) {
    throw new RangeError(
      `session.candidates (${scenario.session.candidates}) exceeds world.items (${scenario.world.items})`,
    );
  }
  if (scenario.items.minDurationSeconds > scenario.items.maxDurationSeconds) {
    throw new RangeError("items.minDurationSeconds exceeds items.maxDurationSeconds");
  }
  if (ACTIVITY_LEVELS.every((l) => scenario.users.activity[l].share === 0)) {
    throw new RangeError("users.activity: at least one level needs a positive share");
  }
  return scenario;
}

/** A stored scenario with its world resized to `users` simulated users (unchanged when undefined). */
export function scenarioWithUsers(config: unknown, users: number | undefined): Scenario {
  if (users === undefined) return parseScenario(config);
  const base = (config ?? {}) as { world?: object };
  return parseScenario({ ...base, world: { ...base.world, users } });
}

/** The default scenario (all defaults). */
export const defaultScenario = (): Scenario => parseScenario({});
