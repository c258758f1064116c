/**
 * The prediction tasks that fusion combines (docs/architecture.md §5). Order matters: it is the column order of
 * every predicted-score matrix (n × K, row-major) and of both halves of an action vector.
 */
export const FUSION_TASKS = ["click", "long_view", "like", "follow", "comment", "forward", "watch_time"] as const;
export type FusionTask = (typeof FUSION_TASKS)[number];

/**
 * Names of the predicted scores, one per task, as the rank API and logged datasets call them.
 * All are in (0, 1): probabilities for the binary tasks; for watch time a saturating transform of
 * predicted seconds (the simulator documents its exact definition).
 */
export const SCORE_NAMES = ["pClick", "pLongView", "pLike", "pFollow", "pComment", "pForward", "pWatchTime"] as const;
export type ScoreName = (typeof SCORE_NAMES)[number];

/** K: number of tasks. */
export const NUM_TASKS = FUSION_TASKS.length;
