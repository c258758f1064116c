/**
 * Calibration of the MTL prediction layer: per item segment and task, the mean predicted value
 * against the mean TRUE value over user–item pairs drawn the way the candidate generator draws
 * them. Binary tasks compare probabilities. Watch time compares expected SECONDS (pWatchTime
 * mapped back through s = scale · p / (1 − p)): the ranker is calibrated in seconds, and the
 * saturating map to (0, 1) is concave, so averaging it would show a spurious Jensen gap.
 * With `prediction.miscalibration` off only zero-mean hidden error remains and every cell's error
 * is near 0; with it on, the segments that carry a bias show it.
 */
import { NUM_TASKS, SCORE_NAMES, type ScoreName } from "@/lib/fusion/tasks";
import { Rng } from "@/lib/random/rng";
import { ITEM_SEGMENTS, type ItemSegment } from "./scenario";
import type { World } from "./world";

export interface CalibrationCell {
  unit: "probability" | "seconds";
  pairs: number;
  meanPredicted: number;
  meanTrue: number;
  /** meanPredicted − meanTrue. */
  bias: number;
  /** |bias|. */
  error: number;
  /** |bias| / meanTrue: comparable across rare and common tasks. */
  relativeError: number;
}

const WT = NUM_TASKS - 1;
const toSeconds = (p: number, scale: number): number => (scale * p) / (1 - p);

export type CalibrationReport = Record<"all" | ItemSegment, Record<ScoreName, CalibrationCell>>;

export function calibrationReport(
  world: World,
  options: { pairs?: number; seed?: string | number } = {},
): CalibrationReport {
  const pairs = options.pairs ?? 100_000;
  const rng = Rng.derive(options.seed ?? world.seed, "calibration");
  const groups = ["all", ...ITEM_SEGMENTS] as const;
  const sumPred = groups.map(() => new Float64Array(NUM_TASKS));
  const sumTrue = groups.map(() => new Float64Array(NUM_TASKS));
  const counts = new Float64Array(groups.length);
  const pred = new Float64Array(NUM_TASKS);
  const truth = new Float64Array(NUM_TASKS);
  const scale = world.scenario.prediction.watchTimeScaleSeconds;
  for (let i = 0; i < pairs; i++) {
    const u = world.sampleSessionUser(rng);
    const j = world.sampleCandidate(u, rng);
    world.predictedScores(u, j, pred, 0);
    world.trueScores(u, j, truth, 0);
    pred[WT] = toSeconds(pred[WT], scale);
    truth[WT] = toSeconds(truth[WT], scale);
    const seg = world.itemSegments[j];
    for (let g = 0; g < groups.length; g++) {
      if (g > 0 && !(seg & (1 << (g - 1)))) continue;
      counts[g]++;
      for (let k = 0; k < NUM_TASKS; k++) {
        sumPred[g][k] += pred[k];
        sumTrue[g][k] += truth[k];
      }
    }
  }
  return Object.fromEntries(
    groups.map((g, gi) => [
      g,
      Object.fromEntries(
        SCORE_NAMES.map((name, k) => {
          const n = counts[gi];
          const meanPredicted = n ? sumPred[gi][k] / n : 0;
          const meanTrue = n ? sumTrue[gi][k] / n : 0;
          const bias = meanPredicted - meanTrue;
          const unit = k === WT ? "seconds" : "probability";
          const error = Math.abs(bias);
          return [
            name,
            {
              unit,
              pairs: n,
              meanPredicted,
              meanTrue,
              bias,
              error,
              relativeError: meanTrue > 0 ? error / meanTrue : 0,
            },
          ];
        }),
      ),
    ]),
  ) as CalibrationReport;
}
