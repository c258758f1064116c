/** The manifest.json of a dataset directory (see format.ts for the files it describes). */
import type { ScoreName } from "@/lib/fusion/tasks";
import type { ActionMode } from "@/lib/simulator/simulator-policy";
import type { RewardWeights, Scenario } from "@/lib/simulator/scenario";
import type { ColumnSpec, DatasetDims } from "./format";

export type DatasetSource =
  | {
      kind: "simulator";
      scenario: Scenario;
      seed: string;
      policy: string;
      sessions: number;
      requestBudget: number | null;
      numEnvs: number;
    }
  | { kind: "csv"; file: string; rows: number };

export interface DatasetNames {
  scores: string[];
  action: string[];
  userStatic: string[];
  userSession: string[];
  context: string[];
  item: string[];
}

export interface DatasetSummary {
  requests: number;
  sessions: number;
  /** Shown items. */
  impressions: number;
  /** Shown items the user reached before leaving. */
  viewed: number;
  /** Per viewed item. */
  rates: Record<"is_click" | "long_view" | "is_like" | "is_follow" | "is_comment" | "is_forward" | "is_hate", number>;
  meanPlayTimeMs: number;
  /** Mean predicted score over shown items. */
  meanPredictions: Record<ScoreName, number>;
  /** Mean per request of each reward group. */
  meanRewardWatch: number;
  meanRewardOther: number;
  /** Means per session. */
  perSession: { validConsumption: number; durationSeconds: number; interactions: number; depth: number };
  /** Taken actions per dimension (absent for actionMode "none"). */
  action: { mean: number[]; min: number[]; max: number[] } | null;
}

export interface ShardEntry {
  file: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface DatasetManifest {
  format: "fusionlab.dataset";
  version: number;
  source: DatasetSource;
  dims: DatasetDims;
  actionMode: ActionMode;
  names: DatasetNames;
  /** Bounds the actions were drawn in (simulator datasets). */
  actionBounds: { centre: number[]; range: number[] } | null;
  exploration: { noise: number; perItem: boolean } | null;
  rewardWeights: RewardWeights;
  columns: ColumnSpec[];
  shards: ShardEntry[];
  users: ShardEntry;
  items: ShardEntry;
  summary: DatasetSummary;
}
