import { describe, expect, it } from "vitest";
import { monitorActions, showsHarm, type MonitoredArm } from "@/lib/experiments/auto-stop-decision";
import { decideExperiment, type VerdictInput } from "@/lib/stats/verdict";
import { armMoments } from "@/test/support/arm-moments";

const arm = armMoments;

/** Control vs one treatment: primary flat, guardrail "duration" with the given treatment mean (control 10). */
function report(n: number, guardrailMean: number, plan: VerdictInput["plan"] = { kind: "sequential" }) {
  return decideExperiment({
    arms: [
      { key: "control", control: true, users: n },
      { key: "t", users: n },
    ],
    plan,
    metrics: [
      { key: "valid_consumption", role: "primary", type: "mean", arms: { control: arm(n, 5, 2), t: arm(n, 5, 2) } },
      {
        key: "duration",
        role: "guardrail",
        type: "mean",
        allowedHarm: 0.02,
        arms: { control: arm(n, 10, 3), t: arm(n, guardrailMean, 3) },
      },
    ],
  });
}

const arms = (over: Partial<MonitoredArm> = {}): MonitoredArm[] => [
  { key: "control", control: true, stopped: false, announced: null },
  { key: "t", control: false, stopped: false, announced: null, ...over },
];

describe("guardrail auto-stop decisions", () => {
  it("stops a treatment whose always-valid interval lies wholly past the allowed harm", () => {
    const r = report(2000, 7); // −30% on a 2% margin
    const g = r.arms[0].guardrails[0];
    expect(g.status).toBe("fail");
    expect(g.interval!.test).toBe("sequential");
    expect(g.interval!.relative![1]).toBeLessThan(-0.02);
    expect(showsHarm(g)).toBe(true);
    const actions = monitorActions(r, arms());
    expect(actions[0]).toMatchObject({ kind: "stopArm", arm: "t", guardrail: { metric: "duration" } });
    expect(actions[0].reason).toMatch(/^Guardrail duration failed by the sequential test: Harmed beyond/);
    // The failed guardrail also makes the arm's verdict "don't ship", announced once.
    expect(actions[1]).toMatchObject({ kind: "announceVerdict", arm: "t", verdict: "dontShip" });
  });

  it("does not stop on a harm the interval has not shown yet, nor on a harmless arm", () => {
    const unsure = report(150, 9.6); // −4%, too few users to tell
    expect(unsure.arms[0].guardrails[0].status).toBe("notYet");
    expect(monitorActions(unsure, arms())).toEqual([]);
    const fine = report(2000, 10);
    expect(fine.arms[0].guardrails[0].status).not.toBe("fail");
    expect(monitorActions(fine, arms()).filter((a) => a.kind === "stopArm")).toEqual([]);
  });

  it("leaves fixed-horizon plans to people: a fail there is a verdict, not an auto-stop", () => {
    const r = report(2000, 7, { kind: "fixedHorizon", plannedUsers: 4000 });
    expect(r.arms[0].guardrails[0].status).toBe("fail");
    expect(showsHarm(r.arms[0].guardrails[0])).toBe(false);
    expect(monitorActions(r, arms()).map((a) => a.kind)).toEqual(["announceVerdict"]);
  });

  it("acts once: a stopped arm is not stopped again, an announced verdict not announced again", () => {
    const r = report(2000, 7);
    expect(monitorActions(r, arms({ stopped: true })).map((a) => a.kind)).toEqual(["announceVerdict"]);
    expect(monitorActions(r, arms({ stopped: true, announced: "dontShip" }))).toEqual([]);
    // Keep running is not decisive: nothing to announce.
    expect(monitorActions(report(150, 9.6), arms())).toEqual([]);
  });
});
