/**
 * What a policy can observe, by name. User features = static noisy views (per user, fixed for the
 * world) followed by in-session statistics; item features are static per item; context describes
 * the request. Names are stable: they label dataset columns and CSV headers.
 */
import { ACTIVITY_LEVELS, CHANNELS } from "./scenario";

const topicNames = (prefix: string, topics: number) => Array.from({ length: topics }, (_, t) => `${prefix}${t}`);

export const userStaticFeatureNames = (topics: number): string[] => [
  ...topicNames("interest_", topics),
  ...ACTIVITY_LEVELS.map((l) => `activity_${l}`),
  ...CHANNELS.map((c) => `propensity_${c}`),
  "patience",
];

export const USER_SESSION_FEATURE_NAMES = ["requests_so_far", "recent_valid_rate", "recent_like_rate"] as const;

export const CONTEXT_FEATURE_NAMES = ["session_minutes", "request_fraction"] as const;

export const itemFeatureNames = (topics: number): string[] => [
  ...topicNames("topic_", topics),
  "quality",
  "log_duration",
  "is_ad",
  "freshness",
  "popularity",
  "clickbait",
];

export interface FeatureLayout {
  userStatic: string[];
  userSession: string[];
  context: string[];
  item: string[];
}

export const featureLayout = (topics: number): FeatureLayout => ({
  userStatic: userStaticFeatureNames(topics),
  userSession: [...USER_SESSION_FEATURE_NAMES],
  context: [...CONTEXT_FEATURE_NAMES],
  item: itemFeatureNames(topics),
});
