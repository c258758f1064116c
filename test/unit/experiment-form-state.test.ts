import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  experimentFormReducer,
  initialFormState,
  type ExperimentFormAction,
  type ExperimentFormState,
} from "@/components/experiment-form-state";

const fresh = () => initialFormState(undefined, { layer: "feed", freeBuckets: [[0, 5000]] });

describe("the experiment form's state", () => {
  it("starts as a 50/50 control vs treatment on the layer's free buckets, sequential with 100 users per arm", () => {
    const s = fresh();
    expect(s.arms.map((a) => [a.key, a.weight, a.policyVersionId])).toEqual([
      ["control", "50", "platform-default"],
      ["treatment", "50", ""],
    ]);
    expect(s.control).toBe(s.arms[0].uid);
    expect(s).toMatchObject({ layer: "feed", layerBuckets: "0-5000", mode: "weights", coverage: "100" });
    expect(s.analysis).toEqual({
      analysisPlan: "sequential",
      plannedUsers: "",
      minUsersPerArm: "100",
      minEventsPerArm: "0",
      guardrailHarm: {},
    });
  });

  it("adding an arm splits the weights evenly; removing the control hands it to the first arm left", () => {
    let s = experimentFormReducer(fresh(), { kind: "addArm" });
    expect(s.arms.map((a) => a.weight)).toEqual(["33.33", "33.33", "33.33"]);
    expect(s.arms[2]).toMatchObject({ key: "treatment-2", policyVersionId: "" });
    s = experimentFormReducer(s, { kind: "removeArm", uid: s.control });
    expect(s.arms.map((a) => a.key)).toEqual(["treatment", "treatment-2"]);
    expect(s.control).toBe(s.arms[0].uid);
  });

  it("guardrails toggle without duplicates; the plan patches; a field set changes only that field", () => {
    let s = experimentFormReducer(fresh(), { kind: "toggleGuardrail", metric: "duration", on: true });
    expect(s.guardrails).toEqual(["duration"]);
    s = experimentFormReducer(s, { kind: "toggleGuardrail", metric: "like_rate", on: true });
    s = experimentFormReducer(s, { kind: "toggleGuardrail", metric: "duration", on: false });
    expect(s.guardrails).toEqual(["like_rate"]);
    const planned = experimentFormReducer(s, { kind: "setAnalysis", patch: { plannedUsers: "8000" } });
    expect(planned.analysis).toMatchObject({ analysisPlan: "sequential", plannedUsers: "8000" });
    expect(experimentFormReducer(s, { kind: "set", field: "name", value: "N" })).toEqual({ ...s, name: "N" });
  });

  it("whatever the actions, arm uids stay unique and the control is always one of the arms", () => {
    const action = fc.oneof(
      fc.constant<ExperimentFormAction>({ kind: "addArm" }),
      fc.nat(8).map<ExperimentFormAction>((uid) => ({ kind: "removeArm", uid })),
      fc.nat(8).map<ExperimentFormAction>((uid) => ({ kind: "setControl", uid })),
      fc.nat(8).map<ExperimentFormAction>((uid) => ({ kind: "setArm", uid, patch: { weight: "10" } })),
    );
    fc.assert(
      fc.property(fc.array(action, { maxLength: 30 }), (actions) => {
        const s: ExperimentFormState = actions.reduce(experimentFormReducer, fresh());
        expect(s.arms.length).toBeGreaterThan(0);
        expect(new Set(s.arms.map((a) => a.uid)).size).toBe(s.arms.length);
        expect(s.arms.some((a) => a.uid === s.control)).toBe(true);
        expect(s.nextUid).toBeGreaterThan(Math.max(...s.arms.map((a) => a.uid)));
      }),
    );
  });
});
