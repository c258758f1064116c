import { fraction, percentText } from "@/lib/ui/percent-text";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allocationIssues } from "@/lib/assignment";
import { safeReturnPath } from "@/lib/auth/return-path";
import { defaultArmLabel, type DefaultPeriod } from "@/lib/policies/default-periods";
import { symmetricTicks } from "@/lib/ui/chart-ticks";
import { count } from "@/lib/ui/format";
import { payloadFacts } from "@/lib/ui/job-summary";

describe("UI helpers", () => {
  it("lift-chart ticks are symmetric, evenly spaced round numbers covering the interval", () => {
    expect(symmetricTicks(0.25)).toEqual([-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3]);
    expect(symmetricTicks(0.047)).toEqual([-0.06, -0.04, -0.02, 0, 0.02, 0.04, 0.06]);
    expect(symmetricTicks(0.07)).toEqual([-0.075, -0.05, -0.025, 0, 0.025, 0.05, 0.075]);
    fc.assert(
      fc.property(fc.double({ min: 1e-4, max: 50, noNaN: true }), (extent) => {
        const t = symmetricTicks(extent);
        const step = t[1] - t[0];
        expect(t[0]).toBeCloseTo(-t[t.length - 1], 12);
        expect(t[t.length - 1]).toBeGreaterThanOrEqual(extent * (1 - 1e-9));
        for (let i = 1; i < t.length; i++) expect(t[i] - t[i - 1]).toBeCloseTo(step, 12);
        expect(t.length).toBeLessThanOrEqual(13);
        const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-12);
        expect([1, 2, 2.5, 5].some((m) => Math.abs(mantissa - m) < 1e-9)).toBe(true);
      }),
    );
  });

  it("weights are judged in percent, without float noise", () => {
    expect(
      allocationIssues({
        arms: [
          { key: "a", weight: 0.6 },
          { key: "b", weight: 0.3 },
        ],
      }),
    ).toContain("weights must sum to 100%, got 90%");
    expect(
      allocationIssues({
        arms: [
          { key: "a", weight: 0.7 },
          { key: "b", weight: 0.2 },
        ],
      }),
    ).toContain("weights must sum to 100%, got 90%");
  });

  it("a return path after sign-in is a path of this site, never another origin", () => {
    expect(safeReturnPath("/jobs?state=failed")).toBe("/jobs?state=failed");
    for (const bad of [
      null,
      "",
      "/",
      "//evil.example",
      "/\\evil.example",
      "https://evil.example",
      "javascript:alert(1)",
    ])
      expect(safeReturnPath(bad)).toBe("/dashboard");
  });

  it("an arm without a version names the platform default it served, with its version", () => {
    const t = (iso: string) => new Date(iso);
    const history: DefaultPeriod[] = [
      { label: "default-fixed@v2", versionId: "b", version: 2, from: t("2026-02-01"), until: null },
      { label: "default-fixed@v1", versionId: "a", version: 1, from: t("2026-01-01"), until: t("2026-02-01") },
      {
        label: "built-in default (centre of the action box)",
        versionId: null,
        version: null,
        from: null,
        until: t("2026-01-01"),
      },
    ];
    expect(defaultArmLabel(history, t("2026-03-01"))).toBe("platform default (default-fixed@v2)");
    expect(defaultArmLabel(history, t("2026-01-15"), t("2026-01-20"))).toBe("platform default (default-fixed@v1)");
    expect(defaultArmLabel(history, t("2026-01-15"), t("2026-02-10"))).toBe(
      "platform default (default-fixed@v1, then default-fixed@v2)",
    );
  });

  it("plurals and job settings read as words", () => {
    expect(count(1, "version")).toBe("1 version");
    expect(count(3, "version")).toBe("3 versions");
    expect(
      payloadFacts({
        policy: "es",
        preset: "quick",
        seeds: 0.30000000000000004,
        datasetId: "x",
        trainingConfig: { stepsPerRound: 60 },
      }),
    ).toEqual([
      { label: "Policy", value: "es" },
      { label: "Preset", value: "quick" },
      { label: "Seeds", value: "0.3" },
      { label: "Training config", value: "steps per round set (advanced)" },
    ]);
  });
});

describe("percent text in forms", () => {
  it("shows fractions as percent text and reads typed percentages back, comma decimals included", () => {
    expect(percentText(0.125)).toBe("12.5");
    expect(percentText(1 / 3)).toBe("33.33");
    expect(percentText(null)).toBe("");
    expect(fraction("12.5")).toBe(0.125);
    expect(fraction(" 12,5 ")).toBe(0.125);
    expect(fraction("")).toBeNaN();
    expect(fraction("abc")).toBeNaN();
    for (const x of [0, 0.01, 0.5, 0.9999, 1]) expect(fraction(percentText(x))).toBeCloseTo(x, 12);
  });
});
