/**
 * Reading policy versions' JSON (offline evaluation, metrics, training curves) for display. The
 * shapes come from the training and evaluation jobs and may grow, so these readers look for the
 * patterns rather than exact fields: numbers, and estimates `{ mean, ci: [lo, hi] }`.
 */
export interface EvalFigure {
  /** Path-derived label, e.g. "rollout · validConsumption". */
  label: string;
  value: number;
  ci: [number, number] | null;
  /** "pct": a relative difference, shown as a signed percentage. */
  format?: "pct";
}

export const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x);
const isNum = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);
const isCi = (x: unknown): x is [number, number] => Array.isArray(x) && x.length === 2 && isNum(x[0]) && isNum(x[1]);

/** Keys that say what a figure is, ranked: offline evaluation first (GAUC, IS estimate, rollout value). */
const PRIORITY = [
  /gauc/i,
  /snips|importance|^is$|ips/i,
  /rollout|value/i,
  /lift|relative|difference/i,
  /reward/i,
  /valid/i,
];
const SKIP = /^(perSeed|seeds|n|users|impressions|requests|matched|bandwidth|sessionsPerSeed|df|se|variance|sd|std)$/;

const NOISE = new Set(["estimate", "estimates", "policies", "mean", "value"]);

/** ["gauc", "gauc"] → "gauc"; ["rollout", "policies", "x", "estimate", "reward"] → "rollout · x · reward". */
function labelOf(path: string[]): string {
  const parts = path.filter((p, i) => !(NOISE.has(p) && i > 0) && p !== path[i - 1]);
  return parts.join(" · ") || path.join(" · ") || "value";
}

function rank(label: string): number {
  const i = PRIORITY.findIndex((re) => re.test(label));
  return i < 0 ? PRIORITY.length : i;
}

/** The figures found in an evaluation or metrics object, best first (at most `limit`). */
export function evaluationFigures(json: unknown, limit = 8): EvalFigure[] {
  const out: EvalFigure[] = [];
  const walk = (x: unknown, path: string[], depth: number) => {
    if (depth > 5 || out.length > 200) return;
    if (isNum(x) && path.length > 0) {
      const last = path[path.length - 1];
      if (!SKIP.test(last)) out.push({ label: labelOf(path), value: x, ci: null });
      return;
    }
    if (!isRecord(x)) return;
    if (isNum(x.mean) && (isCi(x.ci) || x.ci === undefined)) {
      out.push({ label: labelOf(path), value: x.mean, ci: isCi(x.ci) ? x.ci : null });
      return;
    }
    if (x.applicable === false) return;
    for (const [k, v] of Object.entries(x)) {
      if (SKIP.test(k) || k === "applicable") continue;
      walk(v, [...path, k], depth + 1);
    }
  };
  walk(json, [], 0);
  return out
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f.label) - rank(b.f.label) || a.i - b.i)
    .slice(0, limit)
    .map(({ f }) => f);
}

export interface CurveData {
  x: string;
  series: string[];
  points: Record<string, number>[];
}

const X_KEYS = ["step", "iteration", "checkpoint", "epoch", "round", "t", "x"];

function pointsOf(arr: unknown[]): Record<string, number>[] | null {
  if (arr.length === 0) return null;
  if (arr.every(isNum)) return (arr as number[]).map((v, i) => ({ index: i, value: v }));
  if (!arr.every(isRecord)) return null;
  return (arr as Record<string, unknown>[]).map((r, i) => {
    const p: Record<string, number> = { index: i };
    for (const [k, v] of Object.entries(r)) {
      if (isNum(v)) p[k] = v;
      else if (isRecord(v)) for (const [k2, v2] of Object.entries(v)) if (isNum(v2)) p[`${k}.${k2}`] = v2;
    }
    return p;
  });
}

/**
 * A training curve as chart data: an array of numbers, an array of points with numeric fields, or
 * an object holding such arrays (the first one wins; named arrays of numbers become one series each).
 */
export function trainingCurve(json: unknown, maxSeries = 4): CurveData | null {
  let points: Record<string, number>[] | null = null;
  if (Array.isArray(json)) points = pointsOf(json);
  else if (isRecord(json)) {
    const numArrays = Object.entries(json).filter(([, v]) => Array.isArray(v) && v.length > 0 && v.every(isNum)) as [
      string,
      number[],
    ][];
    if (numArrays.length > 0) {
      const len = Math.max(...numArrays.map(([, v]) => v.length));
      points = Array.from({ length: len }, (_, i) =>
        Object.fromEntries([["index", i], ...numArrays.filter(([, v]) => i < v.length).map(([k, v]) => [k, v[i]])]),
      );
    } else {
      for (const v of Object.values(json)) {
        if (Array.isArray(v)) {
          points = pointsOf(v);
          if (points) break;
        }
      }
    }
  }
  if (!points || points.length === 0) return null;
  const keys = [...new Set(points.flatMap((p) => Object.keys(p)))];
  const x = X_KEYS.find((k) => keys.includes(k)) ?? "index";
  const series = keys.filter((k) => !X_KEYS.includes(k) && k !== "index").slice(0, maxSeries);
  if (series.length === 0) return null;
  return { x, series, points };
}

