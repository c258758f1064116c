import { describe, expect, it } from "vitest";
import {
  allowedHarmOf,
  analysisPlanOf,
  DEFAULT_GUARDRAIL_HARM,
  planName,
  toDbPlan,
} from "@/lib/experiments/analysis-plan";

describe("an experiment's analysis plan as lib/stats takes it", () => {
  it("maps the stored plan to the verdict's plan, keeping a sequential plan's optional target", () => {
    expect(analysisPlanOf({ analysisPlan: "sequential", plannedUsers: null })).toEqual({ kind: "sequential" });
    expect(analysisPlanOf({ analysisPlan: "sequential", plannedUsers: 8000 })).toEqual({
      kind: "sequential",
      plannedUsers: 8000,
    });
    expect(analysisPlanOf({ analysisPlan: "fixed_horizon", plannedUsers: 8000 })).toEqual({
      kind: "fixedHorizon",
      plannedUsers: 8000,
    });
    for (const name of ["sequential", "fixedHorizon"] as const) expect(planName(toDbPlan(name))).toBe(name);
  });

  it("a guardrail's allowed harm: the experiment's override, else the catalogue's, else the default", () => {
    const e = { guardrailHarm: { duration: 0.01 } };
    expect(allowedHarmOf(e, { key: "duration", allowedHarm: 0.05 })).toBe(0.01);
    expect(allowedHarmOf(e, { key: "interactions", allowedHarm: 0.05 })).toBe(0.05);
    expect(allowedHarmOf(e, { key: "interactions", allowedHarm: null })).toBe(DEFAULT_GUARDRAIL_HARM);
    expect(DEFAULT_GUARDRAIL_HARM).toBe(0.02);
  });
});
