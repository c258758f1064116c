/**
 * Formatting shared by server and client components. Deterministic (UTC, fixed decimals), so a
 * value renders the same on the server and in the browser and hydration never disagrees.
 */
export const DASH = "—";

const finite = (x: number | null | undefined): x is number => typeof x === "number" && Number.isFinite(x);

/** 0.0312 → "+3.12%" (signed: for lifts). */
export function signedPct(x: number | null | undefined, digits = 1): string {
  if (!finite(x)) return DASH;
  const v = (x * 100).toFixed(digits);
  return `${x > 0 ? "+" : x < 0 ? "−" : ""}${v.replace("-", "")}%`;
}

/** 0.25 → "25%" (unsigned: for shares and coverage). */
export function pct(x: number | null | undefined, digits = 0): string {
  if (!finite(x)) return DASH;
  return `${(x * 100).toFixed(digits)}%`;
}

/** A 95% interval of a relative lift: "[−1.2%, +4.5%]". */
export function ciPct(ci: readonly [number, number] | null | undefined, digits = 1): string {
  if (!ci || !finite(ci[0]) || !finite(ci[1])) return DASH;
  return `[${signedPct(ci[0], digits)}, ${signedPct(ci[1], digits)}]`;
}

export function num(x: number | null | undefined, digits = 3): string {
  if (!finite(x)) return DASH;
  const abs = Math.abs(x);
  if (abs !== 0 && (abs >= 1e6 || abs < 10 ** -digits)) return x.toExponential(2);
  return x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function int(x: number | null | undefined): string {
  return finite(x) ? Math.round(x).toLocaleString("en-US") : DASH;
}

export function pValue(p: number | null | undefined): string {
  if (!finite(p)) return DASH;
  if (p < 0.001) return "<0.001";
  return p.toFixed(3);
}

/** "2025-01-31 14:05 UTC" from an ISO string or Date. */
export function dateTime(d: string | Date | null | undefined): string {
  if (!d) return DASH;
  const iso = typeof d === "string" ? d : d.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export function date(d: string | Date | null | undefined): string {
  if (!d) return DASH;
  return (typeof d === "string" ? d : d.toISOString()).slice(0, 10);
}

export function bytes(n: number | null | undefined): string {
  if (!finite(n)) return DASH;
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

/** "sessionsPerUser" / "prePeriodDays" / "long_view" → "Sessions per user" / "Pre period days" / "Long view". */
export function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A significant lift (CI excludes 0) gets a colour: "up" / "down", else "flat". */
export function liftTone(ci: readonly [number, number] | null | undefined): "up" | "down" | "flat" {
  if (!ci) return "flat";
  if (ci[0] > 0) return "up";
  if (ci[1] < 0) return "down";
  return "flat";
}

/** "1 version", "3 versions", "1,200 users"; `plural` when adding "s" is wrong. */
export function count(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${int(n)} ${n === 1 ? singular : pluralForm}`;
}

/** A span of time for people: "under a minute", "14 min", "5.2 h", "3.5 days". */
export function duration(ms: number | null | undefined): string {
  if (!finite(ms) || ms < 0) return DASH;
  const minutes = ms / 60_000;
  if (minutes < 1) return "under a minute";
  if (minutes < 60) return `${Math.round(minutes)} min`;
  if (minutes < 48 * 60) return `${num(minutes / 60, 1)} h`;
  return `${num(minutes / 1440, 1)} days`;
}

/** The decision recorded at stop, in words: "Ship Enhanced-State (treatment)", "Ship nothing", "Rerun". */
/** The verdicts of lib/stats/verdict.ts as the report and the lists say them. */
export const VERDICT_LABELS: Record<string, string> = {
  ship: "Ship",
  dontShip: "Don't ship",
  keepRunning: "Keep running",
  inconclusive: "Inconclusive at planned size",
  notEnoughData: "Not enough data",
};
export const GUARDRAIL_LABELS: Record<string, string> = {
  pass: "pass",
  fail: "fail",
  notYet: "not yet",
  notEnoughData: "not enough data",
};

export function decisionLabel(
  d: { decision: string; arm: string | null },
  arms: readonly { key: string; name: string }[],
): string {
  if (d.decision === "ship") return `Ship ${arms.find((a) => a.key === d.arm)?.name ?? d.arm} (${d.arm})`;
  return d.decision === "ship_nothing" ? "Ship nothing" : "Rerun";
}