type Est = { mean: number; ci: [number, number] | null };
function est(x: unknown): Est | null {
  if (!isRecord(x) || !isNum(x.mean)) return null;
  return { mean: x.mean, ci: isCi(x.ci) ? x.ci : null };
}
const at = (x: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((o, k) => (isRecord(o) ? o[k] : undefined), x);

/**
 * Headline figures of an `evaluate-policy` result (docs/architecture.md §7): rollout value in the simulator with its
 * CI over seeds, the paired relative difference vs the default fixed policy, MTF-GAUC and the SNIPS
 * estimate on held-out logs. Other shapes fall back to the generic reader.
 */
export function evaluationSummary(json: unknown, limit = 8): EvalFigure[] {
  if (!isRecord(json) || (!isRecord(json.rollout) && !isRecord(json.vsBaseline))) return evaluationFigures(json, limit);
  const out: EvalFigure[] = [];
  const push = (label: string, e: Est | null, format?: "pct") =>
    e && out.push({ label, value: e.mean, ci: e.ci, ...(format ? { format } : {}) });
  push("rollout value: valid plays/session", est(at(json, "rollout", "candidate", "validConsumption")));
  push("vs default fixed: valid plays", est(at(json, "vsBaseline", "validConsumption", "relative")), "pct");
  push("vs default fixed: watch time", est(at(json, "vsBaseline", "durationSeconds", "relative")), "pct");
  const gauc = at(json, "offline", "gauc", "gauc");
  if (isNum(gauc)) out.push({ label: "MTF-GAUC", value: gauc, ci: null });
  if (at(json, "offline", "snips", "applicable") === true)
    push("SNIPS reward/request", est(at(json, "offline", "snips", "reward")));
  push("rollout value: watch s/session", est(at(json, "rollout", "candidate", "durationSeconds")));
  return out.slice(0, limit);
}

/**
 * The training job's curve (its progress reports): loss per gradient step, and per round the
 * candidate's vs the incumbent's evaluation; CEM tuning's objective per iteration. Other shapes go
 * through the generic reader.
 */
export function trainingCurves(json: unknown): { title: string; curve: CurveData }[] {
  if (!Array.isArray(json) || !json.every(isRecord)) {
    const c = trainingCurve(json);
    return c ? [{ title: "Training curve", curve: c }] : [];
  }
  const rows = json as Record<string, unknown>[];
  const out: { title: string; curve: CurveData }[] = [];
  const numericKeys = (pts: Record<string, unknown>[], skip: string[]) => [
    ...new Set(pts.flatMap((p) => Object.keys(p).filter((k) => isNum(p[k]) && !skip.includes(k)))),
  ];
  const train = rows.filter((r) => r.phase === "train");
  if (train.length > 0) {
    const series = numericKeys(train, ["round", "step"]);
    if (series.length)
      out.push({
        title: "Losses by gradient step",
        curve: {
          x: "step",
          series,
          points: train.map((r, i) => ({
            step: i + 1,
            ...Object.fromEntries(series.filter((k) => isNum(r[k])).map((k) => [k, r[k] as number])),
          })),
        },
      });
  }
  const evals = rows.filter((r) => r.phase === "evaluate");
  const gated = evals.filter((r) => isNum(r.difference) && isNum(r.lower) && isNum(r.upper));
  if (gated.length > 0) {
    // The promotion gate per checkpoint: reward difference vs the behaviour with its (corrected) interval; promoted
    // when lower > 0.
    const series = ["difference", "lower", "upper"];
    out.push({
      title: "Promotion gate: reward vs behaviour per checkpoint",
      curve: {
        x: "checkpoint",
        series,
        points: gated.map((r, i) => ({
          checkpoint: i + 1,
          ...Object.fromEntries(series.map((k) => [k, r[k] as number])),
        })),
      },
    });
  } else if (evals.length > 0) {
    out.push({
      title: "Round evaluation: candidate vs incumbent",
      curve: {
        x: "round",
        series: ["candidate", "incumbent"],
        points: evals.map((r) => ({
          round: Number(r.round),
          candidate: Number(r.candidate),
          incumbent: Number(r.incumbent),
        })),
      },
    });
  }
  const cem = rows.filter((r) => r.phase === undefined && isNum(r.iteration));
  if (cem.length > 0) {
    const series = numericKeys(cem, ["iteration", "iterations"]).slice(0, 4);
    if (series.length)
      out.push({
        title: "Tuning objective by iteration",
        curve: {
          x: "iteration",
          series,
          points: cem.map((r) => ({
            iteration: Number(r.iteration),
            ...Object.fromEntries(series.filter((k) => isNum(r[k])).map((k) => [k, r[k] as number])),
          })),
        },
      });
  }
  if (out.length === 0) {
    const c = trainingCurve(json);
    if (c) out.push({ title: "Training curve", curve: c });
  }
  return out;
}

/** The promotion gate's verdict stored in a version's training metrics (the last round's, for RL runs). */
export function gateNote(metrics: unknown): string | null {
  if (!isRecord(metrics)) return null;
  if (typeof metrics.gate === "string") return metrics.gate;
  const rounds = Array.isArray(metrics.rounds) ? metrics.rounds.filter(isRecord) : [];
  const last = rounds.at(-1)?.gate;
  return typeof last === "string" ? last : null;
}
