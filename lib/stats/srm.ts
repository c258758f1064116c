/**
 * Sample-ratio mismatch: Pearson chi-square of the users observed per arm against the allocated
 * shares. A tiny p-value means assignment or logging is broken, and the lifts cannot be trusted.
 */
import { chiSquareSurvival } from "@/lib/stats/chi-square";

/** Conventional SRM alarm level: strict, because the check runs on every report refresh. */
export const SRM_THRESHOLD = 0.001;

export interface SrmResult {
  /** Infinity (JSON null) when an arm allocated no traffic has users. */
  chiSquare: number;
  df: number;
  pValue: number;
  ok: boolean;
  /** Users expected per arm under the allocated shares. */
  expected: number[];
}

/** `shares` are relative (normalised here); arms with share 0 must have no users. */
export function srmTest(observed: readonly number[], shares: readonly number[], threshold = SRM_THRESHOLD): SrmResult {
  if (observed.length !== shares.length) throw new RangeError("one share per arm is needed");
  const total = observed.reduce((s, x) => s + x, 0);
  const shareTotal = shares.reduce((s, x) => s + x, 0);
  const expected = shares.map((s) => (shareTotal > 0 ? (total * s) / shareTotal : 0));
  let chiSquare = 0;
  let df = -1;
  let impossible = false;
  observed.forEach((o, i) => {
    if (expected[i] > 0) {
      chiSquare += (o - expected[i]) ** 2 / expected[i];
      df++;
    } else if (o > 0) {
      impossible = true; // users in an arm that should get none
    }
  });
  const pValue = impossible ? 0 : df > 0 ? chiSquareSurvival(chiSquare, df) : 1;
  return {
    chiSquare: impossible ? Infinity : chiSquare,
    df: Math.max(df, 0),
    pValue,
    ok: pValue >= threshold,
    expected,
  };
}
