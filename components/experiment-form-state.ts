import type { BucketRange } from "@/lib/assignment";
import type { EXPERIMENT_TYPES } from "@/lib/experiments/experiment-input";
import { DEFAULT_MIN_USERS_PER_ARM } from "@/lib/stats/minimum-data";
import type { ExperimentView } from "@/lib/ui/experiment-queries";
import { percentText } from "@/lib/ui/percent-text";
import { formatRanges } from "@/lib/ui/ranges";

/**
 * What an arm's version picker holds: a version id, DEFAULT_POLICY (the platform default, chosen explicitly) or "" (not
 * chosen yet).
 */
export const DEFAULT_POLICY = "platform-default";

/** One arm as typed; `uid` keeps React keys stable while arms are added, removed and renamed. */
export interface ArmState {
  uid: number;
  key: string;
  name: string;
  policyVersionId: string;
  weight: string;
  ranges: string;
}

/** The analysis plan as typed: allowed harm in percent per guardrail key, "" = the catalogue's (or the 2% default). */
export interface AnalysisPlanState {
  analysisPlan: "sequential" | "fixedHorizon";
  plannedUsers: string;
  minUsersPerArm: string;
  minEventsPerArm: string;
  guardrailHarm: Record<string, string>;
}

/** Everything the experiment form holds, as typed (text stays text until the zod rules read it). */
export interface ExperimentFormState {
  key: string;
  name: string;
  hypothesis: string;
  type: (typeof EXPERIMENT_TYPES)[number];
  layer: string;
  hashSeed: string;
  primaryMetric: string;
  guardrails: string[];
  mode: "weights" | "ranges";
  coverage: string;
  attributionDays: string;
  layerBuckets: string;
  arms: ArmState[];
  /** uid of the control arm. */
  control: number;
  analysis: AnalysisPlanState;
  /** The next arm's uid. */
  nextUid: number;
}

/** The fields a plain "set" changes (arms, the control and the plan have their own actions). */
export type FormField = Exclude<keyof ExperimentFormState, "arms" | "control" | "analysis" | "nextUid">;

export type ExperimentFormAction =
  | { [F in FormField]: { kind: "set"; field: F; value: ExperimentFormState[F] } }[FormField]
  | { kind: "toggleGuardrail"; metric: string; on: boolean }
  | { kind: "setArm"; uid: number; patch: Partial<Omit<ArmState, "uid">> }
  | { kind: "addArm" }
  | { kind: "removeArm"; uid: number }
  | { kind: "setControl"; uid: number }
  | { kind: "setAnalysis"; patch: Partial<AnalysisPlanState> };

/** The form's first state: the experiment being edited, or a new 50/50 control vs treatment. */
export function initialFormState(
  experiment: ExperimentView | undefined,
  defaults: { layer: string; freeBuckets: BucketRange[] | null },
): ExperimentFormState {
  const arms: ArmState[] = experiment
    ? experiment.arms.map((a, i) => ({
        uid: i + 1,
        key: a.key,
        name: a.name === a.key ? "" : a.name,
        policyVersionId: a.policyVersionId ?? DEFAULT_POLICY,
        weight: percentText(a.weight ?? 1 / experiment.arms.length),
        ranges: formatRanges(a.ranges as BucketRange[] | null),
      }))
    : [
        { uid: 1, key: "control", name: "Control", policyVersionId: DEFAULT_POLICY, weight: "50", ranges: "0-5000" },
        { uid: 2, key: "treatment", name: "", policyVersionId: "", weight: "50", ranges: "5000-10000" },
      ];
  const controlIndex = Math.max(0, experiment?.arms.findIndex((a) => a.control) ?? 0);
  return {
    key: experiment?.key ?? "",
    name: experiment?.name ?? "",
    hypothesis: experiment?.hypothesis ?? "",
    type: experiment?.type ?? "ab",
    layer: experiment?.layer ?? defaults.layer,
    hashSeed: "",
    primaryMetric: experiment?.primaryMetric ?? "valid_consumption",
    guardrails: experiment?.guardrailMetrics ?? ["duration"],
    mode: experiment?.arms.some((a) => a.ranges) ? "ranges" : "weights",
    coverage: percentText(experiment?.coverage ?? 1),
    attributionDays: String(experiment?.attributionWindowDays ?? ""),
    layerBuckets: formatRanges(experiment?.layerBuckets ?? defaults.freeBuckets ?? [[0, 10000]]),
    arms,
    control: arms[controlIndex].uid,
    analysis: {
      analysisPlan: experiment?.analysisPlan ?? "sequential",
      plannedUsers: experiment?.plannedUsers != null ? String(experiment.plannedUsers) : "",
      minUsersPerArm: String(experiment?.minUsersPerArm ?? DEFAULT_MIN_USERS_PER_ARM),
      minEventsPerArm: String(experiment?.minEventsPerArm ?? 0),
      guardrailHarm: Object.fromEntries(
        Object.entries(experiment?.guardrailHarm ?? {}).map(([k, v]) => [k, percentText(v)]),
      ),
    },
    nextUid: arms.length + 1,
  };
}

export function experimentFormReducer(state: ExperimentFormState, action: ExperimentFormAction): ExperimentFormState {
  switch (action.kind) {
    case "set":
      return { ...state, [action.field]: action.value };
    case "toggleGuardrail": {
      const rest = state.guardrails.filter((g) => g !== action.metric);
      return { ...state, guardrails: action.on ? [...rest, action.metric] : rest };
    }
    case "setArm":
      return { ...state, arms: state.arms.map((a) => (a.uid === action.uid ? { ...a, ...action.patch } : a)) };
    case "addArm": {
      // A new arm splits the traffic evenly again; its version is left to choose.
      const n = state.arms.length + 1;
      const even = percentText(1 / n);
      const added = {
        uid: state.nextUid,
        key: `treatment-${n - 1}`,
        name: "",
        policyVersionId: "",
        weight: even,
        ranges: "",
      };
      return {
        ...state,
        arms: [...state.arms.map((a) => ({ ...a, weight: even })), added],
        nextUid: state.nextUid + 1,
      };
    }
    case "removeArm": {
      const arms = state.arms.filter((a) => a.uid !== action.uid);
      if (arms.length === 0) return state;
      // Removing the control makes the first remaining arm the control.
      return { ...state, arms, control: action.uid === state.control ? arms[0].uid : state.control };
    }
    case "setControl":
      return state.arms.some((a) => a.uid === action.uid) ? { ...state, control: action.uid } : state;
    case "setAnalysis":
      return { ...state, analysis: { ...state.analysis, ...action.patch } };
  }
}
