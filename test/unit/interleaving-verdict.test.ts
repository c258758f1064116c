import { describe, expect, it } from "vitest";
import { interleavingVerdict, type InterleavingComparison } from "@/lib/experiments/interleaving-verdict";
import { monitorActions } from "@/lib/experiments/auto-stop-decision";
import { preferenceTest } from "@/lib/stats/interleaving-preference";

const ARMS = [
  { key: "control", control: true },
  { key: "treatment", control: false },
];

/** A comparison of the pair (a, b) = (control, treatment): `wins` users prefer the control. */
const cmp = (metric: string, role: "primary" | "guardrail", wins: number, losses: number, ties: number) =>
  ({ metric, role, a: "control", b: "treatment", ...preferenceTest({ wins, losses, ties }) }) as InterleavingComparison;

const verdictOf = (comparisons: InterleavingComparison[], harm = 0.02) =>
  interleavingVerdict({ arms: ARMS, users: 2000, comparisons, allowedHarm: () => harm }).arms[0];

describe("an interleaving report read as verdicts (the guardrail job's input)", () => {
  it("ships a treatment users clearly prefer on the primary metric once its guardrails pass", () => {
    const v = verdictOf([
      cmp("valid_consumption", "primary", 500, 900, 600),
      cmp("duration", "guardrail", 700, 800, 500),
    ]);
    expect(v.primary[0]).toMatchObject({ verdict: "ship", difference: 0.2 });
    expect(v.primary[0].interval!.relative![0]).toBeGreaterThan(0);
    expect(v.guardrails[0].status).toBe("pass");
    expect(v.verdict).toBe("ship");
  });

  it("fails a guardrail whose preference interval lies wholly below −margin, and the job stops that arm", () => {
    const v = verdictOf([cmp("valid_consumption", "primary", 700, 700, 600), cmp("hate", "guardrail", 1200, 300, 500)]);
    expect(v.guardrails[0]).toMatchObject({ metric: "hate", status: "fail", difference: -0.45 });
    expect(v.verdict).toBe("dontShip");
    const report = interleavingVerdict({
      arms: ARMS,
      users: 2000,
      comparisons: [cmp("valid_consumption", "primary", 700, 700, 600), cmp("hate", "guardrail", 1200, 300, 500)],
      allowedHarm: () => 0.02,
    });
    const actions = monitorActions(report, [
      { key: "control", control: true, stopped: false, announced: null },
      { key: "treatment", control: false, stopped: false, announced: null },
    ]);
    expect(actions.map((a) => a.kind)).toEqual(["stopArm", "announceVerdict"]);
  });

  it("orients the pair either way, and says not enough data below the minimum", () => {
    const flipped = { ...cmp("valid_consumption", "primary", 900, 500, 600), a: "treatment", b: "control" };
    expect(verdictOf([flipped]).primary[0]).toMatchObject({ verdict: "ship", difference: 0.2 });
    const few = { ...cmp("valid_consumption", "primary", 20, 5, 10) };
    expect(verdictOf([few])).toMatchObject({ verdict: "notEnoughData" });
    // A preference inside the margin neither fails nor passes yet.
    expect(
      verdictOf([cmp("valid_consumption", "primary", 700, 700, 600), cmp("hate", "guardrail", 720, 700, 580)], 0.01)
        .guardrails[0].status,
    ).toBe("notYet");
  });
});
